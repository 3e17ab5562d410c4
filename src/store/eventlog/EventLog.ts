// The embedded event log as the engine, ingest, retention and erasure see it. Two implementations:
// FileEventLog (segment files in the data directory) and the SQL table (EventLogStore), kept for
// an operational store opened without one (tests that open it alone).
import type { SqlExecutor } from '../operational/SqlExecutor.ts'

export interface LogAppend {
  partition: number
  messageId: string
  customerId: string
  receivedAt: number
  /** The original message as received (JSON). */
  body: unknown
}

export interface LogRecord extends LogAppend {
  seq: number
}

export interface EventLog {
  /**
   * True when append takes part in the operational transaction given to it; false when it is
   * durable on its own as soon as it resolves (then writers append before they commit).
   */
  readonly transactional: boolean
  /** Appends events durably; a messageId already in the log is ignored. Returns the ids newly stored. */
  append(events: readonly LogAppend[], tx?: SqlExecutor): Promise<Set<string>>
  /** Up to `limit` records of a partition with seq above `afterSeq`, in seq order. */
  read(partition: number, afterSeq: number, limit: number): Promise<LogRecord[]>
  /** Highest sequence number stored (0 when nothing was ever stored). */
  head(partition: number): Promise<number>
  /** Removes every record of these customers from the log, leaving none of their data on disk. */
  eraseCustomers(customerIds: readonly string[]): Promise<number>
  /** Removes records received before `before` that were consumed (seq ≤ the partition's position). */
  deleteConsumed(before: number, consumed: ReadonlyMap<number, number>): Promise<number>
  close(): Promise<void>
}
