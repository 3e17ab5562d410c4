// Scheduled care, pure: when did a cron time last occur in a zone, and is today a date trait's
// anniversary there. cron-parser does the calendar (DST included); no IO.
import { CronExpressionParser } from 'cron-parser'
import { DateTime } from 'luxon'
import { calmDayStart, DAY_MS } from '../lib/calmDays.ts'

/** The cron expression's error, or undefined when it parses (five fields, no seconds). */
export function cronProblem(cron: string): string | undefined {
  if (cron.trim().split(/\s+/).length !== 5) return 'must have five fields: minute hour day-of-month month day-of-week'
  let expression
  try {
    expression = CronExpressionParser.parse(cron, { tz: 'UTC', currentDate: new Date(Date.UTC(2000, 0, 1)) })
  } catch (err) {
    return (err as Error).message
  }
  try {
    expression.next()
    return undefined
  } catch {
    return 'never comes round: no date matches it'
  }
}

/** Minutes past the hour the cron can fire at. */
export function cronMinutes(cron: string): number[] {
  return [...CronExpressionParser.parse(cron, { tz: 'UTC' }).fields.minute.values].map(Number)
}

/** The latest occurrence in (after, upTo] in `zone`; undefined when there is none. */
export function latestOccurrence(cron: string, zone: string, after: number, upTo: number): number | undefined {
  let at: number
  try {
    if (nearStepFailure(cron, zone, upTo)) throw STEP_FAILURE
    // prev() from just past upTo includes an occurrence exactly at upTo.
    at = CronExpressionParser.parse(cron, { tz: zone, currentDate: new Date(upTo + 1) }).prev().getTime()
  } catch (err) {
    if (!isStepFailure(err)) throw err
    rememberStepFailure(cron, zone, upTo)
    const from = Math.max(after, upTo - SCAN_SPAN)
    const found = scanMinutes(cron, zone, Math.floor(upTo / MINUTE) * MINUTE, (t) => t > from, -MINUTE)
    if (found !== undefined || from === after) return found
    return latestOccurrence(cron, zone, after, from)
  }
  return at > after && at <= upTo ? at : undefined
}

const MINUTE = 60_000
/** How far minutes are tested one by one where cron-parser cannot step: past any DST change. */
const SCAN_SPAN = 2 * 86_400_000
/** Scans that find nothing before giving up on a cron (which validation would have refused). */
const MAX_SCANS = 400

/**
 * cron-parser stops with "loop limit exceeded" when stepping across some DST changes (Lord Howe's
 * half-hour change: a daily 09:00 fails from the day before); the schedule is valid, its stepping is not.
 */
const isStepFailure = (err: unknown): boolean => err === STEP_FAILURE || (err instanceof Error && err.message.includes('loop limit'))
const STEP_FAILURE = new Error('cron-parser cannot step here')

/**
 * Where cron-parser failed to step, by cron and zone. It fails only after its loop limit
 * (≈ 0.3 s of CPU), and a sweep asks the same question for every shopper of the zone.
 */
const stepFailures = new Map<string, number>()
const nearStepFailure = (cron: string, zone: string, at: number): boolean => {
  const failed = stepFailures.get(`${cron}\u0000${zone}`)
  return failed !== undefined && Math.abs(at - failed) < SCAN_SPAN / 2
}
function rememberStepFailure(cron: string, zone: string, at: number): void {
  if (stepFailures.size >= 1_000) stepFailures.clear()
  stepFailures.set(`${cron}\u0000${zone}`, at)
}

/**
 * Tests the minutes from `start` in steps of `step` while `within` holds; the first local time the
 * cron includes, or undefined. Zones are offset by whole quarter hours, so only UTC minutes
 * congruent (mod 15) to one of the cron's minutes are tested.
 */
function scanMinutes(cron: string, zone: string, start: number, within: (t: number) => boolean, step: number): number | undefined {
  const expression = CronExpressionParser.parse(cron, { tz: zone })
  const quarters = new Set([...expression.fields.minute.values].map((m) => Number(m) % 15))
  for (let t = start; within(t); t += step) {
    if (quarters.has((t / MINUTE) % 15) && expression.includesDate(new Date(t))) return t
  }
  return undefined
}

/** YYYY-MM-DD in the zone. */
export const localDate = (ms: number, zone: string): string => DateTime.fromMillis(ms, { zone }).toISODate() ?? ''

/** The MM-dd of a date value (YYYY-MM-DD, MM-DD, --MM-DD, ISO date-time or epoch ms), or undefined. */
export function monthDayOf(value: unknown): string | undefined {
  if (typeof value === 'string') {
    const m = /^(?:\d{4}-)?(\d{2})-(\d{2})(?:$|T)/.exec(value.trim()) ?? /^--(\d{2})-?(\d{2})$/.exec(value.trim())
    return m ? `${m[1]}-${m[2]}` : undefined
  }
  if (typeof value === 'number' && Number.isFinite(value)) return DateTime.fromMillis(value, { zone: 'UTC' }).toFormat('LL-dd')
  return undefined
}

