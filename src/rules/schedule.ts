// Scheduled care, pure: when did a cron time last occur in a zone, and is today a date trait's
// anniversary there. cron-parser does the calendar (DST included); no IO.
import { CronExpressionParser } from 'cron-parser'
import { DateTime } from 'luxon'

/** The cron expression's error, or undefined when it parses (five fields, no seconds). */
export function cronProblem(cron: string): string | undefined {
  if (cron.trim().split(/\s+/).length !== 5) return 'must have five fields: minute hour day-of-month month day-of-week'
  try {
    CronExpressionParser.parse(cron, { tz: 'UTC' })
    return undefined
  } catch (err) {
    return (err as Error).message
  }
}

/** Minutes past the hour the cron can fire at. */
export function cronMinutes(cron: string): number[] {
  return [...CronExpressionParser.parse(cron, { tz: 'UTC' }).fields.minute.values].map(Number)
}

/** The latest occurrence in (after, upTo] in `zone`; undefined when there is none. */
export function latestOccurrence(cron: string, zone: string, after: number, upTo: number): number | undefined {
  // prev() from just past upTo includes an occurrence exactly at upTo.
  const it = CronExpressionParser.parse(cron, { tz: zone, currentDate: new Date(upTo + 1) })
  const at = it.prev().getTime()
  return at > after && at <= upTo ? at : undefined
}

/** YYYY-MM-DD in the zone. */
export const localDate = (ms: number, zone: string): string => DateTime.fromMillis(ms, { zone }).toISODate() ?? ''

/** A date value (YYYY-MM-DD, MM-DD, ISO date-time or epoch ms) has its month and day on `ms` in `zone`. */
export function isAnniversary(value: unknown, ms: number, zone: string): boolean {
  let monthDay: string | undefined
  if (typeof value === 'string') {
    const m = /^(?:\d{4}-)?(\d{2})-(\d{2})(?:$|T)/.exec(value.trim()) ?? /^--(\d{2})-?(\d{2})$/.exec(value.trim())
    if (m) monthDay = `${m[1]}-${m[2]}`
  } else if (typeof value === 'number' && Number.isFinite(value)) {
    monthDay = DateTime.fromMillis(value, { zone: 'UTC' }).toFormat('LL-dd')
  }
  return monthDay !== undefined && DateTime.fromMillis(ms, { zone }).toFormat('LL-dd') === monthDay
}

const CUTOFF = /^([01]\d|2[0-3]):([0-5]\d)$/

/** Minutes after local midnight of an HH:MM time of day, or undefined when it is not one. */
export function cutoffMinutes(text: string): number | undefined {
  const m = CUTOFF.exec(text)
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined
}

/**
 * The instant of `minutes` after local midnight on the local date of `ms` in `zone` (an unknown
 * or missing zone reads as UTC). A time inside a DST gap moves forward, as clocks do.
 */
export function localTimeOn(ms: number, zone: string | undefined, minutes: number): number {
  let local = DateTime.fromMillis(ms, { zone: zone ?? 'UTC' })
  if (!local.isValid) local = DateTime.fromMillis(ms, { zone: 'UTC' })
  return local.set({ hour: Math.floor(minutes / 60), minute: minutes % 60, second: 0, millisecond: 0 }).toMillis()
}
