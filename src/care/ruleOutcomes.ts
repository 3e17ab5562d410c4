// What became of each rule's moments in a window — the drill-down behind every overview count:
// signals → decisions (suppressed ones by reason) → messages (the unsent ones by guard or failure,
// with an example) → tasks. Everything on the moment basis (see momentSql.ts), so a rule's row adds
// up. Rules that exist but noticed nothing are listed too: "why didn't this fire" starts there.
import type { HistoryStore, MessageProblem, RuleFunnel } from '../store/history/HistoryStore.ts'
import type { StoredRule } from '../store/operational/RuleStore.ts'

export interface UnsentMessages {
  status: MessageProblem['status']
  reason: string
  messages: number
  example: string
}

export interface RuleOutcome extends Omit<RuleFunnel, 'ruleId'> {
  /** null: messages and tasks no rule's decision planned (surveys, talk to a person). */
  ruleId: string | null
  name: string | null
  enabled: boolean | null
  /** Suppressed decisions by reason (cooldown, once, conditions, holdout, stale). */
  suppressedBy: Record<string, number>
  /** Messages skipped by a send-time guard, failed or dead, by reason. */
  unsent: UnsentMessages[]
}

const EMPTY_FUNNEL: Omit<RuleFunnel, 'ruleId'> = {
  signals: 0, planned: 0, suppressed: 0, sent: 0, delivered: 0, opened: 0, clicked: 0, tasksCreated: 0, tasksResolved: 0, outcomes: {},
}

function nameOf(rule: StoredRule | undefined): string | null {
  const doc = rule?.document
  const name = doc !== null && typeof doc === 'object' ? (doc as { name?: unknown }).name : undefined
  return typeof name === 'string' ? name : null
}

/** Every rule (known or seen in the window), busiest first; the unattributed row last. */
export async function ruleOutcomes(history: HistoryStore, rules: readonly StoredRule[], from: number, to: number): Promise<RuleOutcome[]> {
  const [funnel, suppressions, problems] = await Promise.all([
    history.funnel(from, to),
    history.suppressionReasons(from, to),
    history.momentProblems(from, to),
  ])
  const known = new Map(rules.map((r) => [r.id, r]))
  const rows = new Map<string | null, RuleOutcome>()
  const rowOf = (ruleId: string | null): RuleOutcome => {
    let row = rows.get(ruleId)
    if (!row) {
      const rule = ruleId === null ? undefined : known.get(ruleId)
      row = { ruleId, name: nameOf(rule), enabled: rule ? rule.enabled : null, ...EMPTY_FUNNEL, outcomes: {}, suppressedBy: Object.create(null) as Record<string, number>, unsent: [] }
      rows.set(ruleId, row)
    }
    return row
  }
  for (const rule of rules) rowOf(rule.id)
  for (const { ruleId, ...counts } of funnel) Object.assign(rowOf(ruleId), counts)
  for (const { ruleId, reasons } of suppressions.rules) {
    if (ruleId === null) continue
    const row = rowOf(ruleId)
    for (const [reason, n] of Object.entries(reasons)) if (n > 0) row.suppressedBy[reason] = n
  }
  for (const { ruleId, ...unsent } of problems) rowOf(ruleId).unsent.push(unsent)
  const activity = (r: RuleOutcome) => r.signals + r.planned + r.suppressed + r.unsent.length
  return [...rows.values()].sort(
    (a, b) =>
      Number(a.ruleId === null) - Number(b.ruleId === null) ||
      activity(b) - activity(a) ||
      String(a.ruleId).localeCompare(String(b.ruleId)),
  )
}
