// Behaviour every operational-store backend must show: run against PGlite (embedded) and a
// PostgreSQL server. Each describe block gets a fresh, migrated, empty store from `open`.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { emptyCustomerState, type CustomerState } from '../../../src/model/customer.ts'
import type { OperationalStore } from '../../../src/store/operational/OperationalStore.ts'
import type { OutboxInsert } from '../../../src/store/operational/OutboxStore.ts'
import type { BatchCommit, TimerRecord, TimerWrite } from '../../../src/store/operational/EngineStore.ts'
import type { TaskInsert } from '../../../src/store/operational/TaskStore.ts'

export interface ContractOptions {
  /**
   * Another store on the same database with its own connections, as a second engine process
   * would open it. Without it (PGlite: one process, one connection) concurrency runs on one store.
   */
  openPeer?: (store: OperationalStore) => Promise<OperationalStore>
}

const T0 = Date.UTC(2026, 0, 15, 9, 0, 0)
const MIN = 60_000

function state(customerId: string, version: number, extra: Partial<CustomerState> = {}): CustomerState {
  return { ...emptyCustomerState(customerId), version, updatedAt: T0, ...extra }
}

function outboxRow(id: string, overrides: Partial<OutboxInsert> = {}): OutboxInsert {
  return {
    id,
    idempotencyKey: `key:${id}`,
    customerId: 'c-1',
    channel: 'email',
    template: 'late-parcel',
    topic: 'care',
    priority: 70,
    urgent: false,
    ruleId: 'delayed-shipment',
    ruleVersion: 2,
    payload: {
      locale: 'de',
      to: { email: 'ana@example.com' },
      vars: {
        customer: { id: 'c-1', locale: 'de', traits: { note: 'größer — 大' } },
        order: { order_id: 'A1' },
        event: { name: 'Order Shipped', ts: T0, properties: { order_id: 'A1' } },
        links: {},
        shop: { name: 'Shop', url: 'https://shop.test' },
      },
    },
    nextAttemptAt: T0,
    createdAt: T0,
    ...overrides,
  }
}

function taskRow(id: string, overrides: Partial<TaskInsert> = {}): TaskInsert {
  return {
    id,
    idempotencyKey: `key:${id}`,
    customerId: 'c-1',
    queue: 'care',
    priority: 'normal',
    priorityRank: 2,
    title: `Call about ${id}`,
    ruleId: 'repeat-returns',
    ruleVersion: 1,
    signal: { rule: 'repeat-returns', returns: 3 },
    context: { orders: ['A1'], recent: [{ name: 'Return Requested' }] },
    slaDueAt: T0 + 60 * MIN,
    createdAt: T0,
    ...overrides,
  }
}

function timer(id: string, overrides: Partial<TimerRecord> = {}): { op: 'arm' } & TimerRecord {
  return {
    op: 'arm',
    id,
    customerId: 'c-1',
    partition: 0,
    ruleId: 'abandoned-checkout',
    triggerIndex: 1,
    entity: 'chk-1',
    dueAt: T0 + 60 * MIN,
    armedBy: { messageId: `m-${id}`, event: 'Checkout Started' },
    ...overrides,
  }
}

function batch(overrides: Partial<BatchCommit> = {}): BatchCommit {
  return {
    source: 'log',
    positions: new Map(),
    states: [],
    timers: [],
    outbox: [],
    tasks: [],
    deadLetters: [],
    now: T0,
    ...overrides,
  }
}

