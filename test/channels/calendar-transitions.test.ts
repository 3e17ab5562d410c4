// Every UTC-offset change of every zone Intl knows, 2000–2040, checked deterministically: the guard
// calendar and rules' cut-off times must answer as luxon alone does around each change and around
// the local midnights on both sides, whatever order the same instants come in (both remember
// answers per process). Random instants are calendar-fast.test.ts's job.
//
// Cost is kept to seconds in three tiers: every zone's every change for the printed zone name;
// every distinct offset history (zones sharing one answer alike but for names) for days, quiet
// hours and cut-offs next to each change; every distinct kind of change (the offsets and the wall
// time it happens at, which is all the arithmetic sees) at many more instants and quiet hours.
import { describe, expect, it } from 'vitest'
import { dayBounds, localTime, quietUntil } from '../../src/channels/guards/calendar.ts'
import { localTimeOn } from '../../src/rules/schedule.ts'
import { luxonDayBounds, luxonLocalTime, luxonLocalTimeOn, luxonQuietUntil } from '../support/luxonCalendar.ts'
import { transitions, type Transition } from '../support/zoneTransitions.ts'

const DAY = 86_400_000
const FROM = Date.UTC(2000, 0, 1)
const TO = Date.UTC(2041, 0, 1)
const hhmm = (minute: number): string => {
  const m = ((Math.floor(minute) % 1440) + 1440) % 1440
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`
}

interface Check {
  zone: string
  ms: number
  quiet: Array<[string, string]>
  cutoffs: number[]
}

/** The local midnight starting the day after the one the change happens on (in the new offset). */
const nextMidnight = (t: Transition): number => (Math.floor((t.at + t.after) / DAY) + 1) * DAY - t.after

/** Wall-clock minute of the day inside the skipped or repeated time. */
const insideMinute = (t: Transition): number => ((t.at + Math.min(t.before, t.after)) % DAY) / 60_000 + Math.abs(t.after - t.before) / 120_000

/** The change, the middle of the skipped or repeated time, and the local midnights of that day and the next in both offsets. */
function instantsAround(t: Transition): number[] {
  const out = new Set([t.at - 1, t.at, t.at + Math.abs(t.after - t.before) / 2, t.at - DAY])
  for (const offset of [t.before, t.after]) {
    for (const d of [0, 1]) {
      const midnight = (Math.floor((t.at + offset) / DAY) + d) * DAY - offset
      out.add(midnight - 1)
      out.add(midnight)
    }
  }
  return [...out]
}

/** Quiet hours crossing midnight, ending at midnight, and starting or ending inside the skipped or repeated time. */
function quietPairs(t: Transition): Array<[string, string]> {
  const inside = insideMinute(t)
  return [
    ['22:00', '07:00'],
    ['20:00', '00:00'],
    [hhmm(inside), hhmm(inside + 180)],
    [hhmm(inside - 180), hhmm(inside)],
  ]
}

/**
 * What the arithmetic sees of a change: the two offsets, the wall-clock time it happens at, and how
 * close (in whole days) the changes before and after it are when they are within a few days.
 */
function kindOf(changes: Transition[], i: number): string {
  const t = changes[i] as Transition
  const near = (other: Transition | undefined): string => (other !== undefined && Math.abs(other.at - t.at) < 4 * DAY ? String(Math.round((other.at - t.at) / 3_600_000)) : '')
  return `${t.before}/${t.after}/${(t.at + t.before) % DAY}/${near(changes[i - 1])}/${near(changes[i + 1])}`
}

function checks(): { named: Array<{ zone: string; ms: number }>; timed: Check[] } {
  const named: Array<{ zone: string; ms: number }> = []
  const timed: Check[] = []
  const histories = new Set<string>()
  const kinds = new Set<string>()
  for (const zone of Intl.supportedValuesOf('timeZone')) {
    const changes = transitions(zone, FROM, TO)
    for (const t of changes) named.push({ zone, ms: t.at - 1 }, { zone, ms: t.at })
    const history = JSON.stringify(changes)
    if (histories.has(history)) continue
    histories.add(history)
    changes.forEach((t, i) => {
      const kind = kindOf(changes, i)
      if (kinds.has(kind)) {
        for (const ms of [t.at - 1, t.at, nextMidnight(t)]) timed.push({ zone, ms, quiet: [], cutoffs: [] })
      } else {
        kinds.add(kind)
        for (const ms of instantsAround(t)) timed.push({ zone, ms, quiet: quietPairs(t), cutoffs: [0, Math.floor(insideMinute(t)), 1439] })
      }
    })
    if (changes.length === 0) for (const ms of [FROM, Date.UTC(2026, 2, 9, 4), TO - 1]) timed.push({ zone, ms, quiet: [['22:00', '07:00']], cutoffs: [0] })
  }
  const t = Date.UTC(2026, 2, 9, 4)
  for (const zone of ['UTC', 'utc', 'Etc/GMT+5', 'UTC+3', 'UTC-3:30', 'Not/A_Zone', '']) {
    for (const ms of [t - DAY - 1, t - 1, t, t + 1, t + 13 * 3_600_000]) {
      timed.push({ zone, ms, quiet: [['22:00', '07:00'], ['20:00', '00:00']], cutoffs: [0, 1439] })
      named.push({ zone, ms })
    }
  }
  return { named, timed }
}

type Answers = [{ start: number; end: number }, Array<number | undefined>, number[]]
const reference = (c: Check): Answers => [luxonDayBounds(c.ms, c.zone), c.quiet.map(([s, e]) => luxonQuietUntil(c.ms, c.zone, s, e)), c.cutoffs.map((m) => luxonLocalTimeOn(c.ms, c.zone, m))]
const answered = (c: Check): Answers => [dayBounds(c.ms, c.zone), c.quiet.map(([s, e]) => quietUntil(c.ms, c.zone, s, e)), c.cutoffs.map((m) => localTimeOn(c.ms, c.zone, m))]

function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items]
  let s = seed
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1_103_515_245) + 12_345) >>> 0
    const j = s % (i + 1)
    ;[out[i], out[j]] = [out[j] as T, out[i] as T]
  }
  return out
}

describe('guard calendar at every offset change, 2000–2040', () => {
  const { named, timed } = checks()

  it("finds the changes (Havana's midnight ones among them)", () => {
    expect(named.length).toBeGreaterThan(20_000)
    expect(timed.some((c) => c.zone === 'America/Havana' && c.ms === Date.UTC(2026, 2, 9, 4))).toBe(true)
  })

  it("prints each zone's local time as luxon does on both sides of each change", () => {
    for (const { zone, ms } of named) {
      const got = localTime(ms, zone)
      if (got !== luxonLocalTime(ms, zone)) expect(got, `${zone} at ${new Date(ms).toISOString()}`).toBe(luxonLocalTime(ms, zone))
    }
  })

  it('answers days, quiet hours and cut-offs as luxon does, in forward, backward and shuffled order', () => {
    const expected = timed.map(reference)
    const indices = timed.map((_, i) => i)
    for (const [order, sequence] of [
      ['forward', indices],
      ['backward', [...indices].reverse()],
      ['shuffled', shuffled(indices, 20_260_309)],
    ] as const) {
      for (const i of sequence) {
        const c = timed[i] as Check
        const got = answered(c)
        if (JSON.stringify(got) !== JSON.stringify(expected[i])) {
          expect(got, `${order}: ${c.zone} at ${new Date(c.ms).toISOString()} (${c.ms}), quiet hours ${JSON.stringify(c.quiet)}, cut-offs ${JSON.stringify(c.cutoffs)}`).toEqual(expected[i])
        }
      }
    }
  })
}, 120_000)
