// Pending durable timers of the in-memory sandbox store, with EngineStore's semantics: due in (time,
// id) order, re-arming moves a pending timer, a finished timer is never re-armed (its id is
// remembered: RememberedIds.ts).
//
// A timer's record — above all the event that armed it, the heavy part — is its customer's and is
// looked up through its customer, so it is kept with the customer's state (TimerHome: the engine
// store; in memory while the state is held, in its temp-file record when spilled). The queue keeps
// only what ordering and finding the record need: due time, id, customer and partition. A timer of a
// customer without a stored state stays in `unowned` (none in a replay: the engine arms a timer in
// the commit that stores its customer's state).
//
// Why this stays exact: the queue and the records change together, in `arm` and `finish` only, so an
// id in the queue has exactly one record, with the queue's due time, in its customer's list or in
// `unowned` (look-ups ask both). `due` reads the records of due timers there — a spilled customer's
// from its temp-file record, read alone; the engine then loads the state itself to fire — and no
// record changes between that read and the commit that fires the timer: the engine is the store's
// only writer and runs one step at a time.
import type { TimerRecord, TimerWrite } from '../../store/operational/EngineStore.ts'
import { mapPacked } from '../../lib/packedMap.ts'
import { DueHeap } from './DueHeap.ts'
import { homeOrUnowned } from './homeList.ts'
import type { RememberedIds } from './RememberedIds.ts'
import { fromJsonb, jsonbText, storedText, textCompare } from './values.ts'

/** A pending timer as kept (plain JSON: it is spilled with its customer's state). */
export interface PendingTimer extends Omit<TimerRecord, 'armedBy' | 'momentAt'> {
  momentAt: number
  armedByJson: string
}

/** Where timers' records live: with their customer's stored state. */
export interface TimerHome {
  /**
   * The pending timers kept with a customer's stored state, or undefined when it has none stored.
   * `write`: the array kept with the state (a spilled state is read back into memory); otherwise
   * possibly a copy.
   */
  timersOf(customerId: string, write: boolean): PendingTimer[] | undefined
}

interface Queued {
  dueAt: number
  customerId: string
  partition: number
}

const NONE: readonly PendingTimer[] = []

export class PendingTimers {
  private readonly queued = new Map<string, Queued>()
  /** Records of timers whose customer had no stored state when armed, by customer. */
  private readonly unowned = new Map<string, PendingTimer[]>()
  private readonly heaps = new Map<number, DueHeap>()

  constructor(
    private readonly remembered: RememberedIds,
    private readonly home: TimerHome,
  ) {}

  get size(): number {
    return this.queued.size
  }

  /** Entries in the due heaps, dead ones included. */
  get heapEntries(): number {
    let n = 0
    for (const heap of this.heaps.values()) n += heap.size
    return n
  }

  /** Customers whose timers are kept outside their state, and those timers. */
  get unownedCounts(): { customers: number; timers: number } {
    let timers = 0
    for (const list of this.unowned.values()) timers += list.length
    return { customers: this.unowned.size, timers }
  }

  /** Checks an arm as SQL would (TEXT and JSONB); nothing changes. */
  prepare(w: Extract<TimerWrite, { op: 'arm' }>): PendingTimer {
    for (const text of [w.id, w.customerId, w.ruleId, w.entity]) storedText(text)
    return pendingTimer(w, w.dueAt, w.momentAt ?? w.dueAt, jsonbText(w.armedBy))
  }

  arm(t: PendingTimer): void {
    if (this.remembered.has('T', t.id)) return
    const queued = this.queued.get(t.id)
    if (queued !== undefined) {
      // Re-armed: the record keeps its customer, partition, rule and entity, as SQL's upsert does.
      // Records and queue entries are replaced, not changed: a field written after its object was
      // built turns from constant to mutable in V8, and code compiled on it is thrown away.
      this.replace(queued.customerId, t.id, (kept) => pendingTimer(kept, t.dueAt, t.momentAt, t.armedByJson))
      if (queued.dueAt !== t.dueAt) this.heap(queued.partition).push(t.dueAt, t.id)
      this.queued.set(t.id, { dueAt: t.dueAt, customerId: queued.customerId, partition: queued.partition })
      return
    }
    this.queued.set(t.id, { dueAt: t.dueAt, customerId: t.customerId, partition: t.partition })
    this.listOf(t.customerId).push(t)
    this.heap(t.partition).push(t.dueAt, t.id)
  }

