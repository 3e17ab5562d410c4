// Scheduled care: which customers' cron times came round since the last sweep, in their own time
// zones, and when each customer can next come due. Pure given the rule set and a state; the sweep
// decides on the moments.
import type { Money } from '../../lib/money.ts'
import { dict, getOwn, setOwn, type CustomerState } from '../../model/customer.ts'
import type { ShopEvent } from '../../model/event.ts'
import type { EvalContext, Moment, RuleSet } from '../../rules/index.ts'
import { isAnniversary, latestOccurrence, localDate, monthDayOf, nextAnniversaryOccurrence, nextOccurrence } from '../../rules/schedule.ts'
import { DateTime } from 'luxon'

export const SCHEDULE_SOURCE = 'schedule'

/** A stored time zone as the schedules read it: unknown or invalid zones are UTC. */
const effectiveZone = (tz: string | undefined): string => {
  if (!tz) return 'UTC'
  let valid = knownZones.get(tz)
  if (valid === undefined) {
    valid = DateTime.fromMillis(0, { zone: tz }).isValid
    if (knownZones.size < 10_000) knownZones.set(tz, valid)
  }
  return valid ? tz : 'UTC'
}
const knownZones = new Map<string, boolean>()

const zoneOf = (state: CustomerState, fixed: string | undefined): string => fixed ?? effectiveZone(state.timezone)

/** Whether any cron minute can have come round in (after, now]: zones are offset by whole quarter hours. */
export function anyMinuteDue(ruleSet: RuleSet, after: number, now: number): boolean {
  const quarters = new Set(ruleSet.schedules.flatMap(({ trigger }) => trigger.minutes.map((m) => m % 15)))
  if (quarters.size === 0) return false
  if (now - after >= 15 * 60_000) return true
  for (let t = Math.floor(after / 60_000) + 1; t * 60_000 <= now; t++) if (quarters.has(t % 15)) return true
  return false
}

export interface ScheduledMoment {
  moment: Moment
  ctx: Omit<EvalContext, 'state'>
  /** The trigger's key in `state.scheduled` and the moment's local date, recorded once decided. */
  mark: { key: string; date: string }
}

/**
 * The moments one customer's schedules produce in (after, now]: at most one per trigger, none for
 * a local date already decided (the same moment, its time come round again in a new zone).
 */
export function scheduledMoments(ruleSet: RuleSet, state: CustomerState, after: number, now: number, money?: Money): ScheduledMoment[] {
  const out: ScheduledMoment[] = []
  for (const { rule, trigger } of ruleSet.schedules) {
    const zone = zoneOf(state, trigger.timezone)
    const at = latestOccurrence(trigger.cron, zone, after, now)
    if (at === undefined) continue
    const date = localDate(at, zone)
    const key = `${rule.id}|${trigger.index}`
    if (getOwn(state.scheduled, key) === date) continue
    const event: ShopEvent = {
      type: 'track',
      messageId: `schedule:${rule.id}:${trigger.index}:${state.customerId}:${date}`,
      customerId: state.customerId,
      name: 'Scheduled',
      ts: at,
      properties: { schedule: trigger.cron, local_date: date, time_zone: zone },
      context: {},
    }
    const ctx: EvalContext = { event, state, order: undefined, at, ...(money ? { money } : {}) }
    if (trigger.anniversary && !isAnniversary(trigger.anniversary(ctx), at, zone)) continue
    if (!trigger.when(ctx) || !rule.when(ctx)) continue
    out.push({
      moment: { rule, customerId: state.customerId, trigger: { kind: 'schedule', id: `${trigger.index}@${date}` }, entity: date, at },
      ctx: { event, order: undefined, at, ...(money ? { money } : {}) },
      mark: { key, date },
    })
  }
  return out
}

/** Two days after a UTC date no zone is still on it: its marks can no longer be matched. */
const MARK_KEPT_MS = 2 * 86_400_000

