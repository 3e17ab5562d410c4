// The event log as a SQL table: ingest appends, the engine reads in order per partition. Used by
// an operational store opened without `eventLog` (tests that open it alone); the engine without
// Kafka uses a FileEventLog, and this table is only drained into it on upgrade.
import type { EventLog, LogAppend, LogRecord } from '../eventlog/EventLog.ts'
import { multiRowInsert, storedJson, type SqlExecutor } from './SqlExecutor.ts'

export type { LogAppend, LogRecord } from '../eventlog/EventLog.ts'

interface LogRow {
  seq: string | number
  partition: number
  message_id: string
  customer_id: string
  received_at: string | number
  body: unknown
}

export class EventLogStore implements EventLog {
  readonly transactional = true

  constructor(private readonly db: SqlExecutor) {}

  /** Appends events; a messageId already in the log is ignored. Returns the ids newly stored. */
  async append(events: readonly LogAppend[], tx: SqlExecutor = this.db): Promise<Set<string>> {
    const inserted = new Set<string>()
    if (events.length === 0) return inserted
    const statements = multiRowInsert(
      'event_log',
      ['partition', 'message_id', 'customer_id', 'received_at', 'body'],
      events.map((e) => [e.partition, e.messageId, e.customerId, e.receivedAt, JSON.stringify(e.body)]),
      'ON CONFLICT (message_id) DO NOTHING RETURNING message_id',
    )
    for (const { sql, params } of statements) {
      const result = await tx.query<{ message_id: string }>(sql, params)
      for (const row of result.rows) inserted.add(row.message_id)
    }
    return inserted
  }

  async read(partition: number, afterSeq: number, limit: number): Promise<LogRecord[]> {
    return this.select('WHERE partition = $1 AND seq > $2 ORDER BY seq LIMIT $3', [partition, afterSeq, limit])
  }

  /** Every partition's records, in seq order (the carry-over into the file log). */
  async readAll(afterSeq: number, limit: number): Promise<LogRecord[]> {
    return this.select('WHERE seq > $1 ORDER BY seq LIMIT $2', [afterSeq, limit])
  }

  private async select(where: string, params: unknown[]): Promise<LogRecord[]> {
    const result = await this.db.query<LogRow>(`SELECT seq, partition, message_id, customer_id, received_at, body FROM event_log ${where}`, params)
    return result.rows.map((r) => ({
      seq: Number(r.seq),
      partition: r.partition,
      messageId: r.message_id,
      customerId: r.customer_id,
      receivedAt: Number(r.received_at),
      body: storedJson(r.body),
    }))
  }

  /** Highest sequence number stored (0 when empty). */
  async head(partition: number): Promise<number> {
    const result = await this.db.query<{ seq: string | number | null }>('SELECT max(seq) AS seq FROM event_log WHERE partition = $1', [partition])
    return Number(result.rows[0]?.seq ?? 0)
  }

  async eraseCustomers(customerIds: readonly string[]): Promise<number> {
    return (await this.db.query('DELETE FROM event_log WHERE customer_id = ANY($1::text[])', [customerIds])).affectedRows
  }

  async deleteConsumed(before: number, consumed: ReadonlyMap<number, number>): Promise<number> {
    let removed = 0
    for (const [partition, position] of consumed) {
      removed += (await this.db.query('DELETE FROM event_log WHERE partition = $1 AND seq <= $2 AND received_at < $3', [partition, position, before])).affectedRows
    }
    return removed
  }

  /** Empties the table (its rows were carried over to the file log). */
  async clear(): Promise<void> {
    await this.db.query('DELETE FROM event_log')
  }

  /** The furthest `source` has read in any partition (0 = nothing). */
  async lastPosition(source: string): Promise<number> {
    const result = await this.db.query<{ position: string | number | null }>('SELECT max(position) AS position FROM source_positions WHERE source = $1', [source])
    return Number(result.rows[0]?.position ?? 0)
  }

  async close(): Promise<void> {}
}
