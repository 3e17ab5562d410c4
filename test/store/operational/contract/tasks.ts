// Tasks: list order and filters, claim and resolve, exactly one winner under concurrency.
import { describe, expect, it } from 'vitest'
import { T0, MIN, taskRow, type ContractContext } from './fixtures.ts'

export function tasksContract({ freshStore, processes }: ContractContext): void {
  describe('tasks', () => {
    const store = freshStore()

    it('lists most urgent first, then nearest SLA, resolved last; filters by queue, status and customer', async () => {
      const { tasks } = store()
      await tasks.insert([
        taskRow('l-low', { queue: 'list', priorityRank: 1, slaDueAt: T0 }),
        taskRow('l-high-late', { queue: 'list', priorityRank: 3, slaDueAt: T0 + 60 * MIN }),
        taskRow('l-high-soon', { queue: 'list', priorityRank: 3, slaDueAt: T0 + 10 * MIN, customerId: 'c-9' }),
        taskRow('l-high-soon-b', { queue: 'list', priorityRank: 3, slaDueAt: T0 + 10 * MIN }),
        taskRow('l-urgent-done', { queue: 'list', priorityRank: 4, slaDueAt: T0 }),
        taskRow('other-queue', { queue: 'sales', priorityRank: 4 }),
      ])
      await tasks.resolve('l-urgent-done', 'admin', 'not_needed', undefined, T0, true)
      const ids = async (filter: Parameters<typeof tasks.list>[0]) => (await tasks.list(filter)).map((t) => t.id)
      expect(await ids({ queue: 'list' })).toEqual(['l-high-soon', 'l-high-soon-b', 'l-high-late', 'l-low', 'l-urgent-done'])
      expect(await ids({ queue: 'list', status: 'open' })).toEqual(['l-high-soon', 'l-high-soon-b', 'l-high-late', 'l-low'])
      expect(await ids({ queue: 'list', status: 'resolved' })).toEqual(['l-urgent-done'])
      expect(await ids({ queue: 'list', customerId: 'c-9' })).toEqual(['l-high-soon'])
      expect(await ids({ queue: 'list', limit: 2 })).toEqual(['l-high-soon', 'l-high-soon-b'])
      expect(await ids({ queue: 'nobody' })).toEqual([])
      expect((await tasks.list()).map((t) => t.id)).toContain('other-queue')
      const task = await tasks.get('l-low')
      const { idempotencyKey: _key, ...inserted } = taskRow('l-low', { queue: 'list', priorityRank: 1, slaDueAt: T0 })
      expect(task).toEqual({
        ...inserted,
        status: 'open',
        updatedAt: T0,
        claimedBy: null,
        claimedAt: null,
        resolvedBy: null,
        resolvedAt: null,
        outcome: null,
        note: null,
        availableAt: T0,
        snoozedUntil: null,
        slaWarnedAt: null,
        escalatedAt: null,
        escalatedFrom: null,
        firstContactAt: null,
        skills: [],
        language: null,
        fallback: null,
      })
    })

    it('claim: the first claimer wins, later claims see not_open, unknown ids not_found', async () => {
      const { tasks } = store()
      await tasks.insert([taskRow('c-task')])
      const won = await tasks.claim('c-task', 'ana', T0 + MIN)
      expect(won).toMatchObject({ ok: true, task: { status: 'claimed', claimedBy: 'ana', claimedAt: T0 + MIN, updatedAt: T0 + MIN } })
      expect(await tasks.claim('c-task', 'ben', T0 + 2 * MIN)).toMatchObject({ ok: false, reason: 'not_open', task: { claimedBy: 'ana' } })
      expect(await tasks.claim('c-task', 'ana', T0 + 2 * MIN)).toMatchObject({ ok: false, reason: 'not_open' })
      expect(await tasks.claim('no-such-task', 'ana', T0)).toEqual({ ok: false, reason: 'not_found' })
    })

    it('exactly one of 20 concurrent claims wins (claimers spread over separate engine processes)', async () => {
      const s = store()
      const taskIds = ['race-1', 'race-2', 'race-3', 'race-4', 'race-5']
      await s.tasks.insert(taskIds.map((id) => taskRow(id, { queue: 'race' })))
      const { stores, close } = await processes(s, 2)
      try {
        for (const id of taskIds) {
          const results = await Promise.all(Array.from({ length: 20 }, (_, i) => stores[i % stores.length]!.tasks.claim(id, `agent-${i}`, T0 + i)))
          const winners = results.filter((r) => r.ok)
          expect(winners).toHaveLength(1)
          const winner = winners[0]!.task!.claimedBy
          for (const r of results.filter((r) => !r.ok)) expect(r).toMatchObject({ ok: false, reason: 'not_open', task: { claimedBy: winner } })
          expect((await s.tasks.get(id))?.claimedBy).toBe(winner)
        }
      } finally {
        await close()
      }
    })

    it('resolve: only the claimer may, admins may override, a resolved task stays resolved', async () => {
      const { tasks } = store()
      await tasks.insert([taskRow('r-1'), taskRow('r-2'), taskRow('r-3')])
      expect(await tasks.resolve('r-1', 'ana', 'resolved', 'n', T0, false)).toMatchObject({ ok: false, reason: 'not_claimed_by_you', task: { status: 'open' } })
      await tasks.claim('r-1', 'ana', T0)
      expect(await tasks.resolve('r-1', 'ben', 'resolved', 'n', T0, false)).toMatchObject({ ok: false, reason: 'not_claimed_by_you', task: { claimedBy: 'ana' } })
      const done = await tasks.resolve('r-1', 'ana', 'compensated', 'voucher 10 € sent — 谢谢', T0 + 5 * MIN)
      expect(done).toMatchObject({ ok: true, task: { status: 'resolved', resolvedBy: 'ana', resolvedAt: T0 + 5 * MIN, outcome: 'compensated', note: 'voucher 10 € sent — 谢谢' } })
      expect(await tasks.resolve('r-1', 'ana', 'resolved', undefined, T0 + 6 * MIN)).toMatchObject({ ok: false, reason: 'already_resolved', task: { outcome: 'compensated' } })
      expect(await tasks.resolve('r-1', 'root', 'resolved', undefined, T0 + 6 * MIN, true)).toMatchObject({ ok: false, reason: 'already_resolved' })
      // Admin override: an open task, and a task someone else holds.
      expect(await tasks.resolve('r-2', 'root', 'not_needed', undefined, T0, true)).toMatchObject({ ok: true, task: { resolvedBy: 'root', note: null, claimedBy: null } })
      await tasks.claim('r-3', 'ana', T0)
      expect(await tasks.resolve('r-3', 'root', 'should_be_automated', 'x', T0, true)).toMatchObject({ ok: true, task: { resolvedBy: 'root', claimedBy: 'ana' } })
      expect(await tasks.resolve('nope', 'ana', 'resolved', undefined, T0)).toEqual({ ok: false, reason: 'not_found' })
      expect(await tasks.claim('r-2', 'ana', T0)).toMatchObject({ ok: false, reason: 'not_open' })
    })

    it('concurrent resolves of one claimed task: exactly one wins', async () => {
      const s = store()
      await s.tasks.insert([taskRow('rr')])
      await s.tasks.claim('rr', 'ana', T0)
      const { stores, close } = await processes(s, 2)
      try {
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) => stores[i % 2]!.tasks.resolve('rr', i % 2 === 0 ? 'ana' : `admin-${i}`, 'resolved', `try ${i}`, T0 + i, i % 2 === 1)),
        )
        expect(results.filter((r) => r.ok)).toHaveLength(1)
        for (const r of results.filter((r) => !r.ok)) expect(r).toMatchObject({ reason: 'already_resolved' })
      } finally {
        await close()
      }
    })
  })
}
