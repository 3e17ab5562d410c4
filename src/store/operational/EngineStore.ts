// What the engine loop reads and writes per batch: customer state, source positions and durable
// timers. commit() writes a whole batch's effects in one transaction, so state, timers, outbox,
// tasks and the position move together or not at all.
import { reviveState, type CustomerState } from '../../model/customer.ts'
import type { DeadLetter, DeadLetterStore } from './DeadLetterStore.ts'
import type { EventLog, LogAppend } from '../eventlog/EventLog.ts'
import type { IdentityStore, IdentityWrites } from './IdentityStore.ts'
import type { OutboxInsert, OutboxRecord, OutboxStore, WithdrawnNudges } from './OutboxStore.ts'
import { multiRowInsert, runInserts, storedJson, type SqlDatabase, type SqlExecutor } from './SqlExecutor.ts'
import type { MootTasks, TaskInsert, TaskRecord, TaskStore } from './TaskStore.ts'

export interface TimerRecord {
  id: string
  customerId: string
  partition: number
  ruleId: string
  triggerIndex: number
  entity: string
  /** When the timer fires (the due time plus the trigger's allowed lateness). */
  dueAt: number
  /** The moment's time: when the awaited event was due. Absent on timers armed before it existed. */
  momentAt?: number
  /** The event that armed (or last re-armed) the timer: the context when it fires. */
  armedBy: unknown
}

export type TimerWrite =
  | ({ op: 'arm' } & TimerRecord)
  | { op: 'cancel' | 'fire'; id: string }

export interface BatchCommit {
  source: string
  /** Partition → last position whose effects this batch contains. */
  positions: ReadonlyMap<number, number>
  /** nextDueAt: when the state's scheduled care can next come due (missing: at once). */
  states: ReadonlyArray<{ partition: number; state: CustomerState; nextDueAt?: number }>
  timers: readonly TimerWrite[]
  outbox: readonly OutboxInsert[]
  tasks: readonly TaskInsert[]
  /** Tasks whose reason went away in this batch; closed after this batch's tasks are inserted. */
  mootTasks?: readonly MootTasks[]
  /** Messages waiting to go out whose reason went away (after this batch's inserts). */
  withdrawnNudges?: readonly WithdrawnNudges[]
  deadLetters: readonly DeadLetter[]
  /** Identity links and conflicts decided in this batch. */
  identity?: IdentityWrites
  /** Shoppers who may have become reachable (identified, merged): their address waits end now. */
  addressChanged?: readonly string[]
  /**
   * Hand-offs to other customers' owners, appended to the embedded event log: inside the batch's
   * transaction (SQL log), or made durable before it (file log) with their deterministic ids, so a
   * crash before the commit re-appends the same ids and the log drops them as duplicates.
   */
  logAppends?: readonly LogAppend[]
  /**
   * Writes elsewhere (history, dead-letter topic …) made while this transaction is built: it
   * commits only after they resolve, and rolls back if they reject.
   */
  durableFirst?: Promise<unknown>
  now: number
  /** A turn between the statements of a large write (default: one turn of the event loop); see EngineOptions.turn. */
  turn?: () => Promise<void>
}

export interface CommitOutcome {
  newOutbox: Set<string>
  /** Messages waiting for an address made due now. */
  readdressed: number
  newTasks: Set<string>
  closedTasks: TaskRecord[]
  /** Messages withdrawn before they went out, their reason as last error. */
  withdrawn: OutboxRecord[]
}

interface TimerRow {
  id: string
  customer_id: string
  partition: number
  rule_id: string
  trigger_index: number
  entity: string
  due_at: string | number
  moment_at: string | number | null
  armed_by: unknown
}

function timerRecord(r: TimerRow): TimerRecord {
  return {
    id: r.id,
    customerId: r.customer_id,
    partition: r.partition,
    ruleId: r.rule_id,
    triggerIndex: r.trigger_index,
    entity: r.entity,
    dueAt: Number(r.due_at),
    ...(r.moment_at === null ? {} : { momentAt: Number(r.moment_at) }),
    armedBy: r.armed_by,
  }
}

const nextTurn = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve))

/** States upserted by one statement (≈ 1 kB each); with a turn between them (embedded), ≈ 10 ms of the main thread each. */
const STATES_PER_STATEMENT = 1_000
const STATES_PER_SLICE = 250

export class EngineStore {
  constructor(
    private readonly db: SqlDatabase,
    private readonly outbox: OutboxStore,
    private readonly tasks: TaskStore,
    private readonly deadLetters: DeadLetterStore,
    private readonly identity: IdentityStore,
    private readonly log: EventLog,
  ) {}

  async positions(source: string, partitions: readonly number[]): Promise<Map<number, number>> {
    const result = await this.db.query<{ partition: number; position: string | number }>(
      'SELECT partition, position FROM source_positions WHERE source = $1 AND partition = ANY($2::int[])',
      [source, partitions],
    )
    return new Map(result.rows.map((r) => [r.partition, Number(r.position)]))
  }