/** A date value has its month and day on `ms` in `zone`. */
export function isAnniversary(value: unknown, ms: number, zone: string): boolean {
  const monthDay = monthDayOf(value)
  return monthDay !== undefined && DateTime.fromMillis(ms, { zone }).toFormat('LL-dd') === monthDay
}

/** The first occurrence after `after` in `zone`. */
export function nextOccurrence(cron: string, zone: string, after: number): number {
  let from = after
  for (let scans = 0; scans < MAX_SCANS; scans++) {
    try {
      if (nearStepFailure(cron, zone, from)) throw STEP_FAILURE
      return CronExpressionParser.parse(cron, { tz: zone, currentDate: new Date(from) }).next().getTime()
    } catch (err) {
      if (!isStepFailure(err)) throw err
      rememberStepFailure(cron, zone, from)
      const end = from + SCAN_SPAN
      const found = scanMinutes(cron, zone, Math.floor(from / MINUTE) * MINUTE + MINUTE, (t) => t <= end, MINUTE)
      if (found !== undefined) return found
      from = end
    }
  }
  throw new Error(`cron "${cron}" does not come round in ${zone}`)
}

/** Years looked ahead for an anniversary the cron fires on (28 years repeat weekdays with 29 February). */
const ANNIVERSARY_YEARS = 29

/**
 * The first occurrence after `after` in `zone` that falls on the local date `monthDay` (MM-dd),
 * or undefined when the cron never fires on it within the years looked ahead.
 */
export function nextAnniversaryOccurrence(cron: string, zone: string, monthDay: string, after: number): number | undefined {
  const month = Number(monthDay.slice(0, 2))
  const day = Number(monthDay.slice(3, 5))
  const startYear = DateTime.fromMillis(after, { zone }).year
  for (let year = startYear; year <= startYear + ANNIVERSARY_YEARS; year++) {
    const date = DateTime.fromObject({ year, month, day }, { zone })
    if (!date.isValid || date.month !== month || date.day !== day) continue
    const start = date.startOf('day').toMillis()
    const end = date.plus({ days: 1 }).startOf('day').toMillis()
    if (end <= after) continue
    const at = nextOccurrence(cron, zone, Math.max(after, start - 1))
    if (at < end) return at
  }
  return undefined
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
  const days = localDays.get(zone ?? 'UTC')?.get(minutes)?.get(Math.floor(ms / UTC_DAY))
  if (days !== undefined) {
    for (const d of days) if (ms >= d.start && ms < d.end) return d.at
  }
  const calm = Number.isInteger(minutes) && minutes >= 0 && minutes < 1440 ? calmDayStart(ms, zone ?? 'UTC') : undefined
  if (calm !== undefined) {
    // One offset all day: the time of day is the time since local midnight.
    const at = calm + minutes * 60_000
    rememberDay(zone ?? 'UTC', minutes, calm, calm + DAY_MS, at)
    return at
  }
  let local = DateTime.fromMillis(ms, { zone: zone ?? 'UTC' })
  if (!local.isValid) local = DateTime.fromMillis(ms, { zone: 'UTC' })
  const at = local.set({ hour: Math.floor(minutes / 60), minute: minutes % 60, second: 0, millisecond: 0 }).toMillis()
  rememberLocalDay(zone ?? 'UTC', minutes, local, ms, at)
  return at
}

const UTC_DAY = 86_400_000
const MAX_REMEMBERED_DAYS = 4_096
/** Zone → minutes → UTC day number → the local days overlapping it, each with its answer. */
const localDays = new Map<string, Map<number, Map<number, Array<{ start: number; end: number; at: number }>>>>()
let rememberedDays = 0

/**
 * Every instant of one local day has the same answer, so it is kept for the day's span (from
 * luxon's start of that day to the next's). Days with a DST change are not kept (rare, and where
 * zone rules are odd: midnight inside a gap). Bounded: dropped whole when full. luxon's zone
 * arithmetic costs several µs a call; a shop's parcels are due on few days.
 */
function rememberLocalDay(zone: string, minutes: number, local: DateTime, ms: number, at: number): void {
  const first = local.startOf('day')
  const next = first.plus({ days: 1 }).startOf('day')
  const start = first.toMillis()
  const end = next.toMillis()
  if (first.offset !== next.minus({ milliseconds: 1 }).offset || !(ms >= start && ms < end)) return
  rememberDay(zone, minutes, start, end, at)
}

function rememberDay(zone: string, minutes: number, start: number, end: number, at: number): void {
  if (rememberedDays >= MAX_REMEMBERED_DAYS) {
    localDays.clear()
    rememberedDays = 0
  }
  let byMinutes = localDays.get(zone)
  if (byMinutes === undefined) localDays.set(zone, (byMinutes = new Map()))
  let byDay = byMinutes.get(minutes)
  if (byDay === undefined) byMinutes.set(minutes, (byDay = new Map()))
  const span = { start, end, at }
  for (let day = Math.floor(start / UTC_DAY); day <= Math.floor((end - 1) / UTC_DAY); day++) {
    const list = byDay.get(day)
    if (list === undefined) byDay.set(day, [span])
    else list.push(span)
  }
  rememberedDays++
}
