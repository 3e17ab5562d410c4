// Rows and store handling shared by the operational-store contract files.
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest'
import { emptyCustomerState, type CustomerState } from '../../../../src/model/customer.ts'
import type { BatchCommit, TimerRecord } from '../../../../src/store/operational/EngineStore.ts'
import type { OperationalStore } from '../../../../src/store/operational/OperationalStore.ts'
import type { OutboxPayload } from '../../../../src/model/outbox.ts'
import type { OutboxInsert } from '../../../../src/store/operational/OutboxStore.ts'
import type { TaskInsert } from '../../../../src/store/operational/TaskStore.ts'

export const T0 = Date.UTC(2026, 0, 15, 9, 0, 0)
export const MIN = 60_000

export interface ContractOptions {
  /**
   * Another store on the same database with its own connections, as a second engine process
   * would open it. Without it (PGlite: one process, one connection) concurrency runs on one store.
   */
  openPeer?: (store: OperationalStore) => Promise<OperationalStore>
}

/** What every contract file gets from the backend under test. */
export interface ContractContext {
  /** A fresh, migrated, empty store for the enclosing describe block (or for each test), closed after it. */
  freshStore(per?: 'block' | 'test'): () => OperationalStore
  /** Stores standing for separate engine processes: the store itself plus peers (own pools) when the backend has them. */
  processes(store: OperationalStore, count: number): Promise<{ stores: OperationalStore[]; close: () => Promise<void> }>
}

export function contractContext(open: () => Promise<OperationalStore>, options: ContractOptions): ContractContext {
  return {
    freshStore(per = 'block') {
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
    },
    async processes(store, count) {
      if (!options.openPeer) return { stores: Array.from({ length: count }, () => store), close: async () => {} }
      const peers: OperationalStore[] = []
      for (let i = 1; i < count; i++) peers.push(await options.openPeer(store))
      return { stores: [store, ...peers], close: async () => void (await Promise.all(peers.map((p) => p.close()))) }
    },
  }
}

export function state(customerId: string, version: number, extra: Partial<CustomerState> = {}): CustomerState {
  return { ...emptyCustomerState(customerId), version, updatedAt: T0, ...extra }
}

export function outboxRow(id: string, overrides: Partial<OutboxInsert> = {}): OutboxInsert {
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

export function taskRow(id: string, overrides: Partial<TaskInsert> = {}): TaskInsert {
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

export function timer(id: string, overrides: Partial<TimerRecord> = {}): { op: 'arm' } & TimerRecord {
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

export function batch(overrides: Partial<BatchCommit> = {}): BatchCommit {
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

/** A valid stored nudge for task fallbacks. */
export const FALLBACK_PAYLOAD: OutboxPayload = {
  locale: 'en',
  to: { email: 'c1@example.com' },
  vars: { customer: { id: 'c-1', locale: 'en', traits: {} }, event: { name: 'Product Viewed', ts: T0, properties: {} }, links: {}, shop: { name: 'Shop', url: 'https://shop.test' } },
}