  async loadStates(customerIds: readonly string[]): Promise<Map<string, CustomerState>> {
    if (customerIds.length === 0) return new Map()
    const result = await this.db.query<{ customer_id: string; state: unknown }>(
      'SELECT customer_id, state FROM customer_state WHERE customer_id = ANY($1::text[])',
      [customerIds],
    )
    return new Map(result.rows.map((r) => [r.customer_id, reviveState(storedJson(r.state), r.customer_id)]))
  }

  /** Customers whose email trait is `email`, ignoring case (the console's shopper search; a scan, not indexed). */
  async customerIdsByEmail(email: string, limit: number): Promise<string[]> {
    const result = await this.db.query<{ customer_id: string }>(
      "SELECT customer_id FROM customer_state WHERE lower(state::jsonb->'traits'->>'email') = lower($1) ORDER BY customer_id LIMIT $2",
      [email, limit],
    )
    return result.rows.map((r) => r.customer_id)
  }

  /** One page of the customers of some partitions, by id (a sweep that reads every stored state). */
  async statesPage(partitions: readonly number[], afterId: string, limit: number): Promise<Array<{ customerId: string; partition: number; state: CustomerState }>> {
    const result = await this.db.query<{ customer_id: string; partition: number; state: unknown }>(
      `SELECT customer_id, partition, state FROM customer_state
        WHERE partition = ANY($1::int[]) AND customer_id > $2
        ORDER BY customer_id LIMIT $3`,
      [partitions, afterId, limit],
    )
    return result.rows.map((r) => ({ customerId: r.customer_id, partition: r.partition, state: reviveState(storedJson(r.state), r.customer_id) }))
  }

  /** One page, by id, of the customers of some partitions whose scheduled care is due by `now`. */
  async dueStatesPage(partitions: readonly number[], now: number, afterId: string, limit: number): Promise<Array<{ customerId: string; partition: number; state: CustomerState }>> {
    const result = await this.db.query<{ customer_id: string; partition: number; state: unknown }>(
      `SELECT customer_id, partition, state FROM customer_state
        WHERE partition = ANY($1::int[]) AND next_due_at <= $2 AND customer_id > $3
        ORDER BY customer_id LIMIT $4`,
      [partitions, now, afterId, limit],
    )
    return result.rows.map((r) => ({ customerId: r.customer_id, partition: r.partition, state: reviveState(storedJson(r.state), r.customer_id) }))
  }

  /** Stores when customers' scheduled care next comes due (after a sweep read them). */
  async setScheduleDue(dues: ReadonlyArray<{ customerId: string; nextDueAt: number }>): Promise<void> {
    if (dues.length === 0) return
    await this.db.query(
      `UPDATE customer_state SET next_due_at = d.due FROM unnest($1::text[], $2::bigint[]) AS d(customer_id, due)
        WHERE customer_state.customer_id = d.customer_id`,
      [dues.map((d) => d.customerId), dues.map((d) => d.nextDueAt)],
    )
  }

  /** Pending timers due by `now` on the given partitions, earliest first. */
  async dueTimers(partitions: readonly number[], now: number, limit: number): Promise<TimerRecord[]> {
    const result = await this.db.query<TimerRow>(
      `SELECT id, customer_id, partition, rule_id, trigger_index, entity, due_at, moment_at, armed_by FROM timers
        WHERE status = 'pending' AND partition = ANY($1::int[]) AND due_at <= $2
        ORDER BY due_at, id LIMIT $3`,
      [partitions, now, limit],
    )
    return result.rows.map(timerRecord)
  }

  /** Pending timers of these customers (a merge moves them to the known shopper). */
  async pendingTimersOf(customerIds: readonly string[]): Promise<TimerRecord[]> {
    if (customerIds.length === 0) return []
    const result = await this.db.query<TimerRow>(
      `SELECT id, customer_id, partition, rule_id, trigger_index, entity, due_at, moment_at, armed_by FROM timers
        WHERE status = 'pending' AND customer_id = ANY($1::text[]) ORDER BY due_at, id`,
      [customerIds],
    )
    return result.rows.map(timerRecord)
  }

  async nextTimerDue(partitions: readonly number[]): Promise<number | undefined> {
    const result = await this.db.query<{ t: string | null }>(
      `SELECT min(due_at) AS t FROM timers WHERE status = 'pending' AND partition = ANY($1::int[])`,
      [partitions],
    )
    const t = result.rows[0]?.t
    return t == null ? undefined : Number(t)
  }

  async pendingTimerCount(): Promise<number> {
    const result = await this.db.query<{ n: string }>(`SELECT count(*) AS n FROM timers WHERE status = 'pending'`)
    return Number(result.rows[0]?.n ?? 0)
  }

