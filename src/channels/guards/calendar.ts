// Calendar arithmetic in the shopper's own time zone (luxon: DST-correct days of 23 or 25 hours,
// wall-clock times that do not exist or exist twice).
import { DateTime } from 'luxon'

/**
 * Answers remembered per zone (luxon's zone look-ups cost more than the guards they serve; exact,
 * as a zone's validity and a day's bounds never change). Zones come from input: the maps are
 * bounded and start over when full.
 */
const REMEMBERED = 1024
const validZones = new Map<string, boolean>()
const lastDay = new Map<string, { start: number; end: number }>()
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
  const known = lastDay.get(zone)
  if (known !== undefined && known.start <= now && now < known.end) return { ...known }
  const start = DateTime.fromMillis(now, { zone }).startOf('day')
  return { ...remember(lastDay, zone, { start: start.toMillis(), end: start.plus({ days: 1 }).toMillis() }) }
}

const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5))

/**
 * When `now` falls in the quiet hours [start, end) local time (a range may cross midnight),
 * the first moment after them; undefined outside them.
 */
export function quietUntil(now: number, zone: string, start: string, end: string): number | undefined {
  const local = DateTime.fromMillis(now, { zone })
  const minute = local.hour * 60 + local.minute
  const s = minutesOf(start)
  const e = minutesOf(end)
  if (s === e) return undefined
  const quiet = s < e ? minute >= s && minute < e : minute >= s || minute < e
  if (!quiet) return undefined
  const at = (day: DateTime): DateTime => day.set({ hour: Math.floor(e / 60), minute: e % 60, second: 0, millisecond: 0 })
  let until = at(local)
  // Adding a calendar day keeps the wall-clock time across a DST change (not +24h).
  if (until.toMillis() <= now) until = at(local.plus({ days: 1 }))
  return until.toMillis()
}

/** Local wall-clock time, for reasons shoppers and ops can read. */
export function localTime(ms: number, zone: string): string {
  // Many held messages wait for the same end of quiet hours.
  const key = `${zone}\u0000${ms}`
  return formatted.get(key) ?? remember(formatted, key, DateTime.fromMillis(ms, { zone }).toFormat("yyyy-LL-dd HH:mm ZZZZ"))
}

const formatted = new Map<string, string>()
