// The sandbox's engine store in memory: customer state, source positions and durable timers, with
// EngineStore's semantics (src/store/operational/EngineStore.ts). commit() checks the whole batch
// first and only then applies it, so a batch SQL would refuse changes nothing here either.
//
// Customer states are kept by reference, not serialized: a state is several kilobytes of JSON and
// serializing it cost more than the rest of a step. The engine's cache holds the same objects, and
// the engine changes a state only in a step that ends in its commit. The one difference from SQL:
// a step that throws half-way (a bug, parked as a dead letter) leaves its partial changes in these
// objects, where SQL would roll them back. With a bound on states held, the least recently used
// go to a temp file (StateSpill), serialized only then, and are read back when next asked for.
// A customer's remembered ids (finished timers, idempotency keys: RememberedIds.ts), pending timers'
// records (PendingTimers.ts), open tasks (MemoryTasks.ts), contacts (MemoryContacts) and, for a
// sealed anonymous profile, its identity link (MemoryIdentity) go with its state.
import type { CustomerState } from '../../model/customer.ts'
import type { Contact } from '../../store/operational/ContactStore.ts'
import type { BatchCommit, CommitOutcome, EngineStore, TimerRecord, TimerWrite } from '../../store/operational/EngineStore.ts'
import { NEVER_DUE } from '../../stream/engine/schedules.ts'
import { PendingTimers, type PendingTimer, type TimerHome } from './PendingTimers.ts'
import type { LedgerHome, RememberedIds } from './RememberedIds.ts'
import { StateSpill, type Ledger } from './StateSpill.ts'
import type { MemoryOutbox } from './MemoryOutbox.ts'
import type { ContactHome, LinkHome, MemoryIdentity } from './MemoryStores.ts'
import type { MemoryTasks, OpenTask, TaskHome } from './MemoryTasks.ts'
import { storedText, textCompare } from './values.ts'

/** What is kept with a customer's state; each undefined while the customer has none. */
interface StoredLedger {
  /** The customer's remembered ids (RememberedIds.ts). */
  remembered: Set<string> | undefined
  /** The customer's open tasks (MemoryTasks.ts). */
  tasks: OpenTask[] | undefined
  /** The records of the customer's pending timers (PendingTimers.ts). */
  timers: PendingTimer[] | undefined
  /** The customer's contacts (MemoryContacts). */
  contacts: Contact[] | undefined
  /** For a sealed anonymous profile: the known id it was merged into (its identity link). */
  link: string | undefined
}

interface StoredState extends StoredLedger {
  partition: number
  state: CustomerState
}

/**
 * Every field present, in one order, so that all stored states share one shape: with fields added
 * as a customer gained them, the store's readers met a dozen shapes and were recompiled.
 */
const storedState = (partition: number, state: CustomerState, ledger: StoredLedger | undefined): StoredState => ({
  partition,
  state,
  remembered: ledger?.remembered,
  tasks: ledger?.tasks,
  timers: ledger?.timers,
  contacts: ledger?.contacts,
  link: ledger?.link,
})

/** A ledger as held: absent lists undefined, remembered ids as a set. */
function storedLedger({ ids, tasks, timers, contacts, link }: Ledger): StoredLedger {
  const some = <T>(list: T[]): T[] | undefined => (list.length === 0 ? undefined : list)
  return { remembered: ids.length === 0 ? undefined : new Set(ids), tasks: some(tasks), timers: some(timers), contacts: some(contacts), link }
}

/** A stored state's ledger, apart from its state. */
const ledgerOf = (s: StoredState): StoredLedger => ({ remembered: s.remembered, tasks: s.tasks, timers: s.timers, contacts: s.contacts, link: s.link })

/** Lists kept with a state, each created when first written to. */
type LedgerList = 'tasks' | 'timers' | 'contacts'

const NONE: ReadonlySet<string> = new Set()
/** A held state's absent list, read (never written: writers create their own). */
const NO_ENTRIES: never[] = []

type Used = 'positions' | 'loadStates' | 'statesPage' | 'dueStatesPage' | 'setScheduleDue' | 'dueTimers' | 'pendingTimersOf' | 'nextTimerDue' | 'pendingTimerCount' | 'commit'

