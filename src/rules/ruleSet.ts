// The compiled rule set: rules indexed by trigger event name and, within a name, by the event
// property most rules test for equality. An event only meets the rules that could match it, so
// the cost per event stays nearly flat as rules are added.
import type { CustomerState } from '../model/customer.ts'
import type { ShopEvent } from '../model/event.ts'
import type { CompiledAbsenceTrigger, CompiledEventTrigger, CompiledRule, CompiledScheduleTrigger } from './compile.ts'
import { toNumber } from './conditions.ts'
import type { EvalContext } from './facts.ts'
import { toEpochMs as toTime } from '../lib/time.ts'

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
  /** When the awaited event was due (event time): the moment's time if the timer fires. */
  dueAt: number
  /**
   * Allowed lateness: the timer fires this long after the due time or, when the due time has
   * already passed on arming, after the arming (the caller knows processing time). Undefined:
   * the rule leaves it to the engine's default.
   */
  settleMs: number | undefined
}

interface Entry {
  rule: CompiledRule
  trigger: CompiledEventTrigger
}

/** Entries pinned to values of one event property. */
interface ValueIndex {
  property: string
  byValue: Map<string, Entry[]>
}

/** Entries needing a numeric bound on one event property, sorted so a scan stops early. */
interface ThresholdIndex {
  property: string
  /** gt / gte, ascending bound: candidates are a prefix with bound ≤ value. */
  lower: Array<{ bound: number; strict: boolean; entry: Entry }>
  /** lt / lte, descending bound: candidates are a prefix with bound ≥ value. */
  upper: Array<{ bound: number; strict: boolean; entry: Entry }>
}

interface Bucket {
  values: ValueIndex[]
  thresholds: ThresholdIndex[]
  /** Entries no index can narrow: candidates for every event of this name. */
  rest: Entry[]
}

interface AbsenceEntry {
  rule: CompiledRule
  trigger: CompiledAbsenceTrigger
}

const NO_MATCHES: readonly EventMatch[] = Object.freeze([])
const NO_CHANGES: readonly TimerChange[] = Object.freeze([])

function entityValue(event: ShopEvent, property: string | undefined): string | undefined {
  if (property === undefined) return undefined
  const value = event.properties[property]
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined
}

/** Event properties are parsed input: an inherited member is never a property's value. */
function ownValue(properties: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(properties, key) ? properties[key] : undefined
}

function keyOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined
}

/**
 * Each entry is filed exactly once: under the pinned property with the most distinct values in
 * this bucket (the most selective), else under a numeric bound, else in the rest.
 */
