// The guard calendar remembers its answers per zone; they must be luxon's own, for any instant and
// zone (DST changes, some at local midnight, half-hour and fixed-offset zones, UTC, invalid names)
// and any quiet hours. (A faster path without luxon failed this on Havana's midnight DST change.)
import fc from 'fast-check'
import { DateTime } from 'luxon'
import { describe, expect, it } from 'vitest'
import { dayBounds, localTime, quietUntil } from '../../src/channels/guards/calendar.ts'

const ZONES = ['America/Santiago', 'America/Havana', 'Asia/Beirut', 'America/Asuncion', 'America/New_York', 'Europe/London', 'Europe/Berlin', 'Australia/Sydney', 'Australia/Lord_Howe', 'Asia/Kolkata', 'Asia/Kathmandu', 'America/St_Johns', 'Pacific/Chatham', 'America/Sao_Paulo', 'UTC', 'Etc/GMT+5', 'utc', 'UTC+3', 'Not/A_Zone']

const instant = fc.oneof(
  fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2040, 0, 1) }),
  fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 0, 1) }),
  // Within two days of 2026 DST changes of these zones (some at local midnight).
  fc
    .tuple(fc.constantFrom(Date.UTC(2026, 2, 8, 7), Date.UTC(2026, 2, 29, 1), Date.UTC(2026, 9, 25, 1), Date.UTC(2026, 10, 1, 6), Date.UTC(2026, 3, 5, 16), Date.UTC(2026, 3, 4, 15), Date.UTC(2026, 3, 5, 3), Date.UTC(2026, 8, 6, 4), Date.UTC(2026, 2, 8, 5), Date.UTC(2026, 2, 28, 22), Date.UTC(2026, 9, 24, 21)), fc.integer({ min: -2 * 86_400_000, max: 2 * 86_400_000 }))
    .map(([t, d]) => t + d),
)

/** quietUntil as luxon alone answers it (the reference). */
function luxonQuietUntil(now: number, zone: string, start: string, end: string): number | undefined {
  const local = DateTime.fromMillis(now, { zone })
  const minute = local.hour * 60 + local.minute
  const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5))
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

const hhmm = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 15, 30, 45, 59)).map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`)

describe('guard calendar', () => {
  it("localTime prints what luxon's yyyy-LL-dd HH:mm ZZZZ prints", () => {
    fc.assert(
      fc.property(instant, fc.constantFrom(...ZONES), (ms, zone) => {
        expect(localTime(ms, zone)).toBe(DateTime.fromMillis(ms, { zone }).toFormat('yyyy-LL-dd HH:mm ZZZZ'))
      }),
      { numRuns: 2000 },
    )
  })

  it('dayBounds answers as luxon alone does', () => {
    fc.assert(
      fc.property(instant, fc.constantFrom(...ZONES), (ms, zone) => {
        const start = DateTime.fromMillis(ms, { zone }).startOf('day')
        expect(dayBounds(ms, zone)).toEqual({ start: start.toMillis(), end: start.plus({ days: 1 }).toMillis() })
      }),
      { numRuns: 10_000 },
    )
  })

  it('quietUntil answers as luxon alone does', () => {
    fc.assert(
      fc.property(instant, fc.constantFrom(...ZONES), hhmm, hhmm, (ms, zone, start, end) => {
        expect(quietUntil(ms, zone, start, end)).toBe(luxonQuietUntil(ms, zone, start, end))
      }),
      { numRuns: 20_000 },
    )
    expect(quietUntil(Number.NaN, 'Europe/Berlin', '21:00', '08:00')).toBe(luxonQuietUntil(Number.NaN, 'Europe/Berlin', '21:00', '08:00'))
  })
})