  /** A fired or cancelled timer: its record goes, its id is remembered. */
  finish(id: string): void {
    const queued = this.queued.get(id)
    if (queued === undefined) return
    this.queued.delete(id)
    for (const list of [this.home.timersOf(queued.customerId, true), this.unowned.get(queued.customerId)]) {
      const at = list?.findIndex((t) => t.id === id) ?? -1
      if (list === undefined || at < 0) continue
      list.splice(at, 1)
      if (list.length === 0 && list === this.unowned.get(queued.customerId)) this.unowned.delete(queued.customerId)
    }
    this.remembered.add('T', id, queued.customerId)
  }

  /** Timers due at `now` or before, in (due, id) order, at most `limit`. */
  due(partitions: readonly number[], now: number, limit: number): TimerRecord[] {
    const due = [...new Set(partitions)].flatMap((p) => this.heap(p).dueBy(now, limit))
    due.sort((a, b) => a.at - b.at || textCompare(a.id, b.id))
    // A spilled customer's list is read from its temp-file record once per call.
    const lists = new Map<string, readonly PendingTimer[]>()
    return mapPacked(due.slice(0, limit), (e) => {
      const { customerId } = this.queued.get(e.id) as Queued
      let list = lists.get(customerId)
      if (list === undefined) lists.set(customerId, (list = this.recordsOf(customerId)))
      return record(list.find((t) => t.id === e.id) as PendingTimer)
    })
  }

  /** The customers' pending timers, in (due, id) order. */
  of(customerIds: readonly string[]): TimerRecord[] {
    const timers = [...new Set(customerIds)].flatMap((c) => this.recordsOf(c))
    return mapPacked(timers.sort((a, b) => a.dueAt - b.dueAt || textCompare(a.id, b.id)), record)
  }

  next(partitions: readonly number[]): number | undefined {
    let next: number | undefined
    for (const p of new Set(partitions)) {
      const top = this.heap(p).peek()
      if (top !== undefined && (next === undefined || top.at < next)) next = top.at
    }
    return next
  }

  private recordsOf(customerId: string): readonly PendingTimer[] {
    const home = this.home.timersOf(customerId, false) ?? NONE
    const unowned = this.unowned.get(customerId)
    return unowned === undefined ? home : [...home, ...unowned]
  }

  /** Replaces the customer's record of timer `id` (kept with its state, or in `unowned`). */
  private replace(customerId: string, id: string, by: (kept: PendingTimer) => PendingTimer): void {
    for (const list of [this.home.timersOf(customerId, true), this.unowned.get(customerId)]) {
      const at = list?.findIndex((t) => t.id === id) ?? -1
      if (list === undefined || at < 0) continue
      list[at] = by(list[at] as PendingTimer)
      return
    }
  }

  /** Where a new record goes: with the customer's state, or in `unowned` when none is stored. */
  private listOf(customerId: string): PendingTimer[] {
    return homeOrUnowned(this.home.timersOf(customerId, true), this.unowned, customerId)
  }

  private heap(partition: number): DueHeap {
    let heap = this.heaps.get(partition)
    if (heap === undefined) this.heaps.set(partition, (heap = new DueHeap((id, at) => this.queued.get(id)?.dueAt === at)))
    return heap
  }
}

/** Every record built here, in one key order (one object shape). */
function pendingTimer(t: Omit<PendingTimer, 'dueAt' | 'momentAt' | 'armedByJson'>, dueAt: number, momentAt: number, armedByJson: string): PendingTimer {
  return { id: t.id, customerId: t.customerId, partition: t.partition, ruleId: t.ruleId, triggerIndex: t.triggerIndex, entity: t.entity, dueAt, momentAt, armedByJson }
}

function record(t: PendingTimer): TimerRecord {
  const { armedByJson, ...rest } = t
  return { ...rest, armedBy: fromJsonb(armedByJson) }
}
