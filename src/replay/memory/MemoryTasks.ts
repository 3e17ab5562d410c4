// Tasks the sandbox's engine creates, with what the engine reads of the SQL task store
// (src/store/operational/TaskStore.ts): moot tasks closed by an event, and open tasks per queue.
//
// A sandbox has no agents, so a task stays open until an event of its customer makes it moot, which
// can happen at any later time: open tasks cannot be forgotten. What bounds them is that each is its
// customer's and is only looked up by customer (closeMoot names customers): they are kept with the
// customer's state (TaskHome: the engine store, in memory while the state is held, in its temp-file
// record when spilled). A task of a customer without a stored state stays in `unowned` (none in a
// replay: a task is created in a step that stores its customer's state). What the engine reads of all
// of them — open tasks already available, per queue (queue loads, for rules routing by staffing) — is
// kept as counts, with a heap of the tasks not available yet.
import type { TaskInsert, MootTasks, TaskRecord } from '../../store/operational/TaskStore.ts'
import { RESOLVED_BY_EVENT } from '../../store/operational/TaskStore.ts'
import { mapPacked } from '../../lib/packedMap.ts'
import { MinHeap } from '../MinHeap.ts'
import type { RememberedIds } from './RememberedIds.ts'
import { fromJsonb, jsonbText, storedText } from './values.ts'

/** An open task as kept (plain JSON: it is spilled with its customer's state). */
export interface OpenTask {
  /** Creation order: closeMoot closes tasks in it. */
  seq: number
  insert: Omit<TaskInsert, 'signal' | 'context' | 'fallback'>
  signalJson: string
  contextJson: string
  fallbackJson: string
  /** The signal's entity as `signal->>'entity'` reads it; null when it has none. */
  entity: string | null
}

/** Where open tasks live: with their customer's stored state. */
export interface TaskHome {
  /**
   * The open tasks kept with a customer's stored state, or undefined when it has none. `write`: the
   * array kept with the state (a spilled state is read back into memory); otherwise possibly a copy.
   */
  openTasksOf(customerId: string, write: boolean): OpenTask[] | undefined
}

function entityText(signalJson: string): string | null {
  const signal = fromJsonb<{ entity?: unknown } | null>(signalJson)
  const entity = signal !== null && typeof signal === 'object' ? signal.entity : undefined
  if (entity === undefined || entity === null) return null
  return typeof entity === 'string' ? entity : JSON.stringify(entity)
}

const availableAt = (t: OpenTask): number => t.insert.availableAt ?? t.insert.createdAt

interface Later {
  at: number
  seq: number
  queue: string
}

export class MemoryTasks {
  private seq = 0
  /** Open tasks whose customer has no stored state, by id. */
  private readonly unowned = new Map<string, OpenTask>()
  /** Open tasks available at or before `countedTo`, per queue. */
  private readonly available = new Map<string, number>()
  /** Open tasks available after `countedTo`; those closed meanwhile are in `closedLater`, skipped when popped. */
  private readonly later = new MinHeap<Later>((a, b) => a.at < b.at || (a.at === b.at && a.seq < b.seq))
  private readonly closedLater = new Set<number>()
  /**
   * Queue loads are never asked for a time before this: it is the latest time they were asked for
   * and the latest creation time of a task — the engine creates a task at its clock's time, and the
   * sandbox's clock never goes back. `openBy` checks it.
   */
  private countedTo = -Infinity
  /** Open tasks (held, spilled or unowned), and tasks closed. */
  openCount = 0
  closedCount = 0

  /** Keys of every task created are remembered with the customer's state (RememberedIds.ts). */
  constructor(
    private readonly remembered: RememberedIds,
    private readonly home: TaskHome,
  ) {}

  prepare(rows: readonly TaskInsert[]): OpenTask[] {
    return mapPacked(rows, (t) => {
      for (const text of [t.id, t.idempotencyKey, t.customerId, t.queue, t.priority, t.title, t.ruleId, ...(t.skills ?? []), t.language ?? '']) storedText(text)
      const fallbackJson = jsonbText(t.fallback ?? null)
      const signalJson = jsonbText(t.signal)
      const { signal: _signal, context: _context, fallback: _fallback, ...insert } = t
      return { seq: 0, insert, signalJson, contextJson: jsonbText(t.context), fallbackJson, entity: entityText(signalJson) }
    })
  }