export class MemoryEngineStore implements Pick<EngineStore, Used>, LedgerHome, TaskHome, LinkHome, TimerHome, ContactHome {
  private readonly positionOf = new Map<string, number>()
  /** States held in memory, least recently used first; the others are in `spill`. */
  private readonly states = new Map<string, StoredState>()
  /** Customer → when its scheduled care next comes due (absent: never); held or spilled alike. */
  private readonly dueAt = new Map<string, number>()
  private readonly spill = new StateSpill()
  /** Customer ids in "C" order, rebuilt when a customer is added (statesPage pages through them). */
  private sortedIds: string[] | undefined
  /** A fired or cancelled timer leaves only its id in `remembered` (it is never re-armed). */
  readonly timers: PendingTimers
  /** Dead letters parked by commits (the sandbox only counts them). */
  deadLetters = 0

  constructor(
    private readonly outbox: MemoryOutbox,
    private readonly tasks: MemoryTasks,
    private readonly identity: MemoryIdentity,
    private readonly remembered: RememberedIds,
    /** States held in memory at most (default: all). */
    private readonly statesHeld = Infinity,
  ) {
    this.timers = new PendingTimers(remembered, this)
  }

  /** States held in memory now, and in the temp file; states written to it and read back from it so far. */
  get stateCounts(): { held: number; spilled: number; spillWrites: number; spillReads: number } {
    return { held: this.states.size, spilled: this.spill.size, spillWrites: this.spill.traffic.writes, spillReads: this.spill.traffic.reads }
  }

  /** Customers with a scheduled-care due time (in memory, held or spilled alike). */
  get scheduledCount(): number {
    return this.dueAt.size
  }

  /** Customers whose remembered ids are in memory (only held states' are), and how many ids that is. */
  get rememberedCounts(): { customers: number; ids: number; unowned: number } {
    let customers = 0
    let ids = 0
    for (const s of this.states.values()) {
      if (s.remembered === undefined) continue
      customers++
      ids += s.remembered.size
    }
    return { customers, ids, unowned: this.remembered.unowned.size }
  }

  /** Customers whose open tasks, pending timers' records and contacts are in memory (only held states' are), those, and identity links in memory. */
  get heldLedgerCounts(): { taskCustomers: number; tasks: number; timerCustomers: number; timers: number; contactCustomers: number; contacts: number; links: number } {
    const c = { taskCustomers: 0, tasks: 0, timerCustomers: 0, timers: 0, contactCustomers: 0, contacts: 0, links: 0 }
    for (const s of this.states.values()) {
      if (s.link !== undefined) c.links++
      if (s.tasks !== undefined && s.tasks.length > 0) {
        c.taskCustomers++
        c.tasks += s.tasks.length
      }
      if (s.timers !== undefined && s.timers.length > 0) {
        c.timerCustomers++
        c.timers += s.timers.length
      }
      if (s.contacts !== undefined && s.contacts.length > 0) {
        c.contactCustomers++
        c.contacts += s.contacts.length
      }
    }
    return c
  }

  ledgerOf(customerId: string, write: boolean): Set<string> | undefined {
    const held = this.states.get(customerId)
    if (held !== undefined && !write) return held.remembered ?? (NONE as Set<string>)
    if (held === undefined && !this.spill.has(customerId)) return undefined
    if (held === undefined && !write) return new Set(this.spill.ledger(customerId).ids)
    const stored = held ?? (this.readBack(customerId) as StoredState)
    if (stored.remembered !== undefined) {
      if (held === undefined) this.hold(customerId, stored)
      return stored.remembered
    }
    const remembered = new Set<string>()
    this.replace(customerId, storedState(stored.partition, stored.state, { ...ledgerOf(stored), remembered }), held !== undefined)
    return remembered
  }

  linkOf(customerId: string): string | undefined {
    const held = this.states.get(customerId)
    if (held !== undefined) return held.link
    return this.spill.has(customerId) ? this.spill.ledger(customerId).link : undefined
  }

  setLink(customerId: string, knownId: string): boolean {
    const stored = this.states.get(customerId) ?? this.readBack(customerId)
    if (stored === undefined) return false
    this.hold(customerId, storedState(stored.partition, stored.state, { ...ledgerOf(stored), link: knownId }))
    return true
  }

  openTasksOf(customerId: string, write: boolean): OpenTask[] | undefined {
    return this.ledgerList(customerId, write, 'tasks')
  }

