// Retention deletes of the operational store: finished outbox rows, dead letters and settled
// webhook deliveries (the event log's consumed records go through its own deleteConsumed).
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

  /**
   * Webhook deliveries delivered or dead whose last attempt (delivery time, else the last lease)
   * lies before the cutoff. Pending ones stay whatever their age: a receiver may still take them.
   */
  deleteSettledWebhookDeliveries(before: number): Promise<number> {
    return counted(
      this.db,
      `DELETE FROM webhook_deliveries WHERE status IN ('delivered', 'dead') AND GREATEST(occurred_at, next_attempt_at, COALESCE(delivered_at, 0)) < $1`,
      [before],
    )
  }
}
