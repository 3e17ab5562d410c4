// Calendar arithmetic in the shopper's own time zone (luxon: DST-correct days of 23 or 25 hours,
// wall-clock times that do not exist or exist twice). Days with one offset throughout are answered
// from the zone's offsets alone (lib/calmDays.ts); luxon answers the rest, a few days a year.
import { DateTime, Settings } from 'luxon'
import { calmDayStart, DAY_MS } from '../../lib/calmDays.ts'

/**
 * Answers remembered per zone (luxon's zone look-ups cost more than the guards they serve). An
 * answer is reused only on the span where it is proven to be the answer: a calm day, or the exact
 * instant. Zones come from input: the maps are bounded and start over when full.
 */
const REMEMBERED = 1024
const validZones = new Map<string, boolean>()
const remember = <V>(map: Map<string, V>, key: string, value: V): V => {
  if (map.size >= REMEMBERED) map.clear()
  map.set(key, value)
  return value
}

const isValidZone = (zone: string): boolean => validZones.get(zone) ?? remember(validZones, zone, DateTime.fromMillis(0, { zone }).isValid)

export function usableZone(timezone: string | undefined, fallback: string): string {
  if (timezone !== undefined && timezone !== '' && isValidZone(timezone)) return timezone
  return isValidZone(fallback) ? fallback : 'UTC'
}

/** The shopper's calendar day containing `now`: [start, end) in epoch ms. */
export function dayBounds(now: number, zone: string): { start: number; end: number } {
  const calm = calmDay(now, zone)
  if (calm !== undefined) return { ...calm }
  // Not remembered: on a day whose midnight is skipped, [start, start + 1 day) reaches into the
  // next day, whose instants have their own start.
  const start = DateTime.fromMillis(now, { zone }).startOf('day')
  return { start: start.toMillis(), end: start.plus({ days: 1 }).toMillis() }
}

const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5))

/**
 * When `now` falls in the quiet hours [start, end) local time (a range may cross midnight),
 * the first moment after them; undefined outside them.
 */
export function quietUntil(now: number, zone: string, start: string, end: string): number | undefined {
  const s = minutesOf(start)
  const e = minutesOf(end)
  if (s === e) return undefined
  const isQuiet = (minute: number): boolean => (s < e ? minute >= s && minute < e : minute >= s || minute < e)
  const calm = Number.isInteger(e) && e >= 0 && e < 1440 ? calmDay(now, zone) : undefined
  if (calm !== undefined) {
    // One offset all day and the next: the wall clock is the time since local midnight.
    const minute = Math.floor((now - calm.start) / 60_000)
    if (!isQuiet(minute)) return undefined
    return calm.start + (minute < e ? 0 : DAY_MS) + e * 60_000
  }
  const local = DateTime.fromMillis(now, { zone })
  if (!isQuiet(local.hour * 60 + local.minute)) return undefined
  const at = (day: DateTime): DateTime => day.set({ hour: Math.floor(e / 60), minute: e % 60, second: 0, millisecond: 0 })
  let until = at(local)
  // Adding a calendar day keeps the wall-clock time across a DST change (not +24h).
  if (until.toMillis() <= now) until = at(local.plus({ days: 1 }))
  return until.toMillis()
}

/** The local day containing `ms` when it and the next day keep one offset (lib/calmDays.ts), remembered per zone. */
function calmDay(ms: number, zone: string): { start: number; end: number } | undefined {
  const known = calmDays.get(zone)
  if (known !== undefined && known.start <= ms && ms < known.end) return known
  const start = calmDayStart(ms, zone, 2)
  return start === undefined ? undefined : remember(calmDays, zone, { start, end: start + DAY_MS })
}

const calmDays = new Map<string, { start: number; end: number }>()

/** Local wall-clock time, for reasons shoppers and ops can read ("2026-06-01 08:00 EDT"). */
export function localTime(ms: number, zone: string): string {
  // Many held messages wait for the same end of quiet hours.
  const key = `${zone}\u0000${ms}`
  const known = formatted.get(key)
  if (known !== undefined) return known
  const local = DateTime.fromMillis(ms, { zone })
  // Only a named zone's name comes from Intl (UTC and fixed offsets are luxon's own text).
  const text = local.isValid && local.zone.type === 'iana' ? `${local.toFormat('yyyy-LL-dd HH:mm')} ${zoneAbbreviation(ms, local.zone.name)}` : local.toFormat('yyyy-LL-dd HH:mm ZZZZ')
  return remember(formatted, key, text)
}

const formatted = new Map<string, string>()

/**
 * What luxon's `ZZZZ` prints (its short offset name), through one Intl.DateTimeFormat per zone:
 * luxon builds a new one for every call, which costs more than the rest of a guard check.
 * Same locale (toFormat's: the default locale, else en-US) and the same options as luxon's.
 */
function zoneAbbreviation(ms: number, zone: string): string {
  const locale = Settings.defaultLocale || 'en-US'
  const key = `${locale}\u0000${zone}`
  const format =
    nameFormats.get(key) ??
    remember(nameFormats, key, new Intl.DateTimeFormat(locale, { timeZoneName: 'short', hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', timeZone: zone }))
  return format.formatToParts(new Date(ms)).find((part) => part.type.toLowerCase() === 'timezonename')?.value ?? 'null'
}

const nameFormats = new Map<string, Intl.DateTimeFormat>()
