// A scheduled moment is decided once per trigger and local date. A shopper whose time zone changes
// after a greeting (Shanghai at 09:00, then New York, where 09:00 of the same date comes round
// again 13 hours later) is not decided on again: that repeated decision re-wrote the history row
// of a message sent hours before. Marks survive the stored state, merge to the later date, and
// never hold back a moment of another date.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { emptyCustomerState, reviveState, type CustomerState } from '../../src/model/customer.ts'
import { compileRule, RuleSet, type RuleDocument } from '../../src/rules/index.ts'
import { markScheduled, scheduledMoments } from '../../src/stream/engine/schedules.ts'
import { foldProfile } from '../../src/stream/state/merge.ts'

const seed = process.env.CARELOOP_FUZZ_SEED === undefined ? undefined : Number(process.env.CARELOOP_FUZZ_SEED)
const numRuns = Number(process.env.CARELOOP_FUZZ_RUNS ?? 100)

const document = (id: string, cron: string, timezone?: string): RuleDocument =>
  ({ id, name: id, triggers: [{ schedule: { cron, ...(timezone ? { timezone } : {}) } }], actions: [{ nudge: { channel: 'email', template: 'birthday', topic: 'care' } }] }) as RuleDocument

const rules = new RuleSet(
  [document('daily-nine', '0 9 * * *'), document('half-past-six', '30 18 * * *'), document('fixed-berlin', '0 9 * * *', 'Europe/Berlin')].map((d) => {
    const compiled = compileRule({ document: d })
    if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors))
    return compiled.rule
  }),
)

const ZONES = ['Asia/Shanghai', 'America/New_York', 'Pacific/Kiritimati', 'Pacific/Honolulu', 'Asia/Kathmandu', 'America/Santiago', 'Europe/London', 'not/a-zone']
const START = Date.UTC(2026, 2, 5, 12)
const MINUTE = 60_000

const steps = fc.array(fc.record({ minutes: fc.integer({ min: 1, max: 40 * 60 }), zone: fc.option(fc.constantFrom(...ZONES), { nil: undefined }) }), { minLength: 1, maxLength: 40 })

/** Sweeps one shopper over the steps (the state stored and read back between sweeps); the moments' ids in order. */
function sweepAll(first: string, plan: Array<{ minutes: number; zone: string | undefined }>, mark: boolean): string[] {
  let state: CustomerState = emptyCustomerState('c1')
  state.timezone = first
  let now = START
  const ids: string[] = []
  for (const { minutes, zone } of plan) {
    const after = now
    now += minutes * MINUTE
    if (zone !== undefined) state.timezone = zone
    for (const { moment, mark: m } of scheduledMoments(rules, state, after, now)) {
      ids.push(`${moment.rule.id}:${moment.trigger.id}`)
      if (mark) markScheduled(state, m, now)
    }
    state = reviveState(JSON.parse(JSON.stringify(state)))
  }
  return ids
}

describe('scheduled moments', () => {
  it('are decided once per trigger and local date, however the time zone changes between sweeps', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), steps, (first, plan) => {
        const ids = sweepAll(first, plan, true)
        expect(ids.length).toBe(new Set(ids).size)
      }),
      { numRuns, ...(seed === undefined ? {} : { seed }) },
    )
  })

  it('without a change of zone, are the same with marks as without', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), steps, (zone, plan) => {
        const still = plan.map((s) => ({ ...s, zone: undefined }))
        expect(sweepAll(zone, still, true)).toEqual(sweepAll(zone, still, false))
      }),
      { numRuns, ...(seed === undefined ? {} : { seed }) },
    )
  })

  it('come round again in a new zone on the same date only when unmarked (the case marks exist for)', () => {
    const plan = [{ minutes: 13 * 60, zone: undefined }, { minutes: 14 * 60, zone: 'America/New_York' }]
    // 5 March 12:00 UTC → 01:00 on 6 March (09:00 in Shanghai) → 15:00 (10:00 in New York).
    expect(sweepAll('Asia/Shanghai', plan, false).filter((id) => id.startsWith('daily-nine:'))).toEqual(['daily-nine:0@2026-03-06', 'daily-nine:0@2026-03-06'])
    expect(sweepAll('Asia/Shanghai', plan, true).filter((id) => id.startsWith('daily-nine:'))).toEqual(['daily-nine:0@2026-03-06'])
  })

  it('merge from an anonymous profile to the later date per trigger, keys of any name', () => {
    const marks = fc.dictionary(fc.oneof(fc.constantFrom('__proto__', 'constructor', 'daily-nine|0'), fc.string()), fc.constantFrom('2026-03-05', '2026-03-06', '2026-03-07'))
    fc.assert(
      fc.property(marks, marks, (mine, theirs) => {
        const into = reviveState({ customerId: 'known', scheduled: mine })
        const from = reviveState({ customerId: 'anon', scheduled: theirs })
        foldProfile(into, from, 'anon')
        const keys = new Set([...Object.keys(mine), ...Object.keys(theirs)])
        for (const key of keys) {
          const dates = [mine, theirs].filter((m) => Object.hasOwn(m, key)).map((m) => m[key] as string)
          expect(Object.hasOwn(into.scheduled ?? {}, key) ? into.scheduled?.[key] : undefined).toBe(dates.sort().at(-1))
        }
        expect(Object.keys(into.scheduled ?? {}).length).toBe(keys.size)
      }),
      { numRuns, ...(seed === undefined ? {} : { seed }) },
    )
  })
})