  timersOf(customerId: string, write: boolean): PendingTimer[] | undefined {
    return this.ledgerList(customerId, write, 'timers')
  }

  contactsOf(customerId: string, write: boolean): Contact[] | undefined {
    return this.ledgerList(customerId, write, 'contacts')
  }

  /**
   * A list kept with the customer's state: a held state's own (created to write into), a spilled
   * one's from its ledger (read back and held to write into); undefined for a customer with no state.
   */
  private ledgerList<K extends LedgerList>(customerId: string, write: boolean, key: K): NonNullable<StoredState[K]> | undefined {
    const held = this.states.get(customerId)
    if (held !== undefined && !write) return held[key] ?? (NO_ENTRIES as NonNullable<StoredState[K]>)
    if (held === undefined && !this.spill.has(customerId)) return undefined
    if (held === undefined && !write) return this.spill.ledger(customerId)[key] as NonNullable<StoredState[K]>
    const stored = held ?? (this.readBack(customerId) as StoredState)
    const list = stored[key]
    if (list !== undefined) {
      if (held === undefined) this.hold(customerId, stored)
      return list as NonNullable<StoredState[K]>
    }
    const created: NonNullable<StoredState[K]> = []
    this.replace(customerId, storedState(stored.partition, stored.state, { ...ledgerOf(stored), [key]: created }), held !== undefined)
    return created
  }

  /**
   * A stored state gaining a ledger list is replaced, not changed (a field written after its object
   * is built turns mutable in V8, and code compiled on it is thrown away): a held one in its place
   * in the recency order, one read back as the most recently used.
   */
  private replace(customerId: string, next: StoredState, held: boolean): void {
    if (held) this.states.set(customerId, next)
    else this.hold(customerId, next)
  }

  close(): void {
    this.spill.close()
  }

  async positions(source: string, partitions: readonly number[]): Promise<Map<number, number>> {
    const out = new Map<number, number>()
    for (const p of partitions) {
      const at = this.positionOf.get(`${source}\u0000${p}`)
      if (at !== undefined) out.set(p, at)
    }
    return out
  }

  async loadStates(customerIds: readonly string[]): Promise<Map<string, CustomerState>> {
    const out = new Map<string, CustomerState>()
    for (const id of customerIds) {
      const stored = this.states.get(id) ?? this.readBack(id)
      if (stored === undefined) continue
      this.hold(id, stored)
      out.set(id, stored.state)
    }
    return out
  }