function buildBucket(entries: Entry[]): Bucket {
  const distinct = new Map<string, Set<string>>()
  for (const { trigger } of entries) {
    for (const eq of trigger.equalities) {
      const set = distinct.get(eq.property) ?? new Set<string>()
      for (const v of eq.values) set.add(v)
      distinct.set(eq.property, set)
    }
  }
  const values = new Map<string, ValueIndex>()
  const thresholds = new Map<string, ThresholdIndex>()
  const rest: Entry[] = []
  for (const entry of entries) {
    const { equalities, thresholds: bounds } = entry.trigger
    if (equalities.length > 0) {
      let best = equalities[0] as (typeof equalities)[number]
      for (const eq of equalities) {
        const size = distinct.get(eq.property)?.size ?? 0
        const bestSize = distinct.get(best.property)?.size ?? 0
        if (size > bestSize || (size === bestSize && eq.values.length < best.values.length)) best = eq
      }
      let index = values.get(best.property)
      if (!index) values.set(best.property, (index = { property: best.property, byValue: new Map() }))
      for (const value of new Set(best.values)) {
        const list = index.byValue.get(value)
        if (list) list.push(entry)
        else index.byValue.set(value, [entry])
      }
      continue
    }
    const bound = bounds[0]
    if (bound !== undefined) {
      let index = thresholds.get(bound.property)
      if (!index) thresholds.set(bound.property, (index = { property: bound.property, lower: [], upper: [] }))
      const item = { bound: bound.bound, strict: bound.op === 'gt' || bound.op === 'lt', entry }
      if (bound.op === 'gt' || bound.op === 'gte') index.lower.push(item)
      else index.upper.push(item)
      continue
    }
    rest.push(entry)
  }
  for (const index of thresholds.values()) {
    index.lower.sort((a, b) => a.bound - b.bound)
    index.upper.sort((a, b) => b.bound - a.bound)
  }
  return { values: [...values.values()], thresholds: [...thresholds.values()], rest }
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
  /** Whether any task action has a capacity fallback (only then does routing need the queues' load). */
  readonly needsStaffing: boolean
  /** Scheduled-care triggers, swept by the engine each minute. */
  readonly schedules: Array<{ rule: CompiledRule; trigger: CompiledScheduleTrigger }> = []

  constructor(rules: readonly CompiledRule[]) {
    this.rules = new Map(rules.map((r) => [r.id, r]))
    this.needsStaffing = rules.some((r) => r.actions.some((a) => a.kind === 'task' && a.fallback !== undefined))
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
        if (trigger.kind === 'schedule') {
          this.schedules.push({ rule, trigger })
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
  matchEvent(ctx: EvalContext): readonly EventMatch[] {
    const bucket = this.buckets.get(ctx.event.name)
    if (bucket === undefined) return NO_MATCHES
    const properties = ctx.event.properties
    let matches: EventMatch[] | undefined
    for (const index of bucket.values) {
      const key = keyOf(ownValue(properties, index.property))
      const candidates = key === undefined ? undefined : index.byValue.get(key)
      if (candidates !== undefined) matches = collect(candidates, ctx, matches)
    }
    for (const index of bucket.thresholds) {
      const value = toNumber(ownValue(properties, index.property))
      if (value === undefined) continue
      for (const item of index.lower) {
        if (item.bound > value) break
        if (!item.strict || item.bound < value) matches = collectOne(item.entry, ctx, matches)
      }
      for (const item of index.upper) {
        if (item.bound < value) break
        if (!item.strict || item.bound > value) matches = collectOne(item.entry, ctx, matches)
      }
    }
    matches = collect(bucket.rest, ctx, matches)
    if (matches === undefined) return NO_MATCHES
    if (matches.length > 1) matches.sort(byPriority)
    return matches
  }

  /** How many (rule, trigger) entries the index hands to predicates for this event (diagnostics). */
  candidateCount(event: ShopEvent): number {
    const bucket = this.buckets.get(event.name)
    if (bucket === undefined) return 0
    let n = bucket.rest.length
    for (const index of bucket.values) {
      const key = keyOf(ownValue(event.properties, index.property))
      n += (key === undefined ? undefined : index.byValue.get(key))?.length ?? 0
    }
    for (const index of bucket.thresholds) {
      const value = toNumber(ownValue(event.properties, index.property))
      if (value === undefined) continue
      n += index.lower.filter((i) => i.bound <= value).length + index.upper.filter((i) => i.bound >= value).length
    }
    return n
  }

  /** The shape of the index per event name (diagnostics, benchmarks). */
  indexStats(): Array<{ event: string; valueIndexes: string[]; thresholdIndexes: string[]; indexed: number; rest: number }> {
    return [...this.buckets].map(([event, b]) => ({
      event,
      valueIndexes: b.values.map((v) => v.property),
      thresholdIndexes: b.thresholds.map((t) => t.property),
      indexed:
        b.values.reduce((n, v) => n + new Set([...v.byValue.values()].flat()).size, 0) +
        b.thresholds.reduce((n, t) => n + t.lower.length + t.upper.length, 0),
      rest: b.rest.length,
    }))
  }

  /** Timers this event arms, re-arms or cancels. Conditions are checked when a timer fires. */
  timerChanges(event: ShopEvent, ctx: EvalContext): readonly TimerChange[] {
    const awaiting = this.awaits.get(event.name)
    const starting = this.starts.get(event.name)
    if (awaiting === undefined && starting === undefined) return NO_CHANGES
    const changes: TimerChange[] = []
    for (const { rule, trigger } of awaiting ?? []) {
      const entity = entityValue(event, trigger.entity)
      changes.push({ op: 'cancel', ruleId: rule.id, triggerIndex: trigger.index, entity, dueAt: 0, settleMs: 0 })
    }
    for (const { rule, trigger } of starting ?? []) {
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
      if (dueAt === undefined || this.awaitedSince(trigger, entity, ctx.state, event.ts)) continue
      changes.push({ op: 'arm', ruleId: rule.id, triggerIndex: trigger.index, entity, dueAt, settleMs: trigger.settleMs })
    }
    return changes
  }

  /**
   * A fired timer's rule, if the rule still exists, still has that trigger, no awaited event for
   * the entity happened since the wait began (by event time: one that arrived before the start
   * event, out of order, counts too) and its conditions hold now.
   */
  matchTimer(ruleId: string, triggerIndex: number, entity: string, ctx: EvalContext): CompiledRule | undefined {
    const rule = this.rules.get(ruleId)
    const trigger = rule?.triggers[triggerIndex]
    if (rule === undefined || trigger === undefined || trigger.kind !== 'absence') return undefined
    if (this.awaitedSince(trigger, entity, ctx.state, ctx.event.ts)) return undefined
    return trigger.when(ctx) && rule.when(ctx) ? rule : undefined
  }

  /** Whether the shopper's recent events hold an awaited event for `entity` at or after `since`. */
  private awaitedSince(trigger: CompiledAbsenceTrigger, entity: string, state: CustomerState, since: number): boolean {
    for (const recent of state.recent) {
      if (recent.ts < since || !trigger.awaited.has(recent.name)) continue
      const value = Object.prototype.hasOwnProperty.call(recent.properties, trigger.entity) ? recent.properties[trigger.entity] : undefined
      // An awaited event without the entity property ends every wait of the trigger (as on arrival).
      if (value === undefined || String(value) === entity) return true
    }
    return false
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key)
  if (list) list.push(value)
  else map.set(key, [value])
}

function collectOne(entry: Entry, ctx: EvalContext, out: EventMatch[] | undefined): EventMatch[] | undefined {
  const { rule, trigger } = entry
  if (!trigger.when(ctx) || !rule.when(ctx)) return out
  const match = { rule, trigger, entity: entityValue(ctx.event, trigger.entity) }
  if (out === undefined) return [match]
  out.push(match)
  return out
}

function collect(entries: Entry[], ctx: EvalContext, out: EventMatch[] | undefined): EventMatch[] | undefined {
  for (let i = 0; i < entries.length; i++) out = collectOne(entries[i] as Entry, ctx, out)
  return out
}
