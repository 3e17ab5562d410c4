// The SLA job's store: which waiting tasks to warn or escalate, and conditional updates that warn
// and escalate each task exactly once, however many job runs race.
import { describe, expect, it } from 'vitest'
import type { FallbackNudge } from '../../../../src/model/outbox.ts'
import { TaskEscalationStore } from '../../../../src/store/operational/TaskEscalationStore.ts'
import { FALLBACK_PAYLOAD, MIN, T0, taskRow, type ContractContext } from './fixtures.ts'

const WARN_BEFORE = 15 * MIN
const URGENT = 40

export function escalationContract({ freshStore, processes }: ContractContext): void {
  describe('task escalation', () => {
    const store = freshStore()
    const escalation = () => new TaskEscalationStore(store().db)

    it('candidates: waiting tasks past their SLA or due within the warning window and not yet warned, nearest SLA first, paged', async () => {
      const { tasks } = store()
      const q = (id: string, slaDueAt: number, over: Parameters<typeof taskRow>[1] = {}) => taskRow(id, { queue: 'cq', slaDueAt, ...over })
      await tasks.insert([
        q('c-past', T0 - 10 * MIN),
        q('c-soon-b', T0 + 5 * MIN),
        q('c-soon-a', T0 + 5 * MIN),
        q('c-edge', T0 + WARN_BEFORE),
        q('c-far', T0 + WARN_BEFORE + 1),
        q('c-claimed', T0 - 10 * MIN),
        q('c-resolved', T0 - 10 * MIN),
        q('c-upcoming', T0 - 10 * MIN, { availableAt: T0 + 1 }),
      ])
      await tasks.claim('c-claimed', 'ana', T0)
      await tasks.snooze('c-claimed', 'ana', T0 - 1, T0, false)
      await tasks.resolve('c-resolved', 'root', 'not_needed', undefined, T0, true)
      const store_ = escalation()
      const all = await store_.candidates(T0, WARN_BEFORE, 100)
      expect(all.map((c) => c.id)).toEqual(['c-past', 'c-soon-a', 'c-soon-b', 'c-edge'])
      expect(all[0]).toEqual({ id: 'c-past', customerId: 'c-1', queue: 'cq', priority: 'normal', slaDueAt: T0 - 10 * MIN, availableAt: T0, warnedAt: null, escalatedAt: null })
      const page1 = await store_.candidates(T0, WARN_BEFORE, 2)
      expect(page1.map((c) => c.id)).toEqual(['c-past', 'c-soon-a'])
      const last = page1[1]!
      expect((await store_.candidates(T0, WARN_BEFORE, 2, { slaDueAt: last.slaDueAt, id: last.id })).map((c) => c.id)).toEqual(['c-soon-b', 'c-edge'])
      expect(await store_.candidates(T0, WARN_BEFORE, 2, { slaDueAt: T0 + WARN_BEFORE, id: 'c-edge' })).toEqual([])
      // Once available, a queued task is a candidate too.
      expect((await store_.candidates(T0 + 1, WARN_BEFORE, 100)).map((c) => c.id)).toContain('c-upcoming')
    })

    it('warn raises the priority once, only from the priority read, only while waiting; a warned task comes back only when breached', async () => {
      const s = store()
      await s.tasks.insert([taskRow('w-1', { queue: 'wq', slaDueAt: T0 + 5 * MIN }), taskRow('w-held', { queue: 'wq', slaDueAt: T0 + 5 * MIN })])
      await s.tasks.claim('w-held', 'ana', T0)
      const e = escalation()
      expect(await e.warn('w-1', T0, 'high', 'urgent', URGENT)).toBe(false) // read 'normal', not 'high'
      expect(await e.warn('w-held', T0, 'normal', 'high', 30)).toBe(false)
      expect(await e.warn('nope', T0, 'normal', 'high', 30)).toBe(false)
      expect(await e.warn('w-1', T0, 'normal', 'high', 30)).toBe(true)
      expect(await e.warn('w-1', T0 + 1, 'high', 'urgent', URGENT)).toBe(false)
      expect(await s.tasks.get('w-1')).toMatchObject({ priority: 'high', priorityRank: 30, slaWarnedAt: T0, updatedAt: T0, status: 'open', queue: 'wq' })
      const ids = async (now: number) => (await e.candidates(now, WARN_BEFORE, 100)).filter((c) => c.id.startsWith('w-')).map((c) => c.id)
      expect(await ids(T0 + MIN)).toEqual([])
      expect(await ids(T0 + 5 * MIN)).toEqual([])
      expect(await e.candidates(T0 + 5 * MIN + 1, WARN_BEFORE, 100)).toContainEqual(expect.objectContaining({ id: 'w-1', warnedAt: T0, priority: 'high' }))
    })

    it('escalate moves a breached waiting task to the supervisor queue as urgent, once; never before the SLA or from another queue', async () => {
      const s = store()
      const fallback: FallbackNudge = { channel: 'email', template: 'sorry-for-the-wait', topic: 'care', payload: { ...FALLBACK_PAYLOAD, to: { email: 'ana@example.com' }, vars: { ...FALLBACK_PAYLOAD.vars, customer: { id: 'c-1', locale: 'en', traits: { n: 'größer' } } } } }
      await s.tasks.insert([
        taskRow('x-1', { queue: 'xq', slaDueAt: T0, ruleId: 'delayed-shipment', ruleVersion: 3, fallback }),
        taskRow('x-plain', { queue: 'xq', slaDueAt: T0 }),
        taskRow('x-held', { queue: 'xq', slaDueAt: T0 }),
      ])
      await s.tasks.claim('x-held', 'ana', T0)
      const e = escalation()
      expect(await e.escalate('x-1', T0, 'xq', 'sup', URGENT)).toBeUndefined() // due now is not past due
      expect(await e.escalate('x-1', T0 + 1, 'other', 'sup', URGENT)).toBeUndefined()
      expect(await e.escalate('x-held', T0 + 1, 'xq', 'sup', URGENT)).toBeUndefined()
      expect(await e.escalate('nope', T0 + 1, 'xq', 'sup', URGENT)).toBeUndefined()
      expect(await e.escalate('x-1', T0 + 1, 'xq', 'sup', URGENT)).toEqual({
        id: 'x-1', customerId: 'c-1', fromQueue: 'xq', queue: 'sup', slaDueAt: T0, ruleId: 'delayed-shipment', ruleVersion: 3, fallback,
      })
      expect(await e.escalate('x-1', T0 + 2, 'sup', 'sup2', URGENT)).toBeUndefined()
      expect(await s.tasks.get('x-1')).toMatchObject({ status: 'open', queue: 'sup', escalatedFrom: 'xq', escalatedAt: T0 + 1, priority: 'urgent', priorityRank: URGENT, updatedAt: T0 + 1 })
      expect(await e.escalate('x-plain', T0 + 1, 'xq', 'sup', URGENT)).toMatchObject({ id: 'x-plain', fallback: null })
      // Escalated tasks are no candidates any more.
      expect((await e.candidates(T0 + 60 * MIN, WARN_BEFORE, 100)).map((c) => c.id).filter((id) => id.startsWith('x-'))).toEqual([])
    })

    it('warn and escalate inside a rolled-back transaction change nothing', async () => {
      const s = store()
      await s.tasks.insert([taskRow('tx-1', { queue: 'tq', slaDueAt: T0 })])
      const e = escalation()
      await expect(
        s.db.transaction(async (tx) => {
          expect(await e.warn('tx-1', T0, 'normal', 'high', 30, tx)).toBe(true)
          expect(await e.escalate('tx-1', T0 + 1, 'tq', 'sup', URGENT, tx)).toMatchObject({ id: 'tx-1' })
          throw new Error('history write failed')
        }),
      ).rejects.toThrow('history write failed')
      expect(await s.tasks.get('tx-1')).toMatchObject({ queue: 'tq', priority: 'normal', slaWarnedAt: null, escalatedAt: null })
    })

    it('job runs racing from several processes warn and escalate each task exactly once', async () => {
      const s = store()
      await s.tasks.insert(Array.from({ length: 6 }, (_, i) => taskRow(`race-${i}`, { queue: 'rq', slaDueAt: i % 2 === 0 ? T0 - MIN : T0 + MIN })))
      const { stores, close } = await processes(s, 3)
      try {
        const runs = stores.flatMap((p) => [p, p]).map((p) => new TaskEscalationStore(p.db))
        const ids = Array.from({ length: 6 }, (_, i) => `race-${i}`)
        const warned = await Promise.all(runs.flatMap((run) => ids.filter((_, i) => i % 2 === 1).map((id) => run.warn(id, T0, 'normal', 'high', 30))))
        expect(warned.filter(Boolean)).toHaveLength(3)
        const escalated = await Promise.all(runs.flatMap((run) => ids.filter((_, i) => i % 2 === 0).map((id) => run.escalate(id, T0, 'rq', 'sup', URGENT))))
        expect(escalated.filter((x) => x !== undefined).map((x) => x.id).sort()).toEqual(['race-0', 'race-2', 'race-4'])
      } finally {
        await close()
      }
    })
  })
}