  async statesPage(partitions: readonly number[], afterId: string, limit: number): Promise<Array<{ customerId: string; partition: number; state: CustomerState }>> {
    const ids = (this.sortedIds ??= [...new Set([...this.states.keys(), ...this.spill.ids()])].sort(textCompare))
    let lo = 0
    let hi = ids.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (textCompare(ids[mid] as string, afterId) <= 0) lo = mid + 1
      else hi = mid
    }
    const out: Array<{ customerId: string; partition: number; state: CustomerState }> = []
    for (let i = lo; i < ids.length && out.length < limit; i++) {
      const id = ids[i] as string
      const held = this.states.get(id)
      const partition = held?.partition ?? this.spill.partitionOf(id)
      if (partition === undefined || !partitions.includes(partition)) continue
      out.push({ customerId: id, partition, state: held ? held.state : (this.spill.read(id) as CustomerState) })
    }
    return out
  }

  async dueStatesPage(partitions: readonly number[], now: number, afterId: string, limit: number): Promise<Array<{ customerId: string; partition: number; state: CustomerState }>> {
    const ids: string[] = []
    for (const [id, at] of this.dueAt) if (at <= now && textCompare(id, afterId) > 0) ids.push(id)
    const out: Array<{ customerId: string; partition: number; state: CustomerState }> = []
    for (const id of ids.sort(textCompare)) {
      if (out.length >= limit) break
      const held = this.states.get(id)
      const partition = held?.partition ?? this.spill.partitionOf(id)
      if (partition === undefined || !partitions.includes(partition)) continue
      out.push({ customerId: id, partition, state: held ? held.state : (this.spill.read(id) as CustomerState) })
    }
    return out
  }

  async setScheduleDue(dues: ReadonlyArray<{ customerId: string; nextDueAt: number }>): Promise<void> {
    for (const { customerId, nextDueAt } of dues) if (this.dueAt.has(customerId) || this.states.has(customerId) || this.spill.has(customerId)) this.due(customerId, nextDueAt)
  }

  /** Only due times a schedule can reach are kept: a shop without schedules keeps none. */
  private due(customerId: string, at: number | undefined): void {
    if (at === NEVER_DUE) this.dueAt.delete(customerId)
    else this.dueAt.set(customerId, at ?? 0)
  }

  async dueTimers(partitions: readonly number[], now: number, limit: number): Promise<TimerRecord[]> {
    return this.timers.due(partitions, now, limit)
  }

  async pendingTimersOf(customerIds: readonly string[]): Promise<TimerRecord[]> {
    return this.timers.of(customerIds)
  }

  async nextTimerDue(partitions: readonly number[]): Promise<number | undefined> {
    return this.timers.next(partitions)
  }

  async pendingTimerCount(): Promise<number> {
    return this.timers.size
  }

  async commit(batch: BatchCommit): Promise<CommitOutcome> {
    // Checked in full before anything changes, as the SQL transaction rolls back on a refusal.
    const states: Array<{ id: string; partition: number; state: CustomerState; nextDueAt: number | undefined }> = []
    for (const { partition, state, nextDueAt } of batch.states) states.push({ id: storedText(state.customerId), partition, state, nextDueAt })
    const last = new Map<string, TimerWrite>()
    for (const write of batch.timers) last.set(write.id, write)
    const arms: PendingTimer[] = []
    for (const w of last.values()) if (w.op === 'arm') arms.push(this.timers.prepare(w))
    const outbox = this.outbox.prepare(batch.outbox)
    const tasks = this.tasks.prepare(batch.tasks)
    for (const m of batch.mootTasks ?? []) storedText(m.note)
    for (const l of [...(batch.identity?.links ?? []), ...(batch.identity?.conflicts ?? [])]) for (const text of [l.anonymousId, l.userId]) storedText(text)
    for (const text of batch.addressChanged ?? []) storedText(text)
    await batch.durableFirst

    for (const { id, partition, state, nextDueAt } of states) {
      this.putState(id, partition, state)
      this.due(id, nextDueAt)
    }
    for (const t of arms) this.timers.arm(t)
    for (const w of last.values()) if (w.op !== 'arm') this.timers.finish(w.id)
    const newOutbox = this.outbox.apply(outbox)
    const newTasks = this.tasks.apply(tasks)
    const closedTasks = batch.mootTasks?.length ? this.tasks.closeMoot(batch.mootTasks, batch.now) : []
    const withdrawn = batch.withdrawnNudges?.length ? await this.outbox.withdraw(batch.withdrawnNudges, batch.outbox.map((o) => o.id), batch.now) : []
    this.deadLetters += batch.deadLetters.length
    if (batch.identity) await this.identity.write(batch.identity)
    const readdressed = batch.addressChanged?.length ? await this.outbox.wakeAddressWaits(batch.addressChanged, batch.now) : 0
    for (const [partition, position] of batch.positions) {
      const key = `${batch.source}\u0000${partition}`
      this.positionOf.set(key, Math.max(this.positionOf.get(key) ?? position, position))
    }
    return { newOutbox, newTasks, closedTasks, withdrawn, readdressed }
  }

  private putState(id: string, partition: number, state: CustomerState): void {
    const before = this.states.get(id)
    let ledger: StoredLedger | undefined = before
    if (before === undefined) {
      if (this.spill.has(id)) ledger = this.spilledLedger(id)
      else this.sortedIds = undefined
    }
    this.hold(id, storedState(partition, state, ledger))
  }

  private spilledLedger(id: string): StoredLedger {
    return storedLedger(this.spill.ledger(id))
  }

  /** Holds a state as the most recently used; the least recently used beyond the bound go to the file. */
  private hold(id: string, stored: StoredState): void {
    this.states.delete(id)
    this.states.set(id, stored)
    for (const [oldest, s] of this.states) {
      if (this.states.size <= this.statesHeld) break
      this.spill.write(oldest, s.partition, s.state, s)
      this.states.delete(oldest)
    }
  }

  private readBack(id: string): StoredState | undefined {
    const record = this.spill.record(id)
    return record === undefined ? undefined : storedState(record.partition, record.state, storedLedger(record.ledger))
  }
}
