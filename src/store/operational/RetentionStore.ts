// Retention deletes of the operational store: finished outbox rows, dead letters, and embedded
// event-log rows the engine has already consumed (the log is never compacted otherwise).
import type { SqlExecutor } from './SqlExecutor.ts'

const counted = async (db: SqlExecutor, sql: string, params: unknown[]): Promise<number> => {
  const result = await db.query<{ n: string | number }>(`WITH gone AS (${sql} RETURNING 1) SELECT count(*) AS n FROM gone`, params)
  return Number(result.rows[0]?.n ?? 0)
}

export class RetentionStore {
  constructor(private readonly db: SqlExecutor) {}

  /** Outbox rows done with (sent, skipped by a guard, or dead) last changed before the cutoff. */
  deleteFinishedOutbox(before: number): Promise<number> {
    return counted(this.db, `DELETE FROM outbox WHERE status IN ('sent', 'skipped', 'dead') AND updated_at < $1`, [before])
  }

  deleteDeadLetters(before: number): Promise<number> {
    return counted(this.db, 'DELETE FROM dead_letters WHERE received_at < $1', [before])
  }

  /** Log rows received before the cutoff that `source` has read past (seq at or below its position). */
  deleteConsumedLog(before: number, source: string): Promise<number> {
    return counted(
      this.db,
      `DELETE FROM event_log e WHERE e.received_at < $1
         AND EXISTS (SELECT 1 FROM source_positions p WHERE p.source = $2 AND p.partition = e.partition AND p.position >= e.seq)`,
      [before, source],
    )
  }
}
