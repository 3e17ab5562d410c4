// Keeps the compiled rule set in step with the rule table: recompiles only when it changed.
import { compileRule, RuleSet, starterRules, type CompiledRule } from '../rules/index.ts'
import type { RuleStore } from '../store/operational/RuleStore.ts'
import type { SettingsStore } from '../store/operational/SettingsStore.ts'

export class RuleRegistry {
  private current = new RuleSet([])
  private fingerprint: string | undefined
  /** Rules in the store that no longer compile (e.g. written by an older version): skipped, reported. */
  readonly broken = new Map<string, string>()

  constructor(private readonly rules: RuleStore) {}

  get ruleSet(): RuleSet {
    return this.current
  }

  /** Reloads when the table changed; returns true if the rule set was rebuilt. */
  async refresh(force = false): Promise<boolean> {
    const fingerprint = await this.rules.fingerprint()
    if (!force && fingerprint === this.fingerprint) return false
    // The live version of each enabled rule: with four eyes on, a newer draft waits for approval.
    const live = await this.rules.live()
    const compiled: CompiledRule[] = []
    this.broken.clear()
    for (const rule of live) {
      const result = compileRule({ document: rule.document, version: rule.version })
      if (result.ok) compiled.push(result.rule)
      else this.broken.set(rule.id, result.errors.map((e) => `${e.path}: ${e.message}`).join('; '))
    }
    this.current = new RuleSet(compiled)
    this.fingerprint = fingerprint
    return true
  }
}

/** Installs the starter pack once, on a new installation. */
export async function installStarterPack(rules: RuleStore, settings: SettingsStore, now: number): Promise<boolean> {
  const marker = await settings.get<{ at: number }>('starter_pack_installed')
  if (marker !== undefined) return false
  for (const doc of starterRules) await rules.create(doc.id, doc, true, 'starter-pack', now)
  await settings.putIfAbsent('starter_pack_installed', { at: now })
  return true
}
