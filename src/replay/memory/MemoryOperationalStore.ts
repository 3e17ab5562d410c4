// The operational store of replay and backtest sandboxes, in memory: what the sandbox's Engine,
// Dispatcher and send-time guards use of OperationalStore, with the same semantics and none of
// PGlite's cost (one transaction per step, ≈ 2 ms). The live engine keeps its SQL stores; replay
// tests compare both sandboxes' lines byte for byte (test/replay/memory-store.test.ts).
import type { LogAppend } from '../../store/eventlog/EventLog.ts'
import type { OperationalStore } from '../../store/operational/OperationalStore.ts'
import type { SqlExecutor } from '../../store/operational/SqlExecutor.ts'
import { MemoryEngineStore } from './MemoryEngineStore.ts'
import { MemoryOutbox } from './MemoryOutbox.ts'
import { RememberedIds } from './RememberedIds.ts'
import { MemoryConsent, MemoryContacts, MemoryIdentity, MemoryQueues, MemorySettings } from './MemoryStores.ts'
import { MemoryTasks } from './MemoryTasks.ts'

/** One transaction is the whole store: nothing runs between the awaits of a sandbox step but the step. */
const noSql: SqlExecutor = {
  query: () => Promise.reject(new Error('the replay sandbox keeps its store in memory: no SQL')),
  transaction: (fn) => fn(noSql),
}

export class MemoryOperationalStore {
  /** Finished timer ids and idempotency keys, kept with their customers' states (held or spilled). */
  readonly remembered: RememberedIds = new RememberedIds({ ledgerOf: (customerId, write) => this.engine.ledgerOf(customerId, write) })
  readonly outbox = new MemoryOutbox(this.remembered)
  /** Open tasks, kept with their customers' states (held or spilled). */
  readonly tasksInMemory = new MemoryTasks(this.remembered, { openTasksOf: (customerId, write) => this.engine.openTasksOf(customerId, write) })
  /** Identity links, kept with the sealed anonymous profiles' states (held or spilled). */
  readonly identity = new MemoryIdentity({ linkOf: (customerId) => this.engine.linkOf(customerId), setLink: (customerId, knownId) => this.engine.setLink(customerId, knownId) })
  readonly engine: MemoryEngineStore
  readonly queues = new MemoryQueues(this.tasksInMemory)
  readonly consent = new MemoryConsent()
  /** Contacts, kept with their customers' states (held or spilled). */
  readonly contacts = new MemoryContacts({ contactsOf: (customerId, write) => this.engine.contactsOf(customerId, write) })
  readonly settings = new MemorySettings()
  readonly db = { ...noSql, execScript: () => Promise.reject(new Error('no SQL')), close: async () => {} }
  /** Hand-offs the engine appends to its log (the sandbox never reads them back, as with SQL). */
  readonly log = { transactional: true, append: async (events: readonly LogAppend[]) => new Set(events.map((e) => e.messageId)), close: async () => {} }
  readonly suppressions = { among: async (): Promise<Set<string>> => new Set() }
  readonly surveys = { create: async (): Promise<void> => {} }

  /** `statesHeld`: customer states kept in memory at most; the rest wait in a temp file. */
  constructor(statesHeld?: number) {
    this.engine = new MemoryEngineStore(this.outbox, this.tasksInMemory, this.identity, this.remembered, statesHeld)
  }

  /** What is held in memory, counted: the curve of a long replay (bench/replayBig.ts). */
  get holding(): Record<string, number> {
    const { engine } = this
    return {
      ...engine.stateCounts,
      ...engine.heldLedgerCounts,
      scheduled: engine.scheduledCount,
      rememberedUnowned: this.remembered.unowned.size,
      pendingTimers: engine.timers.size,
      timerHeapEntries: engine.timers.heapEntries,
      outboxBacklog: this.outbox.backlog,
      outboxHeapEntries: this.outbox.heapEntries,
      contactsUnowned: this.contacts.counts.unowned,
      openTasks: this.tasksInMemory.openCount,
    }
  }

  async ping(): Promise<boolean> {
    return true
  }

  async close(): Promise<void> {
    this.engine.close()
  }

  /**
   * This store seen as an OperationalStore (the type the engine and dispatcher take). Only the
   * members above exist: a call the sandbox's engine did not make before fails with a TypeError
   * (no Proxy in between: every store call of every step would pay for it).
   */
  asOperationalStore(): OperationalStore {
    return this as unknown as OperationalStore
  }
}
