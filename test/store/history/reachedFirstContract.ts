// The reached-first queries on each backend: on generated histories (fast-check), every inbound
// contact's row (reached first by which rule and channel, or why not) and every proactive
// message's follow-ups equal what the generator computed from its cases; replays change nothing.
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClickHouseHistoryStore } from '../../../src/store/history/ClickHouseHistoryStore.ts'
import { reachedFirstReport } from '../../../src/analytics/reachedFirst.ts'
import { sqlNumber } from '../../../src/store/history/analytics.ts'
import { reachedFirstDailyQuery, reachedFirstScope } from '../../../src/store/history/reachedFirstSql.ts'
import type { QueryBackend } from './backend.ts'
import { T0 } from './fixtures.ts'
import { FOLLOW_MS, INBOUND, PROBLEMS, caseArb, generate } from './reachedFirstFixture.ts'

const DAY = 86_400_000
const OPTIONS = { inbound: INBOUND, problems: PROBLEMS, followMs: FOLLOW_MS }

export function reachedFirstContract(name: string, open: () => Promise<QueryBackend>, runs: number): void {
  describe(`reached first: ${name}`, () => {
    let backend: QueryBackend
    let store: ClickHouseHistoryStore
    beforeAll(async () => {
      backend = await open()
      store = backend.store
    })
    afterAll(async () => {
      await backend?.close()
    })

    it('every contact and message of a generated history, exactly', async () => {
      let run = 0
      // Each run has its own customers and its own 80 days, far apart from the other runs' windows.
      await fc.assert(
        fc.asyncProperty(fc.array(caseArb, { minLength: 1, maxLength: 40 }), async (cases) => {
          run++
          const g = generate(cases, T0 + run * 80 * DAY, `${name.length}r${run}-`)
          await store.append(g.batch)
          await store.append(g.batch)
          const rows = await store.reachedFirstRows(g.from, g.to, OPTIONS)
          expect(rows.contacts).toEqual(g.contacts)
          expect(rows.messages).toEqual(g.messages)
        }),
        { numRuns: runs, seed: 1717, endOnFailure: true },
      )
    })

    it('every outcome occurs in a fixed large history (the generator covers each branch)', async () => {
      const cases = fc.sample(fc.array(caseArb, { minLength: 300, maxLength: 300 }), { numRuns: 1, seed: 42 })[0] ?? []
      const g = generate(cases, T0 - 400 * DAY, `${name.length}big-`)
      await store.append(g.batch)
      const rows = await store.reachedFirstRows(g.from, g.to, OPTIONS)
      expect(rows).toEqual({ contacts: g.contacts, messages: g.messages })
      const outcomes = new Set(rows.contacts.map((c) => c.outcome))
      expect([...outcomes].sort()).toEqual(['held', 'no_rule', 'reached', 'sent_after', 'too_late'])
      expect(new Set(rows.contacts.map((c) => c.kind))).toEqual(new Set(['Complaint Filed', 'Ticket Created', 'talk to a person', 'agent contact']))
      expect(rows.messages.some((m) => m.followups === 0) && rows.messages.some((m) => m.followups > 0)).toBe(true)

      // The Grafana panel's daily query: every day of the window, the same counts as the report's days.
      const scope = reachedFirstScope({ database: store.database, from: sqlNumber(g.from), to: sqlNumber(g.to) }, OPTIONS)
      const daily = await backend.query(reachedFirstDailyQuery(scope))
      const report = reachedFirstReport(g, g, new Map())
      const counts = (d: { contacts: number; reachedFirst: number; misses: Record<string, number> }) => [d.contacts, d.reachedFirst, d.misses['sent_after'], d.misses['held'], d.misses['too_late'], d.misses['no_rule']]
      expect(daily.map((r) => [Number(r['t']), ...['contacts', 'reached_first', 'sent_after', 'held', 'too_late', 'no_rule'].map((k) => Number(r[k]))])).toEqual(
        report.days.map((d) => [d.t, ...counts(d)]),
      )
      expect(daily.filter((r) => Number(r['contacts']) === 0).every((r) => r['share'] === null)).toBe(true)
    })

    it('rejects an empty inbound list and a bad window', async () => {
      await expect(store.reachedFirstRows(T0, T0 + DAY, { ...OPTIONS, inbound: [] })).rejects.toThrow(RangeError)
      await expect(store.reachedFirstRows(T0 + DAY, T0, OPTIONS)).rejects.toThrow(RangeError)
      await expect(store.reachedFirstRows(T0, T0 + DAY, { ...OPTIONS, followMs: -1 })).rejects.toThrow(RangeError)
    })

    it('names with quotes and NUL are values, not SQL', async () => {
      const rows = await store.reachedFirstRows(T0, T0 + DAY, { ...OPTIONS, inbound: ["it's\\", 'a\u0000b', '\ud800'], problems: ["'); DROP"] })
      expect(rows).toEqual({ contacts: [], messages: [] })
    })
  })
}
