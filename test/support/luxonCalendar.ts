// The guard calendar's and cut-off times' answers as luxon alone gives them, with no memory between
// calls: the reference the fast paths (src/lib/calmDays.ts) are compared with.
import { DateTime } from 'luxon'

const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5))

export function luxonDayBounds(ms: number, zone: string): { start: number; end: number } {
  const start = DateTime.fromMillis(ms, { zone }).startOf('day')
  return { start: start.toMillis(), end: start.plus({ days: 1 }).toMillis() }
}

export function luxonQuietUntil(now: number, zone: string, start: string, end: string): number | undefined {
  const local = DateTime.fromMillis(now, { zone })
  const minute = local.hour * 60 + local.minute
  const s = minutesOf(start)
  const e = minutesOf(end)
  if (s === e) return undefined
  const quiet = s < e ? minute >= s && minute < e : minute >= s || minute < e
  if (!quiet) return undefined
  const at = (day: DateTime): DateTime => day.set({ hour: Math.floor(e / 60), minute: e % 60, second: 0, millisecond: 0 })
  let until = at(local)
  if (until.toMillis() <= now) until = at(local.plus({ days: 1 }))
  return until.toMillis()
}

export function luxonLocalTime(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toFormat('yyyy-LL-dd HH:mm ZZZZ')
}

/** rules/schedule.ts localTimeOn: `minutes` after midnight on the local date of `ms` (unknown zone: UTC). */
export function luxonLocalTimeOn(ms: number, zone: string | undefined, minutes: number): number {
  let local = DateTime.fromMillis(ms, { zone: zone ?? 'UTC' })
  if (!local.isValid) local = DateTime.fromMillis(ms, { zone: 'UTC' })
  return local.set({ hour: Math.floor(minutes / 60), minute: minutes % 60, second: 0, millisecond: 0 }).toMillis()
}
