// Scheduled care: which customers' cron times came round since the last sweep, in their own time
// zones. Pure given the rule set and a page of states; the sweep decides on the moments.
import type { Money } from '../../lib/money.ts'
import type { CustomerState } from '../../model/customer.ts'
import type { ShopEvent } from '../../model/event.ts'
import type { EvalContext, Moment, RuleSet } from '../../rules/index.ts'
import { isAnniversary, latestOccurrence, localDate } from '../../rules/schedule.ts'
import { DateTime } from 'luxon'

export const SCHEDULE_SOURCE = 'schedule'

/** A stored time zone as the schedules read it: unknown or invalid zones are UTC. */
const effectiveZone = (tz: string | undefined): string => (tz && DateTime.fromMillis(0, { zone: tz }).isValid ? tz : 'UTC')

const zoneOf = (state: CustomerState, fixed: string | undefined): string => fixed ?? effectiveZone(state.timezone)

/**
 * Of the stored time zones ('' for none), those where a schedule's cron time came round in
 * (after, now]; undefined when every customer is a candidate (a trigger with a fixed zone is due).
 */
export function dueZones(ruleSet: RuleSet, stored: readonly string[], after: number, now: number): string[] | undefined {
  const due = new Map<string, boolean>()
  const isDue = (zone: string): boolean => {
    let answer = due.get(zone)
    if (answer === undefined) due.set(zone, (answer = ruleSet.schedules.some(({ trigger }) => latestOccurrence(trigger.cron, zone, after, now) !== undefined)))
    return answer
  }
  for (const { trigger } of ruleSet.schedules) {
    if (trigger.timezone !== undefined && latestOccurrence(trigger.cron, trigger.timezone, after, now) !== undefined) return undefined
  }
  return stored.filter((tz) => isDue(effectiveZone(tz)))
}

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
}

/** The moments one customer's schedules produce in (after, now]: at most one per trigger. */
export function scheduledMoments(ruleSet: RuleSet, state: CustomerState, after: number, now: number, money?: Money): ScheduledMoment[] {
  const out: ScheduledMoment[] = []
  for (const { rule, trigger } of ruleSet.schedules) {
    const zone = zoneOf(state, trigger.timezone)
    const at = latestOccurrence(trigger.cron, zone, after, now)
    if (at === undefined) continue
    const date = localDate(at, zone)
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
    })
  }
  return out
}
