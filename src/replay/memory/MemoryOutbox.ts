// The sandbox's outbox in memory, with the SQL outbox's semantics (src/store/operational/OutboxStore.ts):
// rows keyed by idempotency key, leases in (next attempt, id) order per channel. Only rows not yet
// final are kept; every row's key is remembered (with its customer's state: RememberedIds.ts) so the
// same decision never queues twice. Pending rows are found by due time through a heap per channel
// (a month of a large shop holds tens of thousands of messages waiting for the morning or an
// address; scanning them at every step made the replay slower the longer it ran).
import type { Channel } from '../../model/channel.ts'
import { ADDRESS_GUARD } from '../../model/outbox.ts'
import type { OutboxInsert, OutboxRecord, OutboxStore, WithdrawnNudges } from '../../store/operational/OutboxStore.ts'
import { mapPacked } from '../../lib/packedMap.ts'
import { DueHeap } from './DueHeap.ts'
import type { RememberedIds } from './RememberedIds.ts'
import { fromJsonb, jsonbText, storedText, textCompare } from './values.ts'

interface Row extends Omit<OutboxRecord, 'payload'> {
  payloadJson: string
  leaseUntil: number | null
}

type Used = 'insert' | 'lease' | 'markSent' | 'markRetry' | 'markDeferred' | 'markFinal' | 'unsent' | 'nextDue' | 'wakeAddressWaits' | 'withdraw'

/** A row being sent whose lease ran out: `lease` takes it again. */
const leaseExpired = (r: Row, now: number): boolean => r.status === 'sending' && r.leaseUntil !== null && r.leaseUntil < now
const order = (a: { nextAttemptAt: number; id: string }, b: { nextAttemptAt: number; id: string }): number => a.nextAttemptAt - b.nextAttemptAt || textCompare(a.id, b.id)

export class MemoryOutbox implements Pick<OutboxStore, Used> {
  /** Rows still pending or being sent, by id. */
  private readonly live = new Map<string, Row>()
  private readonly liveOf = new Map<string, Set<string>>()
  /** Pending rows' (next attempt, id) per channel; entries of rows since leased, re-timed or final are dropped as they surface. */
  private readonly pending = new Map<Channel, DueHeap>()
  /** Ids of rows being sent (leased). */
  private readonly sending = new Set<string>()

  constructor(private readonly remembered: RememberedIds) {}

  private queue(row: Row): void {
    let heap = this.pending.get(row.channel)
    if (heap === undefined) {
      const live = this.live
      const channel = row.channel
      heap = new DueHeap((id, at) => {
        const r = live.get(id)
        return r !== undefined && r.status === 'pending' && r.nextAttemptAt === at && r.channel === channel
      })
      this.pending.set(channel, heap)
    }
    heap.push(row.nextAttemptAt, row.id)
  }

  /** Validates rows as the SQL insert would (throws before anything is stored). */
  prepare(rows: readonly OutboxInsert[]): Row[] {
    return mapPacked(rows, (r) => {
      for (const text of [r.id, r.idempotencyKey, r.customerId, r.channel, r.template, r.topic, r.ruleId]) storedText(text)
      const { payload: _payload, ...rest } = r
      return { ...rest, payloadJson: jsonbText(r.payload), status: 'pending', attempts: 0, lastError: null, providerMessageId: null, updatedAt: r.createdAt, leaseUntil: null }
    })
  }

  /** Stores prepared rows whose idempotency key is new; returns their ids. */
  apply(rows: readonly Row[]): Set<string> {
    const inserted = new Set<string>()
    for (const row of rows) {
      if (this.remembered.has('O', row.idempotencyKey)) continue
      this.remembered.add('O', row.idempotencyKey, row.customerId)
      const stored = { ...row }
      this.live.set(row.id, stored)
      this.queue(stored)
      let ids = this.liveOf.get(row.customerId)
      if (ids === undefined) this.liveOf.set(row.customerId, (ids = new Set()))
      ids.add(row.id)
      inserted.add(row.id)
    }
    return inserted
  }

  async insert(rows: readonly OutboxInsert[]): Promise<Set<string>> {
    return this.apply(this.prepare(rows))
  }

  private record(row: Row): OutboxRecord {
    const { payloadJson, leaseUntil: _lease, ...rest } = row
    return { ...rest, payload: fromJsonb(payloadJson) }
  }