  async commit(batch: BatchCommit): Promise<CommitOutcome> {
    const appendFirst = batch.logAppends?.length && !this.log.transactional
    if (appendFirst) await this.log.append(batch.logAppends ?? [])
    return this.db.transaction(async (tx) => {
      await this.writeStates(tx, batch)
      await this.writeTimers(tx, batch)
      const newOutbox = await this.outbox.insert(batch.outbox, tx)
      const newTasks = await this.tasks.insert(batch.tasks, tx)
      const closedTasks = batch.mootTasks?.length ? await this.tasks.closeMoot(batch.mootTasks, batch.now, tx) : []
      const withdrawn = batch.withdrawnNudges?.length ? await this.outbox.withdraw(batch.withdrawnNudges, batch.outbox.map((o) => o.id), batch.now, tx) : []
      await this.deadLetters.add(batch.deadLetters, tx)
      if (batch.identity) await this.identity.write(batch.identity, tx)
      const readdressed = batch.addressChanged?.length ? await this.outbox.wakeAddressWaits(batch.addressChanged, batch.now, tx) : 0
      if (batch.logAppends?.length && !appendFirst) await this.log.append(batch.logAppends, tx)
      await this.writePositions(tx, batch)
      // The position may commit only once what must be durable before it is.
      await batch.durableFirst
      return { newOutbox, newTasks, closedTasks, withdrawn, readdressed }
    })
  }

  private async writePositions(tx: SqlExecutor, batch: BatchCommit): Promise<void> {
    if (batch.positions.size === 0) return
    await runInserts(
      tx,
      multiRowInsert(
        'source_positions',
        ['source', 'partition', 'position'],
        [...batch.positions].map(([partition, position]) => [batch.source, partition, position]),
        'ON CONFLICT (source, partition) DO UPDATE SET position = GREATEST(source_positions.position, EXCLUDED.position)',
      ),
    )
  }

  private async writeStates(tx: SqlExecutor, batch: BatchCommit): Promise<void> {
    const size = batch.turn ? STATES_PER_SLICE : STATES_PER_STATEMENT
    for (let start = 0; start < batch.states.length; start += size) {
      // Each statement holds the (embedded, in-process) database's thread for its whole run:
      // between them, waiting I/O such as ingest requests gets a turn.
      if (start > 0) await (batch.turn ?? nextTurn)()
      await runInserts(
        tx,
        multiRowInsert(
          'customer_state',
          ['customer_id', 'partition', 'version', 'state', 'updated_at', 'next_due_at'],
          batch.states.slice(start, start + size).map(({ partition, state, nextDueAt }) => [state.customerId, partition, state.version, JSON.stringify(state), batch.now, nextDueAt ?? 0]),
          `ON CONFLICT (customer_id) DO UPDATE SET partition = EXCLUDED.partition, version = EXCLUDED.version,
             state = EXCLUDED.state, updated_at = EXCLUDED.updated_at, next_due_at = EXCLUDED.next_due_at`,
        ),
      )
    }
  }

  private async writeTimers(tx: SqlExecutor, batch: BatchCommit): Promise<void> {
    // Within a batch the last write per timer wins (arm → cancel → arm …).
    const last = new Map<string, TimerWrite>()
    for (const write of batch.timers) last.set(write.id, write)
    const arms = [...last.values()].filter((w): w is { op: 'arm' } & TimerRecord => w.op === 'arm')
    if (arms.length > 0) {
      // A timer fires or is cancelled at most once: a finished timer is never re-armed.
      await runInserts(
        tx,
        multiRowInsert(
          'timers',
          ['id', 'customer_id', 'partition', 'rule_id', 'trigger_index', 'entity', 'due_at', 'moment_at', 'status', 'armed_by', 'created_at', 'updated_at'],
          arms.map((t) => [t.id, t.customerId, t.partition, t.ruleId, t.triggerIndex, t.entity, t.dueAt, t.momentAt ?? t.dueAt, 'pending', JSON.stringify(t.armedBy), batch.now, batch.now]),
          `ON CONFLICT (id) DO UPDATE SET due_at = EXCLUDED.due_at, moment_at = EXCLUDED.moment_at, armed_by = EXCLUDED.armed_by, updated_at = EXCLUDED.updated_at
             WHERE timers.status = 'pending'`,
        ),
      )
    }
    for (const status of ['cancelled', 'fired'] as const) {
      const ids = [...last.values()].filter((w) => w.op === (status === 'cancelled' ? 'cancel' : 'fire')).map((w) => w.id)
      if (ids.length === 0) continue
      await tx.query(`UPDATE timers SET status = $1, updated_at = $2 WHERE id = ANY($3::text[]) AND status = 'pending'`, [status, batch.now, ids])
    }
  }
}
