// The scheduled-care sweep reads only customers in time zones where a cron minute came round:
// dueZones agrees with asking every customer's own zone, for generated zones and times.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compileRule, RuleSet, type RuleDocument } from '../../src/rules/index.ts'
import { latestOccurrence } from '../../src/rules/schedule.ts'
import { dueZones } from '../../src/stream/engine/schedules.ts'

function ruleSet(documents: RuleDocument[]): RuleSet {
  return new RuleSet(documents.map((document) => {
    const compiled = compileRule({ document })
    if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors))
    return compiled.rule
  }))
}

const schedule = (id: string, cron: string, timezone?: string): RuleDocument =>
  ({ id, name: id, triggers: [{ schedule: { cron, ...(timezone ? { timezone } : {}) } }], actions: [{ nudge: { channel: 'email', template: 'birthday', topic: 'care' } }] }) as RuleDocument

const ZONES = ['', 'not/a-zone', 'UTC', 'Asia/Shanghai', 'Asia/Kolkata', 'America/Los_Angeles', 'Europe/Berlin', 'Australia/Adelaide', 'Asia/Kathmandu']
const effective = (tz: string) => (['', 'not/a-zone'].includes(tz) ? 'UTC' : tz)

describe('dueZones', () => {
  it('keeps exactly the stored zones where some schedule came round in (after, now]', () => {
    const rules = ruleSet([schedule('nine', '0 9 * * *'), schedule('quarter-past', '15 18 * * 1')])
    fc.assert(
      fc.property(
        fc.subarray(ZONES),
        fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 0, 1) }),
        fc.integer({ min: 1, max: 90 * 60_000 }),
        (stored, now, span) => {
          const after = now - span
          const expected = stored.filter((tz) => rules.schedules.some(({ trigger }) => latestOccurrence(trigger.cron, effective(tz), after, now) !== undefined))
          expect(dueZones(rules, stored, after, now)).toEqual(expected)
        },
      ),
      { seed: 1204, numRuns: 300 },
    )
  })

  it('is undefined (everyone) when a trigger with its own zone is due, and empty when nothing is', () => {
    const fixed = ruleSet([schedule('fixed', '0 9 * * *', 'Asia/Shanghai')])
    const nineInShanghai = Date.parse('2026-03-08T01:00:00Z')
    expect(dueZones(fixed, ['', 'Europe/Berlin'], nineInShanghai - 60_000, nineInShanghai)).toBeUndefined()
    expect(dueZones(fixed, ['', 'Europe/Berlin'], nineInShanghai, nineInShanghai + 60_000)).toEqual([])
  })
})
