// Scheduled care is read by due time: the stored due time of a customer must never be later than
// the first cron time at which one of their schedules could fire (a greeting would be lost), and
// for anniversaries read from the state it is exactly that time (or the customer is never read).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { emptyCustomerState } from '../../src/model/customer.ts'
import { compileRule, RuleSet, type RuleDocument } from '../../src/rules/index.ts'
import { isAnniversary, monthDayOf, nextOccurrence } from '../../src/rules/schedule.ts'
import { NEVER_DUE, ScheduleDue } from '../../src/stream/engine/schedules.ts'

function ruleSet(documents: RuleDocument[]): RuleSet {
  return new RuleSet(documents.map((document) => {
    const compiled = compileRule({ document })
    if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors))
    return compiled.rule
  }))
}

const schedule = (id: string, cron: string, anniversary?: string, timezone?: string): RuleDocument =>
  ({ id, name: id, triggers: [{ schedule: { cron, ...(anniversary ? { anniversary } : {}), ...(timezone ? { timezone } : {}) } }], actions: [{ nudge: { channel: 'email', template: 'birthday', topic: 'care' } }] }) as RuleDocument

const CRONS = ['0 9 * * *', '30 18 * * 1', '15 8 1 * *', '0 0 * * *', '30 2 * * *', '0 9 29 2 *', '45 23 * * 5']
const ZONES = [undefined, 'not/a-zone', 'UTC', 'Asia/Shanghai', 'America/Los_Angeles', 'Europe/Berlin', 'Asia/Kathmandu', 'America/Santiago', 'Pacific/Apia', 'Australia/Lord_Howe']
const effective = (tz: string | undefined) => (tz === undefined || tz === 'not/a-zone' ? 'UTC' : tz)

const monthDay = fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 31 })).map(([m, d]) => `${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`)
const birthday = fc.oneof(
  monthDay,
  monthDay.map((md) => `1990-${md}`),
  monthDay.map((md) => `--${md}`),
  fc.integer({ min: -2e12, max: 2e12 }),
  fc.constantFrom(undefined, '', 'soon', '1990-13-45', null),
)

/** As far as the due time looks for an anniversary on the cron's days. */
const HORIZON = 29 * 365 * 86_400_000

/** The first cron time after `after` at which the anniversary holds, by stepping through the occurrences. */
function firstFiring(cron: string, zone: string, value: unknown, after: number, steps: number): { at: number } | { none: number } {
  // nextOccurrence is checked against a walk over local minutes in test/rules/schedule-dst.test.ts.
  let t = after
  for (let i = 0; i < steps && t < after + HORIZON; i++) {
    t = nextOccurrence(cron, zone, t)
    if (isAnniversary(value, t, zone)) return { at: t }
  }
  return { none: t }
}

describe('the due time stored for scheduled care', () => {
  it('is the first cron time an anniversary from the state holds, in the shopper’s zone', () => {
    const due = new ScheduleDue()
    fc.assert(
      fc.property(
        fc.constantFrom(...CRONS),
        fc.constantFrom(...ZONES),
        birthday,
        fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2028, 11, 31) }),
        (cron, zone, value, after) => {
          const rules = ruleSet([schedule('greeting', cron, 'traits.birthday')])
          const state = { ...emptyCustomerState('c-1'), ...(zone ? { timezone: zone } : {}), traits: { birthday: value } }
          const next = due.next(rules, state, after)
          if (monthDayOf(value) === undefined) {
            expect(next).toBe(NEVER_DUE)
            return
          }
          const expected = firstFiring(cron, effective(zone), value, after, 1_600)
          if ('at' in expected) expect(next).toBe(expected.at)
          // Never, or an anniversary later than every occurrence stepped through (a weekday years away).
          else if (next !== NEVER_DUE) expect(next > expected.none && isAnniversary(value, next, effective(zone))).toBe(true)
        },
      ),
      { seed: 412, numRuns: 150 },
    )
    // Stepping the reference through up to 1,600 cron times a run: ≈ 15 s idle, ≈ 55 s at load 16.
  }, 240_000)

  it('is the next cron time without an anniversary, the earliest of several schedules, and never without schedules', () => {
    const due = new ScheduleDue()
    fc.assert(
      fc.property(fc.subarray(CRONS, { minLength: 1, maxLength: 3 }), fc.constantFrom(...ZONES), fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2028, 11, 31) }), (crons, zone, after) => {
        const rules = ruleSet(crons.map((cron, i) => schedule(`s${i}`, cron)))
        const state = { ...emptyCustomerState('c-2'), ...(zone ? { timezone: zone } : {}) }
        expect(due.next(rules, state, after)).toBe(Math.min(...crons.map((cron) => nextOccurrence(cron, effective(zone), after))))
      }),
      { seed: 413, numRuns: 150 },
    )
    expect(due.next(ruleSet([]), emptyCustomerState('c-3'), Date.UTC(2026, 0, 1))).toBe(NEVER_DUE)
  })

  it('reads a fixed zone, and is every cron time for an anniversary read from the event', () => {
    const due = new ScheduleDue()
    const after = Date.parse('2026-03-07T12:00:00Z')
    const state = { ...emptyCustomerState('c-4'), timezone: 'America/Los_Angeles', traits: { birthday: '03-20' } }
    expect(due.next(ruleSet([schedule('fixed', '0 9 * * *', 'traits.birthday', 'Asia/Shanghai')]), state, after)).toBe(Date.parse('2026-03-20T01:00:00Z'))
    expect(due.next(ruleSet([schedule('event-fact', '0 9 * * *', 'properties.local_date')]), state, after)).toBe(Date.parse('2026-03-07T17:00:00Z'))
  })

  it('steps across Lord Howe’s half-hour DST change, where cron-parser alone gives up', () => {
    // 09:00 on 5 April 2025 at UTC+11; clocks went back half an hour that night, so the next 09:00 is at UTC+10:30.
    const after = Date.parse('2025-04-04T22:00:00Z')
    expect(nextOccurrence('0 9 * * *', 'Australia/Lord_Howe', after)).toBe(Date.parse('2025-04-06T09:00:00+10:30'))
    const rules = ruleSet([schedule('greeting', '0 9 * * *', 'traits.birthday')])
    const state = { ...emptyCustomerState('c-5'), timezone: 'Australia/Lord_Howe', traits: { birthday: '1990-04-06' } }
    expect(new ScheduleDue().next(rules, state, after)).toBe(Date.parse('2025-04-06T09:00:00+10:30'))
    expect(new ScheduleDue().next(rules, { ...state, traits: { birthday: '05-01' } }, Date.UTC(2025, 0, 1))).toBe(Date.parse('2025-05-01T09:00:00+10:30'))
  })

  it('changes its fingerprint when the schedules change, not when other rules do', () => {
    const due = new ScheduleDue()
    const base = ruleSet([schedule('greeting', '0 9 * * *', 'traits.birthday')])
    const other = { id: 'other', name: 'other', triggers: [{ event: 'Order Completed' }], actions: [{ nudge: { channel: 'email', template: 'thanks', topic: 'care' } }] } as RuleDocument
    const withOther = ruleSet([schedule('greeting', '0 9 * * *', 'traits.birthday'), other])
    const moved = ruleSet([schedule('greeting', '0 10 * * *', 'traits.birthday')])
    expect(due.fingerprint(withOther)).toBe(due.fingerprint(base))
    expect(due.fingerprint(moved)).not.toBe(due.fingerprint(base))
  })
})