/** Records a scheduled moment as decided, and drops marks of dates no zone can be on any more. */
export function markScheduled(state: CustomerState, mark: ScheduledMoment['mark'], now: number): void {
  const scheduled = (state.scheduled ??= dict())
  const past = new Date(now - MARK_KEPT_MS).toISOString().slice(0, 10)
  for (const [key, date] of Object.entries(scheduled)) if (date < past) delete scheduled[key]
  setOwn(scheduled, mark.key, mark.date)
}

/** Stored as the due time of a customer no schedule can reach (until their state changes). */
export const NEVER_DUE = 8_640_000_000_000_000

/** Anniversary facts read from the shopper's state; any other root is read as due at every cron time. */
const STATE_ROOTS = new Set(['traits', 'customer', 'group'])

/**
 * When a customer's scheduled care can next come due, stored with their state so that a sweep
 * reads only customers whose time came round instead of everyone in a zone at every cron time.
 * Early is harmless (the sweep checks and stores the next one); late would lose a greeting.
 */
export class ScheduleDue {
  /** (trigger, zone, month-day) → the occurrence found and the instant it was searched from. */
  private readonly found = new Map<string, { from: number; at: number | undefined }>()
  private fingerprintOf: { ruleSet: RuleSet; value: string } | undefined

  /** Identifies the schedules a due time was computed for: another value means recompute all. */
  fingerprint(ruleSet: RuleSet): string {
    if (this.fingerprintOf?.ruleSet !== ruleSet) {
      const value = JSON.stringify(ruleSet.schedules.map(({ rule, trigger }) => [rule.id, rule.version, trigger.index, trigger.cron, trigger.timezone ?? null, anniversaryPath(rule.document, trigger.index) ?? null]))
      this.fingerprintOf = { ruleSet, value }
      this.found.clear()
    }
    return this.fingerprintOf.value
  }

  /** The earliest instant after `after` at which one of the schedules could produce a moment for the state. */
  next(ruleSet: RuleSet, state: CustomerState, after: number): number {
    this.fingerprint(ruleSet)
    let due = NEVER_DUE
    for (const { rule, trigger } of ruleSet.schedules) {
      if (trigger.minutes.length === 0) continue
      const zone = zoneOf(state, trigger.timezone)
      let monthDay: string | undefined
      if (trigger.anniversary) {
        const path = anniversaryPath(rule.document, trigger.index) ?? ''
        if (STATE_ROOTS.has(path.split('.')[0] ?? '')) {
          const ctx: EvalContext = { event: SWEEP_PROBE, state, order: undefined, at: after }
          monthDay = monthDayOf(trigger.anniversary(ctx))
          if (monthDay === undefined) continue
        }
      }
      const at = this.occurrence(`${rule.id}\u0000${trigger.index}\u0000${zone}\u0000${monthDay ?? ''}`, after, () => {
        try {
          return monthDay === undefined ? nextOccurrence(trigger.cron, zone, after) : nextAnniversaryOccurrence(trigger.cron, zone, monthDay, after)
        } catch {
          // The cron library gives up on some calendars (Lord Howe's half-hour DST): read at every sweep.
          return after
        }
      })
      if (at !== undefined && at < due) due = at
    }
    return due
  }

  /** The first occurrence after `after` does not change while `after` stays before it. */
  private occurrence(key: string, after: number, search: () => number | undefined): number | undefined {
    const known = this.found.get(key)
    if (known && known.from <= after && (known.at === undefined || after < known.at)) return known.at
    const at = search()
    if (this.found.size >= 100_000) this.found.clear()
    this.found.set(key, { from: after, at })
    return at
  }
}

const SWEEP_PROBE: ShopEvent = { type: 'track', messageId: 'schedule-due', customerId: '', name: 'Scheduled', ts: 0, properties: {}, context: {} }

function anniversaryPath(document: RuleSet['schedules'][number]['rule']['document'], index: number): string | undefined {
  const trigger = document.triggers[index]
  return trigger && 'schedule' in trigger ? trigger.schedule.anniversary : undefined
}
