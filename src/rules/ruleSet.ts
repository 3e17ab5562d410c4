// The compiled rule set: rules indexed by trigger event name and, within a name, on what their
// conditions require (ruleIndex.ts). An event only meets the rules that could match it, so the
// cost per event stays nearly flat as rules are added.
import type { RecentEvent } from '../model/customer.ts'
import type { ShopEvent } from '../model/event.ts'
import type { CompiledAbsenceTrigger, CompiledEventTrigger, CompiledRule, CompiledScheduleTrigger, CompiledWithdraw } from './compile.ts'
import type { EvalContext } from './facts.ts'
import { toEpochMs as toTime } from '../lib/time.ts'
import { localTimeOn } from './schedule.ts'
import { parseDuration } from '../lib/duration.ts'
import { bucketShape, buildBucket, collectCandidates, sortByRank, type Bucket, type BucketShape, type IndexEntry } from './ruleIndex.ts'

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

interface AbsenceEntry {
  rule: CompiledRule
  trigger: CompiledAbsenceTrigger
}

/** A rule whose moments about `entity` (all, when undefined) an event made moot. */
export interface Withdrawal {
  ruleId: string
  entity: string | undefined
}

const NO_MATCHES: readonly EventMatch[] = Object.freeze([])
const NO_WITHDRAWALS: readonly Withdrawal[] = Object.freeze([])
const NO_CHANGES: readonly TimerChange[] = Object.freeze([])
const NO_ENTRIES: readonly AbsenceEntry[] = Object.freeze([])
const NO_RECENT: readonly RecentEvent[] = Object.freeze([])

/** Everything one event name does to the rule set, found with one lookup per event. */
interface NameRules {
  bucket: Bucket | undefined
  /** Absence triggers this name ends. */
  awaits: AbsenceEntry[] | undefined
  /** Absence triggers this name starts, and every name awaited by one of them. */
  starts: AbsenceEntry[] | undefined
  startAwaits: Set<string>
  /** The rules' withdrawOn entries this name may match. */
  withdrawers: Array<{ rule: CompiledRule; withdraw: CompiledWithdraw }> | undefined
}
const NO_RULES: NameRules = Object.freeze({ bucket: undefined, awaits: undefined, starts: undefined, startAwaits: new Set<string>(), withdrawers: undefined })

function entityValue(event: ShopEvent, property: string | undefined): string | undefined {
  if (property === undefined) return undefined
  const value = event.properties[property]
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined
}

export class RuleSet {
  readonly rules: ReadonlyMap<string, CompiledRule>
  private readonly byName = new Map<string, NameRules>()
  /**
   * The last name looked up and its rules: the engine asks timerChanges, matchEvent and
   * withdrawals about the same event, so the same string, in a row.
   */
  private lastName: string | undefined
  private lastRules: NameRules = NO_RULES
  /** Keys the index's per-event cache: one new value per matched event. */
  private stamp = 0
  /** Reused candidate list: matchEvent runs to completion before it can be called again. */
  private readonly scratch: IndexEntry[] = []
  /** Entries whose predicates ran, over the set's life (diagnostics). */
  private predicateRuns = 0
  /** Event name → how long the state must remember its occurrences. */
  readonly countWindows = new Map<string, number>()
  /** Whether any task action has a capacity fallback (only then does routing need the queues' load). */
  readonly needsStaffing: boolean
  /** Scheduled-care triggers, swept by the engine each minute. */
  readonly schedules: Array<{ rule: CompiledRule; trigger: CompiledScheduleTrigger }> = []