  async lease(now: number, leaseMs: number, limit: number, channel?: Channel): Promise<OutboxRecord[]> {
    const take = Math.max(0, limit)
    const candidates: Row[] = []
    for (const [on, heap] of this.pending) {
      if (channel !== undefined && on !== channel) continue
      for (const e of heap.dueBy(now, take)) candidates.push(this.live.get(e.id) as Row)
    }
    for (const id of this.sending) {
      const r = this.live.get(id) as Row
      if (leaseExpired(r, now) && (channel === undefined || r.channel === channel)) candidates.push(r)
    }
    const due = candidates.sort(order).slice(0, take)
    for (const r of due) {
      Object.assign(r, { status: 'sending', attempts: r.attempts + 1, leaseUntil: now + leaseMs, updatedAt: now })
      this.sending.add(r.id)
    }
    return mapPacked(due, (r) => this.record(r))
  }

  async dueChannels(now: number): Promise<Set<Channel>> {
    const channels = new Set<Channel>()
    for (const [channel, heap] of this.pending) if ((heap.peek()?.at ?? Infinity) <= now) channels.add(channel)
    for (const id of this.sending) {
      const r = this.live.get(id) as Row
      if (leaseExpired(r, now)) channels.add(r.channel)
    }
    return channels
  }

  private final(id: string): void {
    const row = this.live.get(id)
    if (row === undefined) return
    this.live.delete(id)
    this.sending.delete(id)
    const ids = this.liveOf.get(row.customerId)
    ids?.delete(id)
    if (ids?.size === 0) this.liveOf.delete(row.customerId)
  }

  async markSent(id: string): Promise<void> {
    this.final(id)
  }

  async markFinal(id: string): Promise<void> {
    this.final(id)
  }

  async markRetry(id: string, now: number, nextAttemptAt: number, error: string): Promise<void> {
    const row = this.live.get(id)
    if (row) this.requeue(row, { status: 'pending', nextAttemptAt, lastError: storedText(error), leaseUntil: null, updatedAt: now })
  }

  async markDeferred(id: string, now: number, until: number, reason: string): Promise<void> {
    const row = this.live.get(id)
    if (row) this.requeue(row, { status: 'pending', nextAttemptAt: until, attempts: Math.max(row.attempts - 1, 0), lastError: storedText(reason), leaseUntil: null, updatedAt: now })
  }

  private requeue(row: Row, change: Partial<Row> & { status: 'pending'; nextAttemptAt: number }): void {
    Object.assign(row, change)
    this.sending.delete(row.id)
    this.queue(row)
  }

  async wakeAddressWaits(customerIds: readonly string[], now: number): Promise<number> {
    let woken = 0
    for (const customerId of new Set(customerIds)) {
      for (const id of this.liveOf.get(customerId) ?? []) {
        const row = this.live.get(id) as Row
        if (row.status === 'pending' && row.nextAttemptAt > now && row.lastError?.startsWith(`${ADDRESS_GUARD}:`)) {
          Object.assign(row, { nextAttemptAt: now, updatedAt: now })
          this.queue(row)
          woken++
        }
      }
    }
    return woken
  }

  /** As OutboxStore.withdraw: pending rows of the customer, rule and entity; this batch's only if planned before. */
  async withdraw(withdrawals: readonly WithdrawnNudges[], batchIds: readonly string[], now: number): Promise<OutboxRecord[]> {
    const inBatch = new Set(batchIds)
    const out: OutboxRecord[] = []
    for (const w of withdrawals) {
      storedText(w.reason)
      const planned = new Set(w.planned)
      const rows = mapPacked([...(this.liveOf.get(w.customerId) ?? [])], (id) => this.live.get(id) as Row)
        .filter((r) => r.ruleId === w.ruleId && r.status === 'pending' && (w.entity === undefined || r.entity === w.entity) && (planned.has(r.id) || !inBatch.has(r.id)))
        .sort((a, b) => textCompare(a.id, b.id))
      for (const row of rows) {
        Object.assign(row, { status: 'skipped', lastError: w.reason, leaseUntil: null, updatedAt: now })
        out.push(this.record(row))
        this.final(row.id)
      }
    }
    return out
  }

  async unsent(customerId: string, exceptId: string): Promise<OutboxRecord[]> {
    const rows = mapPacked([...(this.liveOf.get(customerId) ?? [])].filter((id) => id !== exceptId), (id) => this.live.get(id) as Row)
    return mapPacked(rows.sort((a, b) => a.createdAt - b.createdAt || textCompare(a.id, b.id)), (r) => this.record(r))
  }

  async nextDue(): Promise<number | undefined> {
    let next: number | undefined
    for (const heap of this.pending.values()) {
      const at = heap.peek()?.at
      if (at !== undefined && (next === undefined || at < next)) next = at
    }
    return next
  }

  /** Messages not yet final. */
  get backlog(): number {
    return this.live.size
  }

  /** Entries in the due heaps, dead ones included. */
  get heapEntries(): number {
    let n = 0
    for (const heap of this.pending.values()) n += heap.size
    return n
  }
}
