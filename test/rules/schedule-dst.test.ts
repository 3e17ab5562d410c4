// Cron times across DST changes, including Lord Howe's half-hour one, where cron-parser's own
// stepping gives up ("loop limit exceeded") for a day before each change. Checked against a plain
// walk over the minutes with luxon's local time, away from the hours a change repeats or skips.
import fc from 'fast-check'
import { DateTime } from 'luxon'
import { describe, expect, it } from 'vitest'
import { cronProblem, latestOccurrence, nextOccurrence } from '../../src/rules/schedule.ts'

const MINUTE = 60_000
const DAY = 86_400_000

/** Simple crons as (minute, hour, weekdays or undefined for every day), with their text. */
const CRONS: Array<{ cron: string; minute: number; hour: number; weekdays?: number[] }> = [
  { cron: '0 9 * * *', minute: 0, hour: 9 },
  { cron: '45 23 * * *', minute: 45, hour: 23 },
  { cron: '15 12 * * 1-5', minute: 15, hour: 12, weekdays: [1, 2, 3, 4, 5] },
  { cron: '30 6 * * 0', minute: 30, hour: 6, weekdays: [7] },
]
const ZONES = ['Australia/Lord_Howe', 'America/New_York', 'Europe/London', 'Asia/Kathmandu', 'Pacific/Chatham', 'UTC']

function matches(spec: (typeof CRONS)[number], zone: string, t: number): boolean {
  const local = DateTime.fromMillis(t, { zone })
  return local.minute === spec.minute && local.hour === spec.hour && (spec.weekdays === undefined || spec.weekdays.includes(local.weekday))
}

// Every zone's offset is a whole number of quarter hours (since well before 2025), so a local
// minute m falls on UTC minutes ≡ m (mod 15): the walks test only those.
const onQuarter = (spec: { minute: number }, t: number) => (t / MINUTE) % 15 === spec.minute % 15

function walkNext(spec: (typeof CRONS)[number], zone: string, after: number): number {
  for (let t = Math.floor(after / MINUTE) * MINUTE + MINUTE; ; t += MINUTE) if (onQuarter(spec, t) && matches(spec, zone, t)) return t
}

function walkLatest(spec: (typeof CRONS)[number], zone: string, after: number, upTo: number): number | undefined {
  for (let t = Math.floor(upTo / MINUTE) * MINUTE; t > after; t -= MINUTE) if (onQuarter(spec, t) && matches(spec, zone, t)) return t
  return undefined
}

// Instants around Lord Howe's changes (early April, early October) and anywhere in 2025–2027.
const instant = fc.oneof(
  fc.integer({ min: Date.UTC(2025, 3, 2), max: Date.UTC(2025, 3, 8) }),
  fc.integer({ min: Date.UTC(2026, 3, 1), max: Date.UTC(2026, 3, 7) }),
  fc.integer({ min: Date.UTC(2025, 9, 2), max: Date.UTC(2025, 9, 7) }),
  fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2027, 11, 31) }),
)

describe('cron times across DST changes', () => {
  it('the next occurrence is the first minute whose local time the cron names', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CRONS), fc.constantFrom(...ZONES), instant, (spec, zone, after) => {
        expect(nextOccurrence(spec.cron, zone, after)).toBe(walkNext(spec, zone, after))
      }),
      { seed: 5120, numRuns: 200 },
    )
  })

  it('the latest occurrence in a window is the last minute in it whose local time the cron names', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CRONS), fc.constantFrom(...ZONES), instant, fc.integer({ min: 1, max: 3 * DAY }), (spec, zone, upTo, span) => {
        expect(latestOccurrence(spec.cron, zone, upTo - span, upTo)).toBe(walkLatest(spec, zone, upTo - span, upTo))
      }),
      { seed: 5121, numRuns: 200 },
    )
  })

  it('finds the sweep’s 09:00 on Lord Howe the day after clocks went back', () => {
    const nine = Date.parse('2026-04-05T09:00:00+10:30')
    expect(latestOccurrence('0 9 * * *', 'Australia/Lord_Howe', nine - 15 * MINUTE, nine + 5 * MINUTE)).toBe(nine)
    expect(latestOccurrence('0 9 * * *', 'Australia/Lord_Howe', nine, nine + 15 * MINUTE)).toBeUndefined()
  })

  it('looks back across Lord Howe’s spring change, where cron-parser’s prev() gives up for a day', () => {
    const two = { cron: '0 2 * * *', minute: 0, hour: 2 }
    const hourly = { cron: '0 * * * *', minute: 0, hour: -1 }
    for (let t = Date.parse('2026-10-03T15:00:00Z'); t <= Date.parse('2026-10-04T15:00:00Z'); t += 15 * MINUTE) {
      expect(latestOccurrence(two.cron, 'Australia/Lord_Howe', t - 2 * DAY, t)).toBe(walkLatest(two, 'Australia/Lord_Howe', t - 2 * DAY, t))
      const lastHour = walkLatest({ ...hourly, hour: DateTime.fromMillis(t, { zone: 'Australia/Lord_Howe' }).hour }, 'Australia/Lord_Howe', t - 59 * MINUTE, t)
      expect(latestOccurrence(hourly.cron, 'Australia/Lord_Howe', t - 59 * MINUTE, t)).toBe(lastHour)
    }
  })

  it('refuses a cron that never comes round, and accepts one that comes round every four years', () => {
    expect(cronProblem('0 0 30 2 *')).toBeDefined()
    expect(cronProblem('0 0 31 4 *')).toBeDefined()
    expect(cronProblem('0 0 29 2 *')).toBeUndefined()
    expect(cronProblem('0 9 * * *')).toBeUndefined()
  })
})