  constructor(rules: readonly CompiledRule[]) {
    this.rules = new Map(rules.map((r) => [r.id, r]))
    this.needsStaffing = rules.some((r) => r.actions.some((a) => a.kind === 'task' && a.fallback !== undefined))
    const byName = new Map<string, Array<{ rule: CompiledRule; trigger: CompiledEventTrigger }>>()
    const rulesOf = (name: string): NameRules => {
      let rules = this.byName.get(name)
      if (rules === undefined) this.byName.set(name, (rules = { bucket: undefined, awaits: undefined, starts: undefined, startAwaits: new Set(), withdrawers: undefined }))
      return rules
    }
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
        for (const name of trigger.start) {
          const rules = rulesOf(name)
          ;(rules.starts ??= []).push({ rule, trigger })
          for (const a of trigger.awaited) rules.startAwaits.add(a)
        }
        for (const name of trigger.awaited) (rulesOf(name).awaits ??= []).push({ rule, trigger })
      }
      for (const withdraw of rule.withdrawOn) (rulesOf(withdraw.event).withdrawers ??= []).push({ rule, withdraw })
    }
    const order = [...rules].sort((a, b) => b.priority - a.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    const rank = new Map(order.map((rule, i) => [rule, i]))
    const rankOf = (rule: CompiledRule): number => rank.get(rule) ?? 0
    for (const [name, entries] of byName) {
      entries.sort((a, b) => rankOf(a.rule) - rankOf(b.rule) || a.trigger.index - b.trigger.index)
      rulesOf(name).bucket = buildBucket(entries, rankOf)
    }
  }

  get size(): number {
    return this.rules.size
  }

  private rulesFor(name: string): NameRules {
    if (name === this.lastName) return this.lastRules
    const rules = this.byName.get(name) ?? NO_RULES
    this.lastName = name
    this.lastRules = rules
    return rules
  }

  /** Rules whose event trigger and conditions match, highest priority first. */
  matchEvent(ctx: EvalContext): readonly EventMatch[] {
    const bucket = this.rulesFor(ctx.event.name).bucket
    if (bucket === undefined) return NO_MATCHES
    const candidates = this.scratch
    const n = collectCandidates(bucket, ctx, ++this.stamp, candidates)
    this.predicateRuns += n
    if (n > 1) sortByRank(candidates, n)
    let matches: EventMatch[] | undefined
    for (let i = 0; i < n; i++) {
      const { rule, trigger, residual } = candidates[i] as IndexEntry
      if (!residual(ctx)) continue
      const match = { rule, trigger, entity: entityValue(ctx.event, trigger.entity) }
      if (matches === undefined) matches = [match]
      else matches.push(match)
    }
    return matches ?? NO_MATCHES
  }

  /** How many (rule, trigger) entries the index hands to their predicates for this event (diagnostics). */
  predicateRunsFor(ctx: EvalContext): number {
    const before = this.predicateRuns
    this.matchEvent(ctx)
    return this.predicateRuns - before
  }

  /** The shape of the index per event name (diagnostics, benchmarks). */
  indexStats(): Array<{ event: string } & BucketShape> {
    const shapes: Array<{ event: string } & BucketShape> = []
    for (const [event, { bucket }] of this.byName) if (bucket !== undefined) shapes.push({ event, ...bucketShape(bucket) })
    return shapes
  }

  /** Timers this event arms, re-arms or cancels. Conditions are checked when a timer fires. */
  timerChanges(event: ShopEvent, ctx: EvalContext): readonly TimerChange[] {
    const { awaits: awaiting, starts: starting, startAwaits } = this.rulesFor(event.name)
    if (awaiting === undefined && starting === undefined) return NO_CHANGES
    const changes: TimerChange[] = []
    for (const { rule, trigger } of awaiting ?? NO_ENTRIES) {
      const entity = entityValue(event, trigger.entity)
      changes.push({ op: 'cancel', ruleId: rule.id, triggerIndex: trigger.index, entity, dueAt: 0, settleMs: 0 })
    }
    if (starting === undefined) return changes
    // Only awaited events at or after this one's time can end a wait it starts: usually none.
    const since = awaitedAtOrAfter(ctx.state.recent, event.ts, startAwaits)
    for (const { rule, trigger } of starting) {
      const entity = entityValue(event, trigger.entity)
      if (entity === undefined) continue
      let dueAt: number | undefined
      if (trigger.afterMs !== undefined) dueAt = event.ts + trigger.afterMs
      else {
        for (const get of trigger.at) {
          const t = toTime(get(ctx))
          if (t !== undefined) {
            const base = trigger.cutoffMinutes === undefined ? t : localTimeOn(t, ctx.state.timezone, trigger.cutoffMinutes)
            dueAt = base + graceOf(trigger, ctx)
            break
          }
        }
      }
      if (dueAt === undefined || awaitedSince(trigger, entity, since, event.ts)) continue
      changes.push({ op: 'arm', ruleId: rule.id, triggerIndex: trigger.index, entity, dueAt, settleMs: trigger.settleMs })
    }
    return changes
  }

  /**
   * Rules whose moments this event makes moot by their `withdrawOn`: about its entity (every
   * entity when the entry names none).
   */
  withdrawals(ctx: EvalContext): readonly Withdrawal[] {
    const entries = this.rulesFor(ctx.event.name).withdrawers
    if (entries === undefined) return NO_WITHDRAWALS
    const out: Withdrawal[] = []
    for (const { rule, withdraw } of entries) {
      if (!withdraw.when(ctx)) continue
      const entity = entityValue(ctx.event, withdraw.entity)
      // An entry that names an entity the event lacks withdraws nothing (not everything).
      if (withdraw.entity !== undefined && entity === undefined) continue
      out.push({ ruleId: rule.id, entity })
    }
    return out
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
    if (awaitedSince(trigger, entity, ctx.state.recent, ctx.event.ts)) return undefined
    return trigger.when(ctx) && rule.when(ctx) ? rule : undefined
  }
}

/** The grace of a wait: from its fact when that holds a usable duration, else the fixed one. */
function graceOf(trigger: CompiledAbsenceTrigger, ctx: EvalContext): number {
  if (trigger.graceFrom === undefined) return trigger.graceMs
  const value = trigger.graceFrom(ctx)
  const ms = typeof value === 'number' ? value : typeof value === 'string' ? parseDuration(value) : undefined
  return ms !== undefined && Number.isFinite(ms) && ms >= 0 ? ms : trigger.graceMs
}

/** The recent events at or after `since` with one of the `awaited` names; no allocation when none. */
function awaitedAtOrAfter(recent: readonly RecentEvent[], since: number, awaited: ReadonlySet<string>): readonly RecentEvent[] {
  let found: RecentEvent[] | undefined
  for (let i = 0; i < recent.length; i++) {
    const event = recent[i] as RecentEvent
    if (event.ts >= since && awaited.has(event.name)) (found ??= []).push(event)
  }
  return found ?? NO_RECENT
}

/** Whether `recent` (a shopper's recent events) holds an awaited event for `entity` at or after `since`. */
function awaitedSince(trigger: CompiledAbsenceTrigger, entity: string, recent: readonly RecentEvent[], since: number): boolean {
  for (const event of recent) {
    if (event.ts < since || !trigger.awaited.has(event.name)) continue
    const value = Object.hasOwn(event.properties, trigger.entity) ? event.properties[trigger.entity] : undefined
    // An awaited event without the entity property ends every wait of the trigger (as on arrival).
    if (value === undefined || String(value) === entity) return true
  }
  return false
}
