// The work list beyond claim and resolve: availability and snooze, claim-next by scope and skills,
// release, reassign, first contact; and the stores beside it (notes, surveys, feedback).
import { describe, expect, it } from 'vitest'
import type { TaskInsert } from '../../../../src/store/operational/TaskStore.ts'
import { FALLBACK_PAYLOAD, MIN, T0, taskRow, type ContractContext } from './fixtures.ts'

const task = (id: string, over: Partial<TaskInsert> = {}): TaskInsert =>
  taskRow(id, { priorityRank: 20, title: `task ${id}`, ruleId: 'r-1', signal: {}, context: { customer: { id: 'c-1', traits: { email: 'c1@example.com' } } }, ...over })

export function workListContract({ freshStore, processes }: ContractContext): void {
  describe('work list', () => {
    const store = freshStore()

    it('maps the work-list columns and defaults them', async () => {
      const { tasks } = store()
      await tasks.insert([task('m-1', { availableAt: T0 + MIN, skills: ['lang:zh'], language: 'zh-CN', fallback: { channel: 'email', template: 'long-dwell', topic: 'care', payload: FALLBACK_PAYLOAD } }), task('m-2')])
      expect(await tasks.get('m-1')).toMatchObject({
        availableAt: T0 + MIN, skills: ['lang:zh'], language: 'zh-CN', fallback: { template: 'long-dwell' },
        snoozedUntil: null, slaWarnedAt: null, escalatedAt: null, escalatedFrom: null, firstContactAt: null,
      })
      expect(await tasks.get('m-2')).toMatchObject({ availableAt: T0, skills: [], language: null, fallback: null })
    })

    it('lists by queues and holder, hiding upcoming and snoozed tasks unless asked', async () => {
      const { tasks } = store()
      await tasks.insert([
        task('l-now', { queue: 'lq' }),
        task('l-later', { queue: 'lq', availableAt: T0 + 30 * MIN, priorityRank: 40 }),
        task('l-snoozed', { queue: 'lq2', priorityRank: 30 }),
      ])
      await tasks.claim('l-snoozed', 'ana', T0)
      expect((await tasks.snooze('l-snoozed', 'ana', T0 + 10 * MIN, T0, false)).ok).toBe(true)
      const ids = async (f: Parameters<typeof tasks.list>[0]) => (await tasks.list(f)).map((t) => t.id)
      expect(await ids({ queues: ['lq', 'lq2'], now: T0 })).toEqual(['l-now'])
      expect(await ids({ queues: ['lq', 'lq2'], now: T0, include: { upcoming: true, snoozed: true } })).toEqual(['l-later', 'l-snoozed', 'l-now'])
      expect(await ids({ queues: ['lq', 'lq2'], now: T0 + 10 * MIN })).toEqual(['l-snoozed', 'l-now'])
      expect(await ids({ queues: ['lq', 'lq2'], now: T0 + 30 * MIN })).toEqual(['l-later', 'l-snoozed', 'l-now'])
      expect(await ids({ claimedBy: 'ana', now: T0 + 10 * MIN })).toEqual(['l-snoozed'])
      // Without `now` nothing is hidden.
      expect(await ids({ queues: ['lq'] })).toEqual(['l-later', 'l-now'])
    })

    it('claim-next: most urgent available task in scope whose skills the agent has', async () => {
      const { tasks } = store()
      await tasks.insert([
        task('n-zh', { queue: 'nq', priorityRank: 40, skills: ['lang:zh'] }),
        task('n-high', { queue: 'nq', priorityRank: 30, slaDueAt: T0 + 50 * MIN }),
        task('n-high-soon', { queue: 'nq', priorityRank: 30, slaDueAt: T0 + 20 * MIN }),
        task('n-later', { queue: 'nq', priorityRank: 50, availableAt: T0 + 5 * MIN }),
        task('n-other', { queue: 'nq-other', priorityRank: 50 }),
      ])
      const scope = { queues: ['nq'], skills: ['refunds'] }
      expect((await tasks.claimNext('ben', T0, scope))?.id).toBe('n-high-soon')
      expect((await tasks.claimNext('ben', T0, scope))?.id).toBe('n-high')
      expect(await tasks.claimNext('ben', T0, scope)).toBeUndefined()
      expect(await tasks.claimNext('mei', T0, { queues: ['nq'], skills: ['lang:zh', 'refunds'] })).toMatchObject({ id: 'n-zh', status: 'claimed', claimedBy: 'mei', claimedAt: T0 })
      expect((await tasks.claimNext('ben', T0 + 5 * MIN, scope))?.id).toBe('n-later')
      expect((await tasks.claimNext('ben', T0, { queues: null, skills: null }))?.id).toBe('n-other')
    })

    it('claim-next from two engine processes at once never hands one task to two agents', async () => {
      const s = store()
      await s.tasks.insert(Array.from({ length: 12 }, (_, i) => task(`race-${i}`, { queue: 'race', priorityRank: i % 3 })))
      const { stores, close } = await processes(s, 2)
      try {
        const got = await Promise.all(Array.from({ length: 16 }, (_, i) => stores[i % 2]!.tasks.claimNext(`agent-${i}`, T0, { queues: ['race'], skills: [] })))
        const claimed = got.filter((t) => t !== undefined)
        expect(claimed.map((t) => t.id)).toHaveLength(12)
        expect(new Set(claimed.map((t) => t.id)).size).toBe(12)
        for (const t of claimed) expect((await s.tasks.get(t.id))?.claimedBy).toBe(t.claimedBy)
      } finally {
        await close()
      }
    })

    it('release, reassign and snooze: holder or supervisor, never a resolved task', async () => {
      const { tasks } = store()
      await tasks.insert([task('h-1'), task('h-2')])
      expect(await tasks.release('h-1', 'ana', T0, false)).toMatchObject({ ok: false, reason: 'not_claimed' })
      await tasks.claim('h-1', 'ana', T0)
      expect(await tasks.release('h-1', 'ben', T0, false)).toMatchObject({ ok: false, reason: 'not_yours', task: { claimedBy: 'ana' } })
      expect(await tasks.snooze('h-1', 'ben', T0 + MIN, T0, false)).toMatchObject({ ok: false, reason: 'not_yours' })
      const handed = await tasks.reassign('h-1', 'ana', { agent: 'ben', queue: 'vip' }, T0 + MIN, false)
      expect(handed).toMatchObject({ ok: true, before: { claimedBy: 'ana', queue: 'care' }, task: { status: 'claimed', claimedBy: 'ben', claimedAt: T0 + MIN, queue: 'vip' } })
      expect(await tasks.reassign('h-1', 'ana', { queue: 'care' }, T0, false)).toMatchObject({ ok: false, reason: 'not_yours' })
      expect(await tasks.reassign('h-1', 'olivia', { queue: 'care' }, T0 + 2 * MIN, true)).toMatchObject({ ok: true, task: { status: 'open', claimedBy: null, claimedAt: null, queue: 'care' } })
      await tasks.claim('h-2', 'ana', T0)
      await tasks.snooze('h-2', 'ana', T0 + 10 * MIN, T0, false)
      expect(await tasks.release('h-2', 'ana', T0 + MIN, false)).toMatchObject({ ok: true, task: { status: 'open', claimedBy: null, snoozedUntil: null } })
      await tasks.resolve('h-2', 'root', 'not_needed', undefined, T0, true)
      expect(await tasks.release('h-2', 'root', T0, true)).toMatchObject({ ok: false, reason: 'resolved' })
      expect(await tasks.reassign('nope', 'root', { queue: 'x' }, T0, true)).toEqual({ ok: false, reason: 'not_found' })
    })

    it('marks the first contact once', async () => {
      const { tasks } = store()
      await tasks.insert([task('fc-1')])
      expect(await tasks.markContacted('fc-1', T0 + MIN)).toMatchObject({ first: true, task: { firstContactAt: T0 + MIN } })
      expect(await tasks.markContacted('fc-1', T0 + 2 * MIN)).toMatchObject({ first: false, task: { firstContactAt: T0 + MIN } })
      expect(await tasks.markContacted('nope', T0)).toBeUndefined()
    })

    it('notes per task and per shopper; surveys answered once; feedback grouped per rule and template', async () => {
      const { notes, surveys, feedback, tasks } = store()
      const note = (id: string, taskId: string, customerId: string, at: number) => ({ id, taskId, customerId, author: 'ana', body: `note ${id} — 备注`, createdAt: at })
      expect(await notes.add(note('n1', 't-a', 'shopper-1', T0))).toBe(true)
      expect(await notes.add(note('n1', 't-a', 'shopper-1', T0))).toBe(false)
      await notes.add(note('n2', 't-b', 'shopper-1', T0 + MIN))
      await notes.add(note('n3', 't-a', 'shopper-1', T0 + 2 * MIN))
      await notes.add(note('n4', 't-c', 'shopper-2', T0))
      expect((await notes.forTask('t-a')).map((x) => x.id)).toEqual(['n1', 'n3'])
      expect((await notes.forCustomer('shopper-1')).map((x) => x.id)).toEqual(['n3', 'n2', 'n1'])
      expect((await notes.forCustomer('shopper-1'))[2]).toEqual(note('n1', 't-a', 'shopper-1', T0))

      await tasks.insert([task('sv-task', { queue: 'svq' })])
      expect(await surveys.create({ id: 's-1', customerId: 'c-1', taskId: 'sv-task', outboxId: 'o-1', ruleId: 'r-1', createdAt: T0 })).toBe(true)
      expect(await surveys.create({ id: 's-1', customerId: 'c-1', taskId: 'sv-task', outboxId: 'o-1', ruleId: 'r-1', createdAt: T0 })).toBe(false)
      expect(await surveys.comment('s-1', 'too early')).toBe(false)
      expect(await surveys.answer('s-1', 4, null, T0 + MIN)).toMatchObject({ status: 'answered', survey: { score: 4, answeredAt: T0 + MIN, taskQueue: 'svq' } })
      expect(await surveys.answer('s-1', 1, 'x', T0 + 2 * MIN)).toMatchObject({ status: 'already_answered', survey: { score: 4, comment: null } })
      expect(await surveys.comment('s-1', 'quick and kind')).toBe(true)
      expect(await surveys.comment('s-1', 'second')).toBe(false)
      expect(await surveys.get('s-1')).toMatchObject({ score: 4, comment: 'quick and kind' })
      expect(await surveys.answer('nope', 3, null, T0)).toEqual({ status: 'not_found' })

      const fb = (id: string, ruleId: string, template: string | null, kind: 'should_be_automated' | 'suggestion', at: number) => ({ id, taskId: `task-${id}`, ruleId, template, kind, author: 'ana', body: `body ${id}`, createdAt: at })
      expect(await feedback.add([fb('f1', 'ra', 'tpl', 'should_be_automated', T0), fb('f2', 'ra', 'tpl', 'suggestion', T0 + 1), fb('f3', 'ra', 'tpl', 'suggestion', T0 + 2), fb('f4', 'rb', null, 'suggestion', T0)])).toBe(4)
      expect(await feedback.add([fb('f1', 'ra', 'tpl', 'should_be_automated', T0)])).toBe(0)
      const summary = await feedback.summary()
      expect(summary.map((g) => [g.ruleId, g.template, g.shouldBeAutomated.count, g.suggestions.count])).toEqual([['ra', 'tpl', 1, 2], ['rb', null, 0, 1]])
      expect(summary[0]!.suggestions.items.map((i) => i.taskId)).toEqual(['task-f3', 'task-f2'])
      expect((await feedback.summary({ itemsPerGroup: 1 }))[0]!.suggestions).toMatchObject({ count: 2, items: [{ taskId: 'task-f3', author: 'ana' }] })
      expect(await feedback.summary({ ruleId: 'rb' })).toHaveLength(1)

      // The inbox: handled items leave the open view; the first handler and time stay; reopen clears them.
      expect(await feedback.setHandled('f2', true, 'olga', T0 + 5 * MIN)).toMatchObject({ id: 'f2', handledAt: T0 + 5 * MIN, handledBy: 'olga' })
      expect(await feedback.setHandled('f2', true, 'pia', T0 + 6 * MIN)).toMatchObject({ handledAt: T0 + 5 * MIN, handledBy: 'olga' })
      expect(await feedback.setHandled('nope', true, 'olga', T0)).toBeUndefined()
      const open = await feedback.summary({ state: 'open' })
      expect(open.map((g) => [g.ruleId, g.shouldBeAutomated.count, g.suggestions.count])).toEqual([['ra', 1, 1], ['rb', 0, 1]])
      expect(open[0]!.suggestions.items.map((i) => [i.id, i.handledAt])).toEqual([['f3', null]])
      const handled = await feedback.summary({ state: 'handled' })
      expect(handled.map((g) => [g.ruleId, g.suggestions.items.map((i) => [i.id, i.handledBy])])).toEqual([['ra', [['f2', 'olga']]]])
      expect(await feedback.setHandled('f2', false, 'olga', T0 + 7 * MIN)).toMatchObject({ handledAt: null, handledBy: null })
      expect(await feedback.summary({ state: 'handled' })).toEqual([])
    })

    it('CSAT per queue, agent and rule: surveys created in the window, answers scoring 4–5, mean score', async () => {
      const { surveys, tasks } = store()
      const from = T0 + 100 * 1440 * MIN
      const to = from + 1440 * MIN
      await tasks.insert([task('cs-1', { queue: 'cq1' }), task('cs-2', { queue: 'cq2' }), task('cs-3', { queue: 'cq1' })])
      for (const [id, agent] of [['cs-1', 'ana'], ['cs-2', 'bo'], ['cs-3', 'ana']] as const) {
        await tasks.claim(id, agent, from)
        await tasks.resolve(id, agent, 'resolved', undefined, from)
      }
      const survey = async (id: string, taskId: string | null, ruleId: string, createdAt: number, score?: number) => {
        await surveys.create({ id, customerId: 'c-1', taskId, outboxId: null, ruleId, createdAt })
        if (score !== undefined) await surveys.answer(id, score, null, createdAt + MIN)
      }
      await survey('s-c1', 'cs-1', 'r-x', from, 5)
      await survey('s-c2', 'cs-2', 'r-y', from + MIN, 2)
      await survey('s-c3', 'cs-3', 'r-x', from + 2 * MIN)
      await survey('s-c4', null, 'r-x', from + 3 * MIN, 4)
      await survey('s-c5', 'cs-1', 'r-x', to, 1)
      const g = (key: string | null, sent: number, answered: number, satisfied: number, meanScore: number | null) =>
        ({ key, sent, answered, satisfied, csat: answered === 0 ? null : satisfied / answered, meanScore })
      expect(await surveys.csat(from, to, 'queue')).toEqual([g('cq1', 2, 1, 1, 5), g('cq2', 1, 1, 0, 2), g(null, 1, 1, 1, 4)])
      expect(await surveys.csat(from, to, 'agent')).toEqual([g('ana', 2, 1, 1, 5), g('bo', 1, 1, 0, 2), g(null, 1, 1, 1, 4)])
      expect(await surveys.csat(from, to, 'rule')).toEqual([g('r-x', 3, 2, 2, 4.5), g('r-y', 1, 1, 0, 2)])
      expect(await surveys.csat(to + 1440 * MIN, to + 2880 * MIN, 'rule')).toEqual([])
    })
  })
}
