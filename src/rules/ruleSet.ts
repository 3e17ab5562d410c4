// The compiled rule set: rules indexed by trigger event name and, within a name, by the event
// property most rules test for equality. An event only meets the rules that could match it, so
// the cost per event stays nearly flat as rules are added.
import type { ShopEvent } from '../model/event.ts'
import type { CompiledAbsenceTrigger, CompiledEventTrigger, CompiledRule } from './compile.ts'
import type { EvalContext } from './facts.ts'

export interface EventMatch {
  rule: CompiledRule
  trigger: CompiledEventTrigger
  /** Value of the trigger's entity property, when it has one. */
  entity: string | undefined
}

/** An absence timer to arm (or re-arm with a new due time) or cancel. */
export interface TimerChange {
  op: 'arm' | 'cancel'
  ruleId: string
  triggerIndex: number
  /** The entity the wait is about; undefined on cancel means "every wait of this trigger". */
  entity: string | undefined
  dueAt: number
}

interface Entry {
  rule: CompiledRule
  trigger: CompiledEventTrigger
}

interface Bucket {
  /** The property whose value selects candidates, if any rule tests one. */
  discriminator: string | undefined
  byValue: Map<string, Entry[]>
  /** Rules that do not test the discriminator: candidates for every event of this name. */
  rest: Entry[]
}

interface AbsenceEntry {
  rule: CompiledRule
  trigger: CompiledAbsenceTrigger
}

function entityValue(event: ShopEvent, property: string | undefined): string | undefined {
  if (property === undefined) return undefined
  const value = event.properties[property]
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined
}

/** Epoch ms from a fact value: a number (ms) or an ISO string. */
function toTime(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value
  if (typeof value === 'string') {
    const t = Date.parse(value)
    return Number.isNaN(t) ? undefined : t
  }
  return undefined
}

function buildBucket(entries: Entry[]): Bucket {
  // Choose the property that the most entries pin to a value.
  const votes = new Map<string, number>()
  for (const { trigger } of entries) {
    for (const property of new Set(trigger.equalities.map((e) => e.property))) {
      votes.set(property, (votes.get(property) ?? 0) + 1)
    }
  }
  let discriminator: string | undefined
  let best = 1
  for (const [property, count] of votes) {
    if (count > best) [discriminator, best] = [property, count]
  }
  if (discriminator === undefined && votes.size > 0) discriminator = votes.keys().next().value
  const byValue = new Map<string, Entry[]>()
  const rest: Entry[] = []
  for (const entry of entries) {
    const eq = entry.trigger.equalities.find((e) => e.property === discriminator)
    if (eq === undefined) {
      rest.push(entry)
      continue
    }
    for (const value of eq.values) {
      const list = byValue.get(value)
      if (list) list.push(entry)
      else byValue.set(value, [entry])
    }
  }
  return { discriminator, byValue, rest }
}

const byPriority = (a: EventMatch, b: EventMatch): number =>
  b.rule.priority - a.rule.priority || (a.rule.id < b.rule.id ? -1 : a.rule.id > b.rule.id ? 1 : 0)

export class RuleSet {
  readonly rules: ReadonlyMap<string, CompiledRule>
  private readonly buckets = new Map<string, Bucket>()
  private readonly starts = new Map<string, AbsenceEntry[]>()
  private readonly awaits = new Map<string, AbsenceEntry[]>()
  /** Event name → how long the state must remember its occurrences. */
  readonly countWindows = new Map<string, number>()

  constructor(rules: readonly CompiledRule[]) {
    this.rules = new Map(rules.map((r) => [r.id, r]))
    const byName = new Map<string, Entry[]>()
    for (const rule of rules) {
      for (const [name, window] of rule.countWindows) {
        this.countWindows.set(name, Math.max(this.countWindows.get(name) ?? 0, window))
      }
      for (const trigger of rule.triggers) {
        if (trigger.kind === 'event') {
          const list = byName.get(trigger.event) ?? []
          list.push({ rule, trigger })
          byName.set(trigger.event, list)
          continue
        }
        for (const name of trigger.start) push(this.starts, name, { rule, trigger })
        for (const name of trigger.awaited) push(this.awaits, name, { rule, trigger })
      }
    }
    for (const [name, entries] of byName) this.buckets.set(name, buildBucket(entries))
  }

  get size(): number {
    return this.rules.size
  }

  /** Rules whose event trigger and conditions match, highest priority first. */
  matchEvent(ctx: EvalContext): EventMatch[] {
    const bucket = this.buckets.get(ctx.event.name)
    if (bucket === undefined) return []
    const matches: EventMatch[] = []
    if (bucket.discriminator !== undefined) {
      const value = ctx.event.properties[bucket.discriminator]
      const key = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined
      const candidates = key === undefined ? undefined : bucket.byValue.get(key)
      if (candidates !== undefined) collect(candidates, ctx, matches)
    }
    collect(bucket.rest, ctx, matches)
    if (matches.length > 1) matches.sort(byPriority)
    return matches
  }

  /** Timers this event arms, re-arms or cancels. Conditions are checked when a timer fires. */
  timerChanges(event: ShopEvent, ctx: EvalContext): TimerChange[] {
    const changes: TimerChange[] = []
    for (const { rule, trigger } of this.awaits.get(event.name) ?? []) {
      const entity = entityValue(event, trigger.entity)
      changes.push({ op: 'cancel', ruleId: rule.id, triggerIndex: trigger.index, entity, dueAt: 0 })
    }
    for (const { rule, trigger } of this.starts.get(event.name) ?? []) {
      const entity = entityValue(event, trigger.entity)
      if (entity === undefined) continue
      let dueAt: number | undefined
      if (trigger.afterMs !== undefined) dueAt = event.ts + trigger.afterMs
      else {
        for (const get of trigger.at) {
          const t = toTime(get(ctx))
          if (t !== undefined) {
            dueAt = t + trigger.graceMs
            break
          }
        }
      }
      if (dueAt !== undefined) changes.push({ op: 'arm', ruleId: rule.id, triggerIndex: trigger.index, entity, dueAt })
    }
    return changes
  }

  /** A fired timer's rule, if the rule still exists, still has that trigger and its conditions hold now. */
  matchTimer(ruleId: string, triggerIndex: number, entity: string, ctx: EvalContext): CompiledRule | undefined {
    const rule = this.rules.get(ruleId)
    const trigger = rule?.triggers[triggerIndex]
    if (rule === undefined || trigger === undefined || trigger.kind !== 'absence') return undefined
    void entity
    return trigger.when(ctx) && rule.when(ctx) ? rule : undefined
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key)
  if (list) list.push(value)
  else map.set(key, [value])
}

function collect(entries: Entry[], ctx: EvalContext, out: EventMatch[]): void {
  for (let i = 0; i < entries.length; i++) {
    const { rule, trigger } = entries[i] as Entry
    if (trigger.when(ctx) && rule.when(ctx)) {
      out.push({ rule, trigger, entity: entityValue(ctx.event, trigger.entity) })
    }
  }
}
