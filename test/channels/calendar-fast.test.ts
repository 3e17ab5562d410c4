// The guard calendar answers days with one offset from the zone's offsets and remembers answers per
// zone; they must be luxon's own, for random instants and zones (DST changes, some at local
// midnight, half-hour and fixed-offset zones, UTC, invalid names) and any quiet hours.
// calendar-transitions.test.ts checks every offset change deterministically.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { dayBounds, localTime, quietUntil } from '../../src/channels/guards/calendar.ts'
import { luxonDayBounds, luxonLocalTime, luxonQuietUntil } from '../support/luxonCalendar.ts'

const ZONES = ['America/Santiago', 'America/Havana', 'Asia/Beirut', 'America/Asuncion', 'America/New_York', 'Europe/London', 'Europe/Berlin', 'Australia/Sydney', 'Australia/Lord_Howe', 'Asia/Kolkata', 'Asia/Kathmandu', 'America/St_Johns', 'Pacific/Chatham', 'America/Sao_Paulo', 'UTC', 'Etc/GMT+5', 'utc', 'UTC+3', 'Not/A_Zone']

const instant = fc.oneof(
  fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2040, 0, 1) }),
  fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 0, 1) }),
  // Within two days of 2026 DST changes of these zones (some at local midnight).
  fc
    .tuple(fc.constantFrom(Date.UTC(2026, 2, 8, 7), Date.UTC(2026, 2, 29, 1), Date.UTC(2026, 9, 25, 1), Date.UTC(2026, 10, 1, 6), Date.UTC(2026, 3, 5, 16), Date.UTC(2026, 3, 4, 15), Date.UTC(2026, 3, 5, 3), Date.UTC(2026, 8, 6, 4), Date.UTC(2026, 2, 8, 5), Date.UTC(2026, 2, 28, 22), Date.UTC(2026, 9, 24, 21)), fc.integer({ min: -2 * 86_400_000, max: 2 * 86_400_000 }))
    .map(([t, d]) => t + d),
)

const hhmm = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 15, 30, 45, 59)).map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`)

describe('guard calendar', () => {
  it("localTime prints what luxon's yyyy-LL-dd HH:mm ZZZZ prints", () => {
    fc.assert(
      fc.property(instant, fc.constantFrom(...ZONES), (ms, zone) => {
        expect(localTime(ms, zone)).toBe(luxonLocalTime(ms, zone))
      }),
      { numRuns: 2000 },
    )
  })

  it('dayBounds answers as luxon alone does', () => {
    fc.assert(
      fc.property(instant, fc.constantFrom(...ZONES), (ms, zone) => {
        expect(dayBounds(ms, zone)).toEqual(luxonDayBounds(ms, zone))
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