export function operationalStoreContract(name: string, open: () => Promise<OperationalStore>, options: ContractOptions = {}): void {
  /** A fresh store for the enclosing describe block (beforeAll), closed after it. */
  function freshStore(per: 'block' | 'test' = 'block'): () => OperationalStore {
    let store: OperationalStore | undefined
    const opened: OperationalStore[] = []
    const setup = async (): Promise<void> => {
      store = await open()
      opened.push(store)
    }
    const teardown = async (): Promise<void> => {
      for (const s of opened.splice(0)) await s.close()
    }
    if (per === 'block') {
      beforeAll(setup)
      afterAll(teardown)
    } else {
      beforeEach(setup)
      afterEach(teardown)
    }
    return () => {
      if (!store) throw new Error('store not open')
      return store
    }
  }

  /** Stores standing for separate engine processes: the store itself plus peers (own pools) when the backend has them. */
  async function processes(store: OperationalStore, count: number): Promise<{ stores: OperationalStore[]; close: () => Promise<void> }> {
    if (!options.openPeer) return { stores: Array.from({ length: count }, () => store), close: async () => {} }
    const peers: OperationalStore[] = []
    for (let i = 1; i < count; i++) peers.push(await options.openPeer(store))
    return { stores: [store, ...peers], close: async () => void (await Promise.all(peers.map((p) => p.close()))) }
  }

  describe(`OperationalStore contract: ${name}`, () => {
    describe('SQL adapter', () => {
      const store = freshStore()

      it('answers ping', async () => {
        expect(await store().ping()).toBe(true)
      })

      it('returns BIGINT and count(*) as numbers, beyond 2^53 as bigint (never rounded), JSONB parsed', async () => {
        const { rows } = await store().db.query<Record<string, unknown>>(
          `SELECT 1784201234567::bigint AS ms, count(*) AS n, 9007199254740993::bigint AS big, 7::int AS i,
                  true AS b, '{"a":[1,"x",null]}'::jsonb AS j, NULL::bigint AS nothing`,
        )
        expect(rows[0]).toEqual({ ms: 1784201234567, n: 1, big: 9007199254740993n, i: 7, b: true, j: { a: [1, 'x', null] }, nothing: null })
      })

      it('passes arrays as array parameters', async () => {
        const { rows } = await store().db.query<{ n: number }>('SELECT count(*) AS n FROM unnest($1::int[]) AS x WHERE x = ANY($2::int[])', [
          [1, 2, 3],
          [2, 3, 4],
        ])
        expect(rows[0]?.n).toBe(2)
      })

      it('commits a transaction when fn resolves, rolls it back when fn throws; nested transactions join the outer one', async () => {
        const db = store().db
        await db.transaction(async (tx) => {
          await tx.query(`INSERT INTO settings (key, value) VALUES ('tx-a', '1')`)
          await tx.transaction((inner) => inner.query(`INSERT INTO settings (key, value) VALUES ('tx-b', '2')`))
        })
        await expect(
          db.transaction(async (tx) => {
            await tx.query(`INSERT INTO settings (key, value) VALUES ('tx-c', '3')`)
            await tx.transaction((inner) => inner.query(`INSERT INTO settings (key, value) VALUES ('tx-d', '4')`))
            throw new Error('abort')
          }),
        ).rejects.toThrow('abort')
        await expect(
          db.transaction(async (tx) => {
            await tx.query(`INSERT INTO settings (key, value) VALUES ('tx-e', '5')`)
            await tx.query(`INSERT INTO settings (key, value) VALUES ('tx-e', '6')`) // duplicate key: the statement fails
          }),
        ).rejects.toThrow(/duplicate key|unique/i)
        expect(await store().settings.get('tx-a')).toBe(1)
        expect(await store().settings.get('tx-b')).toBe(2)
        for (const key of ['tx-c', 'tx-d', 'tx-e']) expect(await store().settings.get(key)).toBeUndefined()
      })
    })

    describe('event log', () => {
      const store = freshStore()

      it('appends, ignores a messageId already stored or repeated in the same batch, reads in order', async () => {
        const log = store().log
        const first = await log.append([
          { partition: 0, messageId: 'm-1', customerId: 'c-1', receivedAt: T0, body: { event: 'Product Viewed', properties: { dwell_ms: 95_000 } } },
          { partition: 1, messageId: 'm-2', customerId: 'c-2', receivedAt: T0 + 1, body: { event: 'Order Completed' } },
          { partition: 0, messageId: 'm-3', customerId: 'c-1', receivedAt: T0 + 2, body: { text: 'größer — 大 \u{1F4E6} "q" \\ \'' } },
        ])
        expect([...first].sort()).toEqual(['m-1', 'm-2', 'm-3'])
        const second = await log.append([
          { partition: 0, messageId: 'm-1', customerId: 'c-1', receivedAt: T0 + 9, body: { replayed: true } },
          { partition: 0, messageId: 'm-4', customerId: 'c-1', receivedAt: T0 + 3, body: { n: 4 } },
          { partition: 0, messageId: 'm-4', customerId: 'c-1', receivedAt: T0 + 3, body: { n: 4 } },
        ])
        expect([...second]).toEqual(['m-4'])
        expect(await log.append([])).toEqual(new Set())

        const p0 = await log.read(0, 0, 100)
        expect(p0.map((r) => r.messageId)).toEqual(['m-1', 'm-3', 'm-4'])
        expect(p0[0]).toMatchObject({ partition: 0, customerId: 'c-1', receivedAt: T0, body: { event: 'Product Viewed', properties: { dwell_ms: 95_000 } } })
        expect(p0[1]?.body).toEqual({ text: 'größer — 大 \u{1F4E6} "q" \\ \'' })
        for (const r of p0) expect(typeof r.seq).toBe('number')
        expect(p0.map((r) => r.seq)).toEqual([...p0.map((r) => r.seq)].sort((a, b) => a - b))

        expect((await log.read(1, 0, 100)).map((r) => r.messageId)).toEqual(['m-2'])
        expect((await log.read(0, p0[0]!.seq, 100)).map((r) => r.messageId)).toEqual(['m-3', 'm-4'])
        expect((await log.read(0, 0, 2)).map((r) => r.messageId)).toEqual(['m-1', 'm-3'])
        expect(await log.read(0, p0[2]!.seq, 100)).toEqual([])
        expect(await log.head(0)).toBe(p0[2]!.seq)
        expect(await log.head(7)).toBe(0)
      })

      it('appends big batches in chunks and keeps order', async () => {
        const log = store().log
        const events = Array.from({ length: 7_000 }, (_, i) => ({ partition: 3, messageId: `bulk-${i}`, customerId: `c-${i % 50}`, receivedAt: T0 + i, body: { i } }))
        expect((await log.append(events)).size).toBe(7_000)
        const records = await log.read(3, 0, 10_000)
        expect(records.map((r) => (r.body as { i: number }).i)).toEqual(events.map((_, i) => i))
      })
    })

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
        expect(outcome).toEqual({ newOutbox: new Set(['o-atomic']), newTasks: new Set(['t-atomic']), closedTasks: [] })
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
    })

    describe('outbox', () => {
      // Leasing looks at every due row: each test starts from an empty store.
      const store = freshStore('test')
      const ids = (rows: Array<{ id: string }>) => rows.map((r) => r.id)

      it('leases due pending rows (earliest first), once, and again only after the lease expired', async () => {
        const { outbox } = store()
        await outbox.insert([
          outboxRow('o-b', { nextAttemptAt: T0 }),
          outboxRow('o-a', { nextAttemptAt: T0 }),
          outboxRow('o-early', { nextAttemptAt: T0 - MIN }),
          outboxRow('o-later', { nextAttemptAt: T0 + 10_000 }),
        ])
        const leased = await outbox.lease(T0, 30_000, 10)
        expect(ids(leased)).toEqual(['o-early', 'o-a', 'o-b'])
        expect(leased[0]).toMatchObject({ status: 'sending', attempts: 1, updatedAt: T0, customerId: 'c-1', payload: outboxRow('x').payload })
        expect(ids(await outbox.lease(T0 + 1000, 30_000, 10))).toEqual([])
        // At expiry + 1 ms the sender is presumed dead; o-later is due by then as well.
        const again = await outbox.lease(T0 + 30_001, 30_000, 2)
        expect(ids(again)).toEqual(['o-early', 'o-a'])
        expect(again.map((r) => r.attempts)).toEqual([2, 2])
        expect(ids(await outbox.lease(T0 + 30_001, 30_000, 10))).toEqual(['o-b', 'o-later'])
        expect((await outbox.get('o-later'))?.attempts).toBe(1)
      })

      it('releaseLeases makes every in-flight row due again at once', async () => {
        const { outbox } = store()
        await outbox.insert([outboxRow('o-1'), outboxRow('o-2'), outboxRow('o-3', { nextAttemptAt: T0 + 60 * MIN })])
        expect(ids(await outbox.lease(T0, 60 * MIN, 10))).toEqual(['o-1', 'o-2'])
        expect(await outbox.nextDue()).toBe(T0 + 60 * MIN) // in-flight rows are not pending
        expect(await outbox.releaseLeases(T0 + 1)).toBe(2)
        expect(await outbox.releaseLeases(T0 + 2)).toBe(0)
        expect(await outbox.get('o-1')).toMatchObject({ status: 'pending', attempts: 1, updatedAt: T0 + 1 })
        expect(await outbox.nextDue()).toBe(T0)
        expect(ids(await outbox.lease(T0 + 2, 60_000, 10))).toEqual(['o-1', 'o-2'])
      })

      it('markRetry reschedules with the error; markSent and markFinal are final', async () => {
        const { outbox } = store()
        await outbox.insert([outboxRow('o-retry'), outboxRow('o-sent'), outboxRow('o-dead'), outboxRow('o-skip')])
        expect(await outbox.lease(T0, 30_000, 10)).toHaveLength(4)
        await outbox.markRetry('o-retry', T0 + 1, T0 + 5 * MIN, '421 try later')
        await outbox.markSent('o-sent', T0 + 1, '<key@careloop>')
        await outbox.markFinal('o-dead', 'dead', T0 + 1, '550 no such user')
        await outbox.markFinal('o-skip', 'skipped', T0 + 1, 'opted out')
        expect(await outbox.get('o-retry')).toMatchObject({ status: 'pending', nextAttemptAt: T0 + 5 * MIN, lastError: '421 try later', attempts: 1, updatedAt: T0 + 1 })
        expect(await outbox.get('o-sent')).toMatchObject({ status: 'sent', providerMessageId: '<key@careloop>', lastError: null })
        expect(await outbox.get('o-dead')).toMatchObject({ status: 'dead', lastError: '550 no such user' })
        expect(await outbox.get('o-skip')).toMatchObject({ status: 'skipped', lastError: 'opted out' })
        expect(await outbox.nextDue()).toBe(T0 + 5 * MIN)
        // Final rows are never leased again, not even long after their lease would have expired.
        expect(ids(await outbox.lease(T0 + 5 * MIN - 1, 30_000, 10))).toEqual([])
        expect(ids(await outbox.lease(T0 + 24 * 60 * MIN, 30_000, 10))).toEqual(['o-retry'])
        expect((await outbox.get('o-retry'))?.attempts).toBe(2)
        await outbox.markSent('o-retry', T0 + 24 * 60 * MIN, undefined)
        expect(await outbox.get('o-retry')).toMatchObject({ status: 'sent', providerMessageId: null, lastError: null })
        expect(await outbox.nextDue()).toBeUndefined()
        expect(ids(await outbox.list({ status: 'sent' }))).toEqual(['o-retry', 'o-sent'])
      })

      it('lists by customer and status in creation order; unknown ids are undefined', async () => {
        const { outbox } = store()
        expect(await outbox.nextDue()).toBeUndefined()
        await outbox.insert([
          outboxRow('o-3', { customerId: 'c-a', createdAt: T0 + 2 }),
          outboxRow('o-1', { customerId: 'c-a', createdAt: T0 }),
          outboxRow('o-2', { customerId: 'c-b', createdAt: T0 + 1 }),
        ])
        expect(ids(await outbox.list())).toEqual(['o-1', 'o-2', 'o-3'])
        expect(ids(await outbox.list({ customerId: 'c-a' }))).toEqual(['o-1', 'o-3'])
        expect(ids(await outbox.list({ customerId: 'c-a', limit: 1 }))).toEqual(['o-1'])
        expect(ids(await outbox.list({ status: 'sent' }))).toEqual([])
        expect(await outbox.get('nope')).toBeUndefined()
        expect(await outbox.insert([])).toEqual(new Set())
      })

      it('concurrent senders never lease the same row twice', async () => {
        const s = store()
        await s.outbox.insert(Array.from({ length: 60 }, (_, i) => outboxRow(`o-${String(i).padStart(2, '0')}`)))
        const { stores, close } = await processes(s, 3)
        try {
          const rounds = await Promise.all(stores.flatMap((p) => [p.outbox.lease(T0, 60_000, 7), p.outbox.lease(T0, 60_000, 7)]))
          const leased = rounds.flat().map((r) => r.id)
          expect(new Set(leased).size).toBe(leased.length)
          expect(leased.length).toBe(42)
        } finally {
          await close()
        }
      })
    })

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

    describe('rules', () => {
      const store = freshStore()
      const doc = (n: number) => ({ id: 'r', name: `Rule v${n}`, triggers: [{ event: 'Order Shipped' }], nested: { list: [n, 'größer'] } })

      it('creates version 1 once; lists by id; fingerprint follows every change', async () => {
        const { rules } = store()
        expect(await rules.fingerprint()).toBe('')
        expect(await rules.list()).toEqual([])
        const created = await rules.create('rule-b', doc(1), true, 'ops:ana', T0)
        expect(created).toEqual({ id: 'rule-b', version: 1, enabled: true, document: doc(1), createdAt: T0, updatedAt: T0, updatedBy: 'ops:ana', liveVersion: 1, approved: true })
        expect(await rules.create('rule-b', doc(9), false, 'ops:ben', T0 + 1)).toBeUndefined()
        expect(await rules.get('rule-b')).toEqual(created)
        await rules.create('rule-a', doc(1), false, 'ops:ben', T0)
        expect((await rules.list()).map((r) => r.id)).toEqual(['rule-a', 'rule-b'])
        expect(await rules.fingerprint()).toBe('rule-a:1:false,rule-b:1:true')
        await rules.setEnabled('rule-a', true, 'ops:ana', T0 + 1)
        expect(await rules.fingerprint()).toBe('rule-a:1:true,rule-b:1:true')
        await rules.update('rule-b', doc(2), 'ops:ana', T0 + 2)
        expect(await rules.fingerprint()).toBe('rule-a:1:true,rule-b:2:true')
        expect(await rules.get('nope')).toBeUndefined()
      })

      it('updates with expectedVersion: stale versions conflict, versions keep the history newest first', async () => {
        const { rules } = store()
        await rules.create('rule-u', doc(1), true, 'ops:ana', T0)
        const v2 = await rules.update('rule-u', doc(2), 'ops:ben', T0 + MIN, 1)
        expect(v2).toEqual({ id: 'rule-u', version: 2, enabled: true, document: doc(2), createdAt: T0, updatedAt: T0 + MIN, updatedBy: 'ops:ben', liveVersion: 2, approved: true })
        expect(await rules.update('rule-u', doc(99), 'ops:cy', T0 + 2 * MIN, 1)).toBe('conflict')
        expect(await rules.update('rule-u', doc(3), 'ops:cy', T0 + 3 * MIN)).toMatchObject({ version: 3 })
        expect(await rules.update('rule-u', doc(4), 'ops:ana', T0 + 4 * MIN, 3)).toMatchObject({ version: 4 })
        expect(await rules.update('nope', doc(1), 'ops:ana', T0, 1)).toBe('not_found')
        expect(await rules.update('nope', doc(1), 'ops:ana', T0)).toBe('not_found')
        const approval = { approved: true, approvedBy: null, approvedAt: null, rollbackOf: null }
        expect(await rules.versions('rule-u')).toEqual([
          { ruleId: 'rule-u', version: 4, document: doc(4), createdAt: T0 + 4 * MIN, createdBy: 'ops:ana', status: 'live', ...approval },
          { ruleId: 'rule-u', version: 3, document: doc(3), createdAt: T0 + 3 * MIN, createdBy: 'ops:cy', status: 'superseded', ...approval },
          { ruleId: 'rule-u', version: 2, document: doc(2), createdAt: T0 + MIN, createdBy: 'ops:ben', status: 'superseded', ...approval },
          { ruleId: 'rule-u', version: 1, document: doc(1), createdAt: T0, createdBy: 'ops:ana', status: 'superseded', ...approval },
        ])
        expect(await rules.versions('nope')).toEqual([])
      })

      it('setEnabled changes the flag, not the version', async () => {
        const { rules } = store()
        await rules.create('rule-e', doc(1), true, 'ops:ana', T0)
        expect(await rules.setEnabled('rule-e', false, 'ops:ben', T0 + MIN)).toMatchObject({ version: 1, enabled: false, updatedBy: 'ops:ben', updatedAt: T0 + MIN })
        expect(await rules.versions('rule-e')).toHaveLength(1)
        expect(await rules.setEnabled('nope', true, 'ops:ben', T0)).toBeUndefined()
      })

      it('four eyes: drafts wait while the live version runs; a second person approves; rollback; all audited', async () => {
        const { rules } = store()
        const ops = { name: 'ana', role: 'ops' }
        const approver = { name: 'ben', role: 'approver' }
        await rules.create('rule-4', doc(1), true, ops, T0)
        expect(await rules.setApprovalPolicy({ required: true }, { name: 'root', role: 'admin' }, T0)).toEqual({ before: { required: false }, after: { required: true } })
        expect(await rules.approvalPolicy()).toEqual({ required: true })
        const draft = await rules.update('rule-4', doc(2), ops, T0 + MIN, 1)
        expect(draft).toMatchObject({ version: 2, enabled: true, liveVersion: 1, approved: false, document: doc(2) })
        const live4 = async () => (await rules.live()).filter((r) => r.id === 'rule-4')
        expect(await live4()).toEqual([{ id: 'rule-4', version: 1, document: doc(1) }])
        expect((await rules.fingerprint()).split(',')).toContain('rule-4:1:true')
        expect(await rules.setEnabled('rule-4', true, ops, T0 + MIN)).toEqual({ refused: 'needs_approval', version: 2 })
        expect(await rules.approve('rule-4', 2, ops, T0 + MIN)).toEqual({ refused: 'own_change', version: 2, author: 'ana' })
        expect(await rules.approve('rule-4', 1, approver, T0 + MIN)).toEqual({ refused: 'already_approved', version: 1 })
        expect(await rules.approve('rule-4', 9, approver, T0 + MIN)).toBe('not_found')
        expect(await rules.approve('rule-4', 2, approver, T0 + 2 * MIN)).toMatchObject({ version: 2, liveVersion: 2, approved: true, enabled: true })
        expect(await live4()).toEqual([{ id: 'rule-4', version: 2, document: doc(2) }])
        expect((await rules.versions('rule-4')).map((v) => [v.version, v.status, v.approvedBy])).toEqual([[2, 'live', 'ben'], [1, 'superseded', null]])

        // Rollback by ops: a draft; by an approver who did not write version 1: live at once.
        const byOps = await rules.rollback('rule-4', 1, ops, T0 + 3 * MIN, { selfApprove: false })
        expect(byOps).toMatchObject({ rule: { version: 3, liveVersion: 2, approved: false } })
        const byApprover = await rules.rollback('rule-4', 1, approver, T0 + 4 * MIN, { selfApprove: true })
        expect(byApprover).toMatchObject({ rule: { version: 4, liveVersion: 4, approved: true, document: doc(1) } })
        expect(await rules.version('rule-4', 4)).toMatchObject({ status: 'live', rollbackOf: 1, approvedBy: 'ben', approvedAt: T0 + 4 * MIN, createdBy: 'ben' })
        expect(await rules.version('rule-4', 3)).toMatchObject({ status: 'superseded', approved: false })
        expect(await rules.rollback('rule-4', 99, approver, T0, { selfApprove: true })).toBe('not_found')

        // A new rule starts as a disabled draft.
        expect(await rules.create('rule-5', doc(1), true, ops, T0 + 5 * MIN)).toMatchObject({ enabled: false, liveVersion: null, approved: false })
        expect(await rules.setEnabled('rule-5', true, ops, T0 + 5 * MIN)).toEqual({ refused: 'needs_approval', version: 1 })
        await rules.approve('rule-5', 1, approver, T0 + 6 * MIN)
        expect(await rules.setEnabled('rule-5', true, ops, T0 + 7 * MIN)).toMatchObject({ enabled: true, liveVersion: 1 })

        const log = await rules.audit.list({ entityType: 'rule', entityId: 'rule-4' })
        expect(log.map((e) => [e.action, e.actor, e.role, e.version])).toEqual([
          ['rule.rollback', 'ben', 'approver', 4],
          ['rule.rollback', 'ana', 'ops', 3],
          ['rule.approve', 'ben', 'approver', 2],
          ['rule.update', 'ana', 'ops', 2],
          ['rule.create', 'ana', 'ops', 1],
        ])
        expect(log[0]).toMatchObject({ at: T0 + 4 * MIN, entityType: 'rule', details: { to: 1, status: 'approved', approvedBy: 'ben' } })
        expect((await rules.audit.list({ actor: 'root' })).map((e) => [e.action, e.entityId, e.details])).toEqual([
          ['settings.update', 'approval', { before: { required: false }, after: { required: true } }],
        ])
        expect(await rules.audit.list({ actor: 'ben', limit: 1 })).toHaveLength(1)
        const all = await rules.audit.list()
        expect(await rules.audit.list({ before: all[1]!.id })).toEqual(all.slice(2))
      })

      it('concurrent updates against the same expected version: exactly one wins, the rest conflict', async () => {
        const s = store()
        await s.rules.create('rule-race', doc(1), true, 'ops:ana', T0)
        const { stores, close } = await processes(s, 2)
        try {
          const results = await Promise.all(Array.from({ length: 8 }, (_, i) => stores[i % 2]!.rules.update('rule-race', doc(10 + i), `ops:${i}`, T0 + i, 1)))
          expect(results.filter((r) => typeof r === 'object')).toHaveLength(1)
          expect(results.filter((r) => r === 'conflict')).toHaveLength(7)
          expect((await s.rules.versions('rule-race')).map((v) => v.version)).toEqual([2, 1])
        } finally {
          await close()
        }
      })
    })

    describe('settings and API keys', () => {
      const store = freshStore()

      it('putIfAbsent keeps the first value; values round-trip as JSON', async () => {
        const { settings } = store()
        expect(await settings.get('write_key')).toBeUndefined()
        expect(await settings.putIfAbsent('write_key', 'wk_first')).toBe('wk_first')
        expect(await settings.putIfAbsent('write_key', 'wk_second')).toBe('wk_first')
        expect(await settings.get('write_key')).toBe('wk_first')
        const value = { n: 1.5, big: 1784201234567, s: 'größer — 大', list: [true, null], nested: { a: {} } }
        expect(await settings.putIfAbsent('obj', value)).toEqual(value)
        expect(await settings.putIfAbsent('zero', 0)).toBe(0)
        const racers = await Promise.all(Array.from({ length: 10 }, (_, i) => settings.putIfAbsent('raced', `v${i}`)))
        expect(new Set(racers).size).toBe(1)
      })

      it('stores API keys by hash; a second add of the same hash keeps the first', async () => {
        const { settings } = store()
        expect(await settings.apiKeyCount()).toBe(0)
        await settings.addApiKey('hash-admin', 'admin', 'generated', T0)
        await settings.addApiKey('hash-agent', 'agent', 'ana', T0)
        await settings.addApiKey('hash-agent', 'admin', 'mallory', T0 + 1)
        expect(await settings.apiKeyCount()).toBe(2)
        expect(await settings.roleOfKey('hash-agent')).toEqual({ role: 'agent', label: 'ana' })
        expect(await settings.roleOfKey('hash-admin')).toEqual({ role: 'admin', label: 'generated' })
        expect(await settings.roleOfKey('unknown')).toBeUndefined()
      })

      it('stores keys of the approver role', async () => {
        const { settings } = store()
        await settings.addApiKey('hash-approver', 'approver' as never, 'ada', T0)
        expect(await settings.roleOfKey('hash-approver')).toEqual({ role: 'approver', label: 'ada' })
      })
    })

    describe('consent', () => {
      const store = freshStore()

      it('opt-outs match the exact channel and topic, or the * wildcards', async () => {
        const { consent } = store()
        expect(await consent.isOptedOut('c-1', 'email', 'care')).toBe(false)
        await consent.set('c-1', 'email', 'marketing', 'opted_out', T0)
        expect(await consent.isOptedOut('c-1', 'email', 'marketing')).toBe(true)
        expect(await consent.isOptedOut('c-1', 'email', 'care')).toBe(false)
        expect(await consent.isOptedOut('c-1', 'sms', 'marketing')).toBe(false)
        expect(await consent.isOptedOut('c-2', 'email', 'marketing')).toBe(false)

        await consent.set('c-2', 'sms', '*', 'opted_out', T0) // no SMS at all
        expect(await consent.isOptedOut('c-2', 'sms', 'care')).toBe(true)
        expect(await consent.isOptedOut('c-2', 'email', 'care')).toBe(false)

        await consent.set('c-3', '*', 'marketing', 'opted_out', T0) // no marketing anywhere
        expect(await consent.isOptedOut('c-3', 'push', 'marketing')).toBe(true)
        expect(await consent.isOptedOut('c-3', 'push', 'care')).toBe(false)

        await consent.set('c-4', '*', '*', 'opted_out', T0) // nothing at all
        for (const [channel, topic] of [['email', 'care'], ['sms', 'marketing'], ['webhook', 'x']] as const) {
          expect(await consent.isOptedOut('c-4', channel, topic)).toBe(true)
        }
        // A literal '*' asked for is not a wildcard on the stored side.
        expect(await consent.isOptedOut('c-1', '*', '*')).toBe(false)
      })

      it('opting in again lifts the opt-out; opt-ins never block', async () => {
        const { consent } = store()
        await consent.set('c-5', 'email', 'care', 'opted_out', T0)
        await consent.set('c-5', 'email', 'care', 'opted_in', T0 + 1)
        expect(await consent.isOptedOut('c-5', 'email', 'care')).toBe(false)
        await consent.set('c-6', '*', '*', 'opted_in', T0)
        expect(await consent.isOptedOut('c-6', 'email', 'care')).toBe(false)
      })
    })
  })
}
