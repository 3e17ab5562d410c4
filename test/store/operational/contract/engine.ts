// The engine's batch commit (atomic, idempotent by key) and its durable timers.
import { describe, expect, it } from 'vitest'
import type { OutboxInsert } from '../../../../src/store/operational/OutboxStore.ts'
import type { TaskInsert } from '../../../../src/store/operational/TaskStore.ts'
import type { TimerWrite } from '../../../../src/store/operational/EngineStore.ts'
import { T0, MIN, state, outboxRow, taskRow, timer, batch, type ContractContext } from './fixtures.ts'

export function engineContract({ freshStore }: ContractContext): void {
  describe('engine commit', () => {
    const store = freshStore()

    it('writes state and positions; positions only move forward (GREATEST)', async () => {
      const engine = store().engine
      await engine.commit(batch({ positions: new Map([[0, 10], [1, 5]]), states: [{ partition: 0, state: state('c-1', 1, { traits: { name: 'Ana' } }) }] }))
      await engine.commit(batch({ positions: new Map([[0, 7], [1, 9]]), states: [{ partition: 0, state: state('c-1', 2, { traits: { name: 'Ana B' } }) }] }))
      expect(await engine.positions('log', [0, 1, 2])).toEqual(new Map([[0, 10], [1, 9]]))
      expect(await engine.positions('kafka:events', [0])).toEqual(new Map())
      const states = await engine.loadStates(['c-1', 'c-unknown'])
      expect([...states.keys()]).toEqual(['c-1'])
      expect(states.get('c-1')).toEqual(state('c-1', 2, { traits: { name: 'Ana B' } }))
      expect(await engine.loadStates([])).toEqual(new Map())
    })

    it('pages the states of some partitions by id; a state keeps its time zone', async () => {
      const engine = store().engine
      const zoned = (id: string, timezone?: string, partition = 40) => ({ partition, state: state(id, 1, timezone === undefined ? {} : { timezone }) })
      await engine.commit(batch({ states: [zoned('z-sh', 'Asia/Shanghai'), zoned('z-la', 'America/Los_Angeles'), zoned('z-none'), zoned('z-other', 'Europe/Berlin', 41)] }))
      const page = async (afterId: string, limit: number) => (await engine.statesPage([40], afterId, limit)).map((r) => [r.customerId, r.partition, r.state.timezone])
      expect(await page('', 10)).toEqual([['z-la', 40, 'America/Los_Angeles'], ['z-none', 40, undefined], ['z-sh', 40, 'Asia/Shanghai']])
      expect(await page('z-la', 1)).toEqual([['z-none', 40, undefined]])
      expect(await page('z-sh', 10)).toEqual([])
      // A state's zone and partition move with its writes.
      await engine.commit(batch({ states: [zoned('z-sh', 'Europe/Berlin'), zoned('z-la', 'America/Los_Angeles', 41)] }))
      expect(await page('', 10)).toEqual([['z-none', 40, undefined], ['z-sh', 40, 'Europe/Berlin']])
    })

    it('pages the states whose scheduled care is due, by id; a due time moves with writes and after a sweep', async () => {
      const engine = store().engine
      const due = (id: string, nextDueAt?: number, partition = 43) => ({ partition, state: state(id, 1), ...(nextDueAt === undefined ? {} : { nextDueAt }) })
      await engine.commit(batch({ states: [due('d-later', 500), due('d-soon', 100), due('d-unknown'), due('d-now', 150), due('d-elsewhere', 0, 44)] }))
      const ids = async (now: number, afterId = '', limit = 10) => (await engine.dueStatesPage([43], now, afterId, limit)).map((r) => r.customerId)
      // Written without a due time: due at once.
      expect(await ids(150)).toEqual(['d-now', 'd-soon', 'd-unknown'])
      expect(await ids(150, 'd-now', 1)).toEqual(['d-soon'])
      expect(await ids(99)).toEqual(['d-unknown'])
      await engine.setScheduleDue([{ customerId: 'd-unknown', nextDueAt: 1_000 }, { customerId: 'd-soon', nextDueAt: 600 }, { customerId: 'd-missing', nextDueAt: 1 }])
      expect(await ids(550)).toEqual(['d-later', 'd-now'])
      await engine.commit(batch({ states: [due('d-later', 700)] }))
      expect(await ids(600)).toEqual(['d-now', 'd-soon'])
    })

    it('finds customers by their email trait in any case, exactly, and nothing for text that is not an email', async () => {
      const engine = store().engine
      const mailed = (id: string, email: unknown) => ({ partition: 42, state: state(id, 1, { traits: { email } }) })
      await engine.commit(batch({ states: [mailed('e-mei', 'Mei.Lin@Example.com'), mailed('e-mei-2', 'mei.lin@example.com'), mailed('e-ann', 'ann@example.com'), mailed('e-num', 42), { partition: 42, state: state('e-none', 1) }] }))
      expect(await engine.customerIdsByEmail('MEI.LIN@example.COM', 10)).toEqual(['e-mei', 'e-mei-2'])
      expect(await engine.customerIdsByEmail('mei.lin@example.com', 1)).toEqual(['e-mei'])
      expect(await engine.customerIdsByEmail('mei.lin@', 10)).toEqual([])
      expect(await engine.customerIdsByEmail('%@example.com', 10)).toEqual([])
      expect(await engine.customerIdsByEmail("'; DROP TABLE customer_state; --", 10)).toEqual([])
    })

    it('closes the open tasks of a rule about an entity whose reason went away, once, and no others', async () => {
      const s = store()
      const about = (id: string, entity: string, overrides: Partial<TaskInsert> = {}) => taskRow(id, { ruleId: 'delayed-shipment', signal: { signalId: `sig-${id}`, entity }, ...overrides })
      await s.engine.commit(batch({ tasks: [about('m-1', 'A1'), about('m-2', 'A2'), about('m-3', 'A1', { customerId: 'c-2' }), about('m-4', 'A1', { ruleId: 'other-rule' })] }))
      const moot = [{ customerId: 'c-1', ruleId: 'delayed-shipment', entity: 'A1', note: 'Order Delivered at 2026-06-01T09:00:00.000Z' }]
      const first = await s.engine.commit(batch({ mootTasks: moot, now: T0 + MIN }))
      expect(first.closedTasks.map((t) => t.id)).toEqual(['m-1'])
      expect(await s.tasks.get('m-1')).toMatchObject({ status: 'resolved', outcome: 'resolved_by_event', resolvedBy: 'careloop', resolvedAt: T0 + MIN, note: moot[0]?.note })
      for (const id of ['m-2', 'm-3', 'm-4']) expect(await s.tasks.get(id)).toMatchObject({ status: 'open' })
      // Again: nothing left to close. Without an entity: every open task of the rule for that shopper.
      expect((await s.engine.commit(batch({ mootTasks: moot }))).closedTasks).toEqual([])
      const all = await s.engine.commit(batch({ mootTasks: [{ ...moot[0]!, entity: undefined }] }))
      expect(all.closedTasks.map((t) => t.id)).toEqual(['m-2'])
    })

    it('keeps a timer’s moment time apart from its firing time', async () => {
      const s = store()
      await s.engine.commit(batch({ timers: [timer('settled', { partition: 20, dueAt: T0 + 10 * MIN, momentAt: T0 + 5 * MIN })] }))
      expect(await s.engine.dueTimers([20], T0 + 9 * MIN, 10)).toEqual([])
      expect(await s.engine.dueTimers([20], T0 + 10 * MIN, 10)).toMatchObject([{ id: 'settled', dueAt: T0 + 10 * MIN, momentAt: T0 + 5 * MIN }])
    })

    it('inserts outbox rows and tasks once per idempotency key (a replayed batch adds nothing)', async () => {
      const s = store()
      const first = await s.engine.commit(batch({ outbox: [outboxRow('o-1'), outboxRow('o-2')], tasks: [taskRow('t-1')] }))
      expect([...first.newOutbox].sort()).toEqual(['o-1', 'o-2'])
      expect([...first.newTasks]).toEqual(['t-1'])
      // Same keys again, even under new row ids (a replay after a crash generates new ids).
      const replay = await s.engine.commit(
        batch({
          outbox: [outboxRow('o-1'), outboxRow('o-2b', { idempotencyKey: 'key:o-2' }), outboxRow('o-3')],
          tasks: [taskRow('t-1b', { idempotencyKey: 'key:t-1' })],
        }),
      )
      expect([...replay.newOutbox]).toEqual(['o-3'])
      expect([...replay.newTasks]).toEqual([])
      expect((await s.outbox.list()).map((o) => o.id)).toEqual(['o-1', 'o-2', 'o-3'])
      expect(await s.tasks.get('t-1b')).toBeUndefined()
      expect(await s.outbox.get('o-1')).toMatchObject({ status: 'pending', attempts: 0, ruleVersion: 2, payload: outboxRow('o-1').payload })
    })

    it('is atomic: when the last write fails, no state, timer, outbox row, task, dead letter or position is written', async () => {
      const s = store()
      const good = batch({
        positions: new Map([[5, 100]]),
        states: [{ partition: 5, state: state('c-atomic', 1) }],
        timers: [timer('tm-atomic', { partition: 5, customerId: 'c-atomic' })],
        outbox: [outboxRow('o-atomic')],
        tasks: [taskRow('t-atomic')],
        deadLetters: [{ source: 'log', receivedAt: T0, reason: 'atomic', errors: [], payload: '{}' }],
      })
      // Positions are written last; one beyond BIGINT makes the very last statement fail.
      const failing = { ...good, positions: new Map([[5, 100], [6, 1e20]]) }
      await expect(s.engine.commit(failing)).rejects.toThrow(/out of range/i)
      expect(await s.engine.loadStates(['c-atomic'])).toEqual(new Map())
      expect(await s.engine.positions('log', [5, 6])).toEqual(new Map())
      expect(await s.engine.dueTimers([5], T0 + 1000 * MIN, 10)).toEqual([])
      expect(await s.outbox.get('o-atomic')).toBeUndefined()
      expect(await s.tasks.get('t-atomic')).toBeUndefined()
      expect((await s.deadLetters.list()).filter((d) => d.reason === 'atomic')).toEqual([])
      // A row id taken under another idempotency key is an error too, not a silent skip.
      await s.engine.commit(batch({ outbox: [outboxRow('o-taken')] }))
      await expect(s.engine.commit({ ...good, outbox: [outboxRow('o-taken', { idempotencyKey: 'key:other' })] })).rejects.toThrow(/duplicate key|unique/i)
      expect(await s.engine.loadStates(['c-atomic'])).toEqual(new Map())
      // The store is usable afterwards and the same batch, fixed, commits whole.
      const outcome = await s.engine.commit(good)
      expect(outcome).toEqual({ readdressed: 0, newOutbox: new Set(['o-atomic']), newTasks: new Set(['t-atomic']), closedTasks: [], withdrawn: [] })
      expect(await s.engine.positions('log', [5])).toEqual(new Map([[5, 100]]))
      expect((await s.engine.loadStates(['c-atomic'])).get('c-atomic')?.version).toBe(1)
      expect(await s.engine.dueTimers([5], T0 + 1000 * MIN, 10)).toHaveLength(1)
      expect(await s.tasks.get('t-atomic')).toMatchObject({ status: 'open' })
      expect((await s.deadLetters.list()).filter((d) => d.reason === 'atomic')).toHaveLength(1)
    })

    it('stores dead letters with their reason, newest first', async () => {
      const s = store()
      const before = await s.deadLetters.count()
      await s.engine.commit(batch({ deadLetters: [{ source: 'http', receivedAt: T0, reason: 'invalid', errors: [{ path: '/timestamp', message: 'must be a date-time' }], payload: '{"bad":' }] }))
      await s.deadLetters.add([{ source: 'log', receivedAt: T0 + 1, reason: 'poison', errors: { stack: 'x' }, payload: 'not json \u0001' }])
      await s.deadLetters.add([])
      expect(await s.deadLetters.count()).toBe(before + 2)
      const [newest, older] = await s.deadLetters.list(2)
      expect(newest).toMatchObject({ source: 'log', receivedAt: T0 + 1, reason: 'poison', errors: { stack: 'x' }, payload: 'not json \u0001' })
      expect(older).toMatchObject({ source: 'http', reason: 'invalid', errors: [{ path: '/timestamp', message: 'must be a date-time' }], payload: '{"bad":' })
      expect(typeof newest?.id).toBe('number')
      expect(newest!.id).toBeGreaterThan(older!.id)
    })
  })

  describe('durable timers', () => {
    const store = freshStore()
    const arm = (write: TimerWrite | TimerWrite[], now = T0) => store().engine.commit(batch({ timers: Array.isArray(write) ? write : [write], now }))
    const due = (partition: number, at = T0 + 10_000 * MIN) => store().engine.dueTimers([partition], at, 100)

    it('arms a timer and hands it out when due, earliest first then by id, on the asked partitions only', async () => {
      await arm([
        timer('b', { partition: 10, dueAt: T0 + 5 * MIN }),
        timer('a', { partition: 10, dueAt: T0 + 5 * MIN }),
        timer('c', { partition: 10, dueAt: T0 + 2 * MIN }),
        timer('d', { partition: 10, dueAt: T0 + 9 * MIN }),
        timer('other', { partition: 11, dueAt: T0 }),
      ])
      const engine = store().engine
      expect((await engine.dueTimers([10], T0 + 5 * MIN, 100)).map((t) => t.id)).toEqual(['c', 'a', 'b'])
      expect((await engine.dueTimers([10], T0 + 5 * MIN, 2)).map((t) => t.id)).toEqual(['c', 'a'])
      expect((await engine.dueTimers([10], T0 + 5 * MIN - 1, 100)).map((t) => t.id)).toEqual(['c'])
      expect((await engine.dueTimers([10, 11], T0 + 5 * MIN, 100)).map((t) => t.id)).toEqual(['other', 'c', 'a', 'b'])
      expect(await engine.dueTimers([12], T0 + 10_000 * MIN, 100)).toEqual([])
      expect(await engine.dueTimers([], T0 + 10_000 * MIN, 100)).toEqual([])
      expect(await engine.nextTimerDue([10])).toBe(T0 + 2 * MIN)
      expect(await engine.nextTimerDue([10, 11])).toBe(T0)
      expect(await engine.nextTimerDue([12])).toBeUndefined()
      const [c] = await engine.dueTimers([10], T0 + 2 * MIN, 1)
      // Without a separate moment time the moment is the due time.
      expect(c).toEqual({ id: 'c', customerId: 'c-1', partition: 10, ruleId: 'abandoned-checkout', triggerIndex: 1, entity: 'chk-1', dueAt: T0 + 2 * MIN, momentAt: T0 + 2 * MIN, armedBy: { messageId: 'm-c', event: 'Checkout Started' } })
    })

    it('re-arming a pending timer moves it and replaces what armed it', async () => {
      await arm(timer('re', { partition: 20, dueAt: T0 + 60 * MIN }))
      await arm(timer('re', { partition: 20, dueAt: T0 + 90 * MIN, armedBy: { messageId: 'm-later' } }), T0 + MIN)
      expect(await store().engine.dueTimers([20], T0 + 60 * MIN, 10)).toEqual([])
      expect(await due(20)).toMatchObject([{ id: 're', dueAt: T0 + 90 * MIN, armedBy: { messageId: 'm-later' } }])
    })

    it('a cancelled or fired timer is never due again and never re-armed', async () => {
      const before = await store().engine.pendingTimerCount()
      await arm([timer('x-cancel', { partition: 21 }), timer('x-fire', { partition: 21 })])
      expect(await store().engine.pendingTimerCount()).toBe(before + 2)
      await arm([{ op: 'cancel', id: 'x-cancel' }, { op: 'fire', id: 'x-fire' }, { op: 'cancel', id: 'no-such-timer' }])
      expect(await due(21)).toEqual([])
      expect(await store().engine.pendingTimerCount()).toBe(before)
      // A replayed arming event must not bring them back.
      await arm([timer('x-cancel', { partition: 21 }), timer('x-fire', { partition: 21 })])
      expect(await due(21)).toEqual([])
      // Firing after cancelling does not change it either (first final state wins).
      await arm({ op: 'fire', id: 'x-cancel' })
      await arm(timer('x-cancel', { partition: 21 }))
      expect(await due(21)).toEqual([])
      expect(await store().engine.nextTimerDue([21])).toBeUndefined()
    })

    it('within one batch the last write per timer wins', async () => {
      await arm([timer('w-1', { partition: 22 }), { op: 'cancel', id: 'w-1' }])
      await arm([timer('w-2', { partition: 22 }), { op: 'cancel', id: 'w-2' }, timer('w-2', { partition: 22, dueAt: T0 + 3 * MIN })])
      await arm([timer('w-3', { partition: 22 }), { op: 'fire', id: 'w-3' }])
      expect((await due(22)).map((t) => [t.id, t.dueAt])).toEqual([['w-2', T0 + 3 * MIN]])
    })

    it('survives reading back as numbers', async () => {
      const [t] = await due(22)
      expect(typeof t?.dueAt).toBe('number')
      expect(typeof t?.partition).toBe('number')
      expect(typeof t?.triggerIndex).toBe('number')
    })

    it('withdraws waiting messages of the rule and entity; a batch’s own only if planned before', async () => {
      const s = store()
      const row = (id: string, overrides: Partial<OutboxInsert> = {}) => outboxRow(id, { customerId: 'c-wd', entity: 'A1', ...overrides })
      await s.engine.commit(batch({ outbox: [row('wd-held'), row('wd-other-order', { entity: 'B2' }), row('wd-other-rule', { ruleId: 'payment-failed' }), row('wd-sending', { channel: 'voice' })] }))
      // Being sent (leased), so no longer waiting; its channel is one no other test of the store uses.
      expect((await s.outbox.lease(T0 + 1, 60_000, 10, 'voice')).map((o) => o.id)).toEqual(['wd-sending'])
      for (const id of ['wd-held', 'wd-other-order', 'wd-other-rule']) await s.outbox.markDeferred(id, T0 + 2, T0 + 8 * 60 * MIN, 'quiet_hours: until 08:00')
      const withdrawal = { customerId: 'c-wd', ruleId: 'delayed-shipment', entity: 'A1', reason: 'withdrawn: Order Delivered at x', planned: ['wd-early'] }
      const outcome = await s.engine.commit(batch({ outbox: [row('wd-early'), row('wd-late')], withdrawnNudges: [withdrawal] }))
      // The held one and this batch's earlier one; not another order, another rule, one being sent, or one planned after.
      expect(outcome.withdrawn.map((o) => o.id)).toEqual(['wd-early', 'wd-held'])
      expect(outcome.withdrawn.every((o) => o.status === 'skipped' && o.lastError === 'withdrawn: Order Delivered at x')).toBe(true)
      const status = async (id: string) => (await s.outbox.get(id))?.status
      expect(await status('wd-other-order')).toBe('pending')
      expect(await status('wd-other-rule')).toBe('pending')
      expect(await status('wd-sending')).toBe('sending')
      expect(await status('wd-late')).toBe('pending')
      // Without an entity: every waiting message of the rule for the shopper.
      const all = await s.engine.commit(batch({ withdrawnNudges: [{ ...withdrawal, entity: undefined, planned: [] }] }))
      expect(all.withdrawn.map((o) => o.id)).toEqual(['wd-late', 'wd-other-order'])
    })

    it('withdraws for several events in one batch: each message once, with the first reason that reached it', async () => {
      const s = store()
      const row = (id: string, overrides: Partial<OutboxInsert> = {}) => outboxRow(id, { customerId: 'c-wd2', entity: 'A1', ...overrides })
      await s.engine.commit(batch({ outbox: [row('wd2-a'), row('wd2-b', { entity: 'B2' }), row('wd2-pay', { ruleId: 'payment-failed' }), row('wd2-z', { customerId: 'c-wd3' })] }))
      const base = { ruleId: 'delayed-shipment', planned: [] as string[] }
      const outcome = await s.engine.commit(
        batch({
          withdrawnNudges: [
            { ...base, customerId: 'c-wd2', entity: 'B2', reason: 'withdrawn: first' },
            { ...base, customerId: 'c-wd2', entity: undefined, reason: 'withdrawn: second' },
            { ...base, customerId: 'c-wd3', entity: 'A1', reason: 'withdrawn: third' },
            { ...base, customerId: 'c-wd2', ruleId: 'payment-failed', entity: 'A1', reason: 'withdrawn: fourth' },
          ],
        }),
      )
      expect(outcome.withdrawn.map((o) => [o.id, o.lastError])).toEqual([
        ['wd2-b', 'withdrawn: first'],
        ['wd2-a', 'withdrawn: second'],
        ['wd2-z', 'withdrawn: third'],
        ['wd2-pay', 'withdrawn: fourth'],
      ])
      expect((await s.outbox.get('wd2-b'))?.lastError).toBe('withdrawn: first')
    })
  })
}
