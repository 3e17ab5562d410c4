// The analytics queries on each backend: exact numbers on a small history (analyticsFixture.ts),
// replays folded, empty buckets present, window edges, and the SQL stable hash matching the engine's.
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stableHash } from '../../../src/lib/hash.ts'
import { stableHashSql } from '../../../src/store/history/analytics.ts'
import type { ClickHouseHistoryStore } from '../../../src/store/history/ClickHouseHistoryStore.ts'
import { quoteString } from '../../../src/store/history/escape.ts'
import type { QueryBackend } from './backend.ts'
import { T0 } from './fixtures.ts'
import {
  DAY,
  HOUR,
  WINDOW,
  analyticsBatch,
  expectedFunnel,
  expectedMomentOverview,
  expectedMomentProblems,
  expectedOverview,
  expectedSla,
  expectedSuppressions,
} from './analyticsFixture.ts'

export function analyticsContract(name: string, open: () => Promise<QueryBackend>): void {
  describe(`history analytics: ${name}`, () => {
    let backend: QueryBackend
    let store: ClickHouseHistoryStore
    beforeAll(async () => {
      backend = await open()
      store = backend.store
      const batch = analyticsBatch()
      await store.append(batch)
      await store.append(batch) // a replayed batch changes nothing
    })
    afterAll(async () => {
      await backend?.close()
    })

    it('overview: every bucket with its counts, totals and the median first contact', async () => {
      expect(await store.overview(WINDOW.from, WINDOW.to, WINDOW.bucketMs)).toEqual(expectedOverview)
    })

    it('overview on the moment basis: messages and tasks follow the moment their decision noticed', async () => {
      expect(await store.overview(WINDOW.from, WINDOW.to, WINDOW.bucketMs, 'moment')).toEqual(expectedMomentOverview)
      // The moment basis adds up per rule like the funnel: its planned and sent are the funnel's sums.
      const funnel = await store.funnel(WINDOW.from, WINDOW.to)
      expect(expectedMomentOverview.totals.planned).toBe(funnel.reduce((n, r) => n + r.planned, 0))
    })

    it('moment problems: skipped, failed and dead messages of the window’s moments per rule and reason', async () => {
      expect(await store.momentProblems(WINDOW.from, WINDOW.to)).toEqual(expectedMomentProblems)
    })

    it('overview: empty buckets are present as zeros; a partial last bucket starts on the grid', async () => {
      const later = await store.overview(T0 + DAY, T0 + DAY + 5 * HOUR + 1, HOUR)
      expect(later.buckets.map((b) => b.t)).toEqual([0, 1, 2, 3, 4, 5].map((i) => T0 + DAY + i * HOUR))
      expect(later.buckets.every((b) => Object.entries(b).every(([k, v]) => k === 't' || v === 0))).toBe(true)
      expect(later.totals).toMatchObject({ signals: 0, sent: 0, medianFirstContactMs: null })
      // One bucket for the whole window: the per-bucket counts are the totals.
      const one = await store.overview(WINDOW.from, WINDOW.to, WINDOW.to - WINDOW.from)
      const { medianFirstContactMs: _median, ...totals } = expectedOverview.totals
      expect(one.buckets).toEqual([{ t: WINDOW.from, ...totals }])
    })

    it('funnel: per rule from signals to sends, opens, clicks, tasks and outcomes', async () => {
      expect(await store.funnel(WINDOW.from, WINDOW.to)).toEqual(expectedFunnel)
    })

    it('suppressions: by guard and by reason, per rule, unattributed messages under null', async () => {
      expect(await store.suppressionReasons(WINDOW.from, WINDOW.to)).toEqual(expectedSuppressions)
    })

    it('sla: per queue of creation, breaches, median and p90 to first claim and contact', async () => {
      expect(await store.agentSla(WINDOW.from, WINDOW.to)).toEqual(expectedSla)
    })

    it('counts the rows of [from, to) only', async () => {
      // The first hour alone: s1 and s4, and the talk task; the rows at T0 - 1 and at `to` stay out.
      const [funnel, sla] = await Promise.all([store.funnel(T0, T0 + HOUR), store.agentSla(T0, T0 + HOUR)])
      expect(funnel.map((r) => [r.ruleId, r.signals, r.planned, r.sent])).toEqual([['r-nudge', 1, 1, 1], ['r-task', 1, 1, 1]])
      expect(sla.map((q) => [q.queue, q.tasks])).toEqual([['care', 1], ['talk', 1]])
      expect((await store.funnel(WINDOW.to, WINDOW.to + 1)).map((r) => [r.ruleId, r.signals])).toEqual([['r-nudge', 1]])
      expect(await store.funnel(T0 + 10 * DAY, T0 + 11 * DAY)).toEqual([])
      expect(await store.agentSla(T0 + 10 * DAY, T0 + 11 * DAY)).toEqual([])
      expect((await store.suppressionReasons(T0 + 10 * DAY, T0 + 11 * DAY)).rules).toEqual([])
    })

    it('rejects windows and buckets it cannot answer', async () => {
      await expect(store.overview(T0, T0, HOUR)).rejects.toThrow(RangeError)
      await expect(store.overview(T0, T0 + HOUR, 0)).rejects.toThrow(RangeError)
      await expect(store.overview(T0, T0 + 365 * DAY, 1000)).rejects.toThrow(/buckets/)
      await expect(store.funnel(Number.NaN, T0)).rejects.toThrow(RangeError)
      await expect(store.agentSla(-1, T0)).rejects.toThrow(RangeError)
      await expect(store.suppressionReasons(T0 + 0.5, T0 + 1)).rejects.toThrow(RangeError)
    })

    it('hashes in SQL exactly like stableHash, which links decisions to messages and tasks', async () => {
      await fc.assert(
        fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 60 }), async (text) => {
          const [row] = await backend.query(`SELECT ${stableHashSql(quoteString(text))} AS h`)
          expect(row?.['h']).toBe(stableHash(text))
        }),
        { numRuns: 40 },
      )
    })
  })
}