  /** Stores prepared tasks whose idempotency key is new; returns their ids. */
  apply(rows: readonly OpenTask[]): Set<string> {
    const inserted = new Set<string>()
    for (const row of rows) {
      if (this.remembered.has('K', row.insert.idempotencyKey)) continue
      this.remembered.add('K', row.insert.idempotencyKey, row.insert.customerId)
      // Built whole, in prepare's key order: a field written after its object is built turns mutable in V8 and code compiled on it is thrown away.
      const task: OpenTask = { seq: this.seq++, insert: row.insert, signalJson: row.signalJson, contextJson: row.contextJson, fallbackJson: row.fallbackJson, entity: row.entity }
      // A task id is its decision's signal and action (src/stream/effects.ts): a new key is a new id.
      const home = this.home.openTasksOf(task.insert.customerId, true)
      if (home === undefined) this.unowned.set(task.insert.id, task)
      else home.push(task)
      this.openCount++
      this.countTo(task.insert.createdAt)
      if (availableAt(task) <= this.countedTo) this.count(task.insert.queue, 1)
      else this.later.push({ at: availableAt(task), seq: task.seq, queue: task.insert.queue })
      inserted.add(task.insert.id)
    }
    return inserted
  }

  /**
   * Closes the open tasks each entry names, as TaskStore.closeMoot, in creation order: each task
   * with the first entry that names its customer, rule and (when given) entity.
   */
  closeMoot(moot: readonly MootTasks[], now: number): TaskRecord[] {
    const found: Array<{ task: OpenTask; note: string }> = []
    const customers = new Set(moot.map((m) => m.customerId))
    const match = (t: OpenTask): MootTasks | undefined => moot.find((m) => m.customerId === t.insert.customerId && m.ruleId === t.insert.ruleId && (m.entity === undefined || m.entity === null || t.entity === m.entity))
    for (const customerId of customers) {
      for (const task of this.home.openTasksOf(customerId, false) ?? []) {
        const m = match(task)
        if (m !== undefined) found.push({ task, note: m.note })
      }
    }
    for (const task of this.unowned.values()) {
      const m = customers.has(task.insert.customerId) ? match(task) : undefined
      if (m !== undefined) found.push({ task, note: m.note })
    }
    if (found.length === 0) return []
    found.sort((a, b) => a.task.seq - b.task.seq)
    const closed = new Set(found.map((f) => f.task.seq))
    for (const customerId of new Set(found.map((f) => f.task.insert.customerId))) {
      const home = this.home.openTasksOf(customerId, true)
      if (home === undefined) continue
      const kept = home.filter((t) => !closed.has(t.seq))
      home.length = 0
      home.push(...kept)
    }
    return mapPacked(found, ({ task, note }) => {
      this.unowned.delete(task.insert.id)
      this.openCount--
      this.closedCount++
      if (availableAt(task) <= this.countedTo) this.count(task.insert.queue, -1)
      else this.closedLater.add(task.seq)
      return this.resolved(task, storedText(note), now)
    })
  }

  /** Open tasks already available, per queue. */
  openBy(now: number): Map<string, number> {
    if (now < this.countedTo) throw new Error(`queue loads asked for ${now}, before ${this.countedTo}: the sandbox's clock went back`)
    this.countTo(now)
    const out = new Map<string, number>()
    for (const [queue, n] of this.available) if (n > 0) out.set(queue, n)
    return out
  }

  get unownedCount(): number {
    return this.unowned.size
  }

  /** Tasks not yet available, in the heap (closed ones included until popped). */
  get laterCount(): number {
    return this.later.size
  }

  private countTo(at: number): void {
    if (at <= this.countedTo) return
    this.countedTo = at
    for (let top = this.later.peek(); top !== undefined && top.at <= at; top = this.later.peek()) {
      this.later.pop()
      if (!this.closedLater.delete(top.seq)) this.count(top.queue, 1)
    }
  }

  private count(queue: string, by: number): void {
    const n = (this.available.get(queue) ?? 0) + by
    if (n === 0) this.available.delete(queue)
    else this.available.set(queue, n)
  }

  private resolved(task: OpenTask, note: string, now: number): TaskRecord {
    const t = task.insert
    return {
      id: t.id, customerId: t.customerId, queue: t.queue, priority: t.priority, priorityRank: t.priorityRank, title: t.title, ruleId: t.ruleId, ruleVersion: t.ruleVersion,
      signal: fromJsonb(task.signalJson), context: fromJsonb(task.contextJson), slaDueAt: t.slaDueAt, createdAt: t.createdAt,
      status: 'resolved', updatedAt: now, claimedBy: null, claimedAt: null, resolvedBy: 'careloop', resolvedAt: now, outcome: RESOLVED_BY_EVENT, note,
      availableAt: t.availableAt ?? t.createdAt, snoozedUntil: null, slaWarnedAt: null, escalatedAt: null, escalatedFrom: null, firstContactAt: null,
      skills: t.skills ?? [], language: t.language ?? null, fallback: fromJsonb(task.fallbackJson),
    }
  }
}
