// Pruning of the cooldown / once bookkeeping in customer state (`firings`: guard key → last time
// planned). A key is `ruleId` or `ruleId|entity` (rule ids hold no '|'). A firing can only matter
// to its own rule: for a cooldown while a moment could still fall inside it (cooldown + the rule's
// maximum moment age, as late moments are judged by their own time); for a `once` rule forever.
import type { CustomerState } from '../../model/customer.ts'
import type { RuleSet } from '../../rules/index.ts'

/** How long each rule's firings matter (ms; Infinity = always). */
export type FiringHorizons = ReadonlyMap<string, number>

export function firingHorizons(ruleSet: RuleSet): FiringHorizons {
  const horizons = new Map<string, number>()
  for (const rule of ruleSet.rules.values()) {
    const { once, cooldownMs } = rule.guard
    horizons.set(rule.id, once ? Infinity : cooldownMs === undefined ? 0 : cooldownMs + rule.maxAgeMs)
  }
  return horizons
}

/**
 * Drops the firings no rule can consult any more; a firing of a rule not in the live set (deleted
 * or disabled, perhaps to come back) is kept for `orphanMs`. Returns how many were dropped.
 */
export function pruneFirings(state: CustomerState, horizons: FiringHorizons, now: number, orphanMs: number): number {
  let dropped = 0
  for (const [key, at] of Object.entries(state.firings)) {
    const bar = key.indexOf('|')
    const ruleId = bar < 0 ? key : key.slice(0, bar)
    const horizon = horizons.get(ruleId) ?? orphanMs
    if (now - at >= horizon) {
      delete state.firings[key]
      dropped++
    }
  }
  return dropped
}
