// Erasure on request (docs/privacy.md): every operational row about a shopper's ids removed in one
// transaction, except tasks, task notes and audit rows, which keep a pseudonymous reference with
// their personal content scrubbed. Also the erasure requests, whose stores finish at different times.
import type { SqlExecutor } from './SqlExecutor.ts'

/** One erased id and the reference that replaces it where a row is kept. */
export interface ErasedId {
  customerId: string
  reference: string
}

export interface OperationalErasure {
  /** Idempotency keys of the email rows removed (they name the pickup folder's .eml files). */
  emailKeys: string[]
  /** Rows removed or scrubbed per table. */
  rows: Record<string, number>
}

export interface SurveyAnswer {
  id: string
  taskId: string | null
  ruleId: string
  createdAt: number
  answeredAt: number | null
  score: number | null
  comment: string | null
}

export interface ErasureRecord {
  id: string
  reference: string
  requestedBy: string
  requestedAt: number
  /** Per store: done, or what it is still waiting for. */
  stores: Record<string, { done: boolean; detail?: string }>
  completedAt: number | null
}

interface ErasureRow {
  id: string
  reference: string
  requested_by: string
  requested_at: string | number
  stores: ErasureRecord['stores']
  completed_at: string | number | null
}

const toErasure = (r: ErasureRow): ErasureRecord => ({
  id: r.id,
  reference: r.reference,
  requestedBy: r.requested_by,
  requestedAt: Number(r.requested_at),
  stores: r.stores,
  completedAt: r.completed_at == null ? null : Number(r.completed_at),
})

const DELETE_BY_CUSTOMER = ['customer_state', 'timers', 'consent', 'contacts', 'inbox_messages', 'surveys', 'event_log', 'webhook_deliveries'] as const
const SCRUBBED_DETAILS = 'erased'

export class ErasureStore {
  constructor(private readonly db: SqlExecutor) {}

  /** Survey answers of these ids (the export). */
  async surveys(customerIds: readonly string[]): Promise<SurveyAnswer[]> {
    const result = await this.db.query<{ id: string; task_id: string | null; rule_id: string; created_at: string | number; answered_at: string | number | null; score: number | null; comment: string | null }>(
      'SELECT id, task_id, rule_id, created_at, answered_at, score, comment FROM surveys WHERE customer_id = ANY($1::text[]) ORDER BY created_at, id',
      [customerIds],
    )
    return result.rows.map((r) => ({ id: r.id, taskId: r.task_id, ruleId: r.rule_id, createdAt: Number(r.created_at), answeredAt: r.answered_at == null ? null : Number(r.answered_at), score: r.score, comment: r.comment }))
  }

  /**
   * Removes the ids from every operational table in one transaction (run it with the audit row).
   * `needles` are texts (the quoted ids, addresses, phone numbers) whose presence in a dead
   * letter's payload or an audit row's details marks it as theirs.
   */
  async erase(ids: readonly ErasedId[], needles: readonly string[], tx: SqlExecutor): Promise<OperationalErasure> {
    const customerIds = ids.map((i) => i.customerId)
    const rows: Record<string, number> = Object.create(null) as Record<string, number>
    const count = (table: string, n: number) => (rows[table] = (rows[table] ?? 0) + n)
    const outbox = await tx.query<{ idempotency_key: string; channel: string }>('DELETE FROM outbox WHERE customer_id = ANY($1::text[]) RETURNING idempotency_key, channel', [customerIds])
    count('outbox', outbox.rows.length)
    for (const table of DELETE_BY_CUSTOMER) count(table, (await tx.query(`DELETE FROM ${table} WHERE customer_id = ANY($1::text[])`, [customerIds])).affectedRows)
    const anonymous = customerIds.flatMap((id) => (id.startsWith('anon:') ? [id.slice('anon:'.length)] : []))
    for (const table of ['identity_links', 'identity_conflicts']) {
      count(table, (await tx.query(`DELETE FROM ${table} WHERE user_id = ANY($1::text[]) OR anonymous_id = ANY($2::text[])`, [customerIds, anonymous])).affectedRows)
    }
    for (const { customerId, reference } of ids) {
      count('tasks', (await tx.query(
        `UPDATE tasks SET customer_id = $2, title = rule_id || ' (erased shopper)', signal = '{}'::jsonb, context = '{}'::jsonb, note = NULL, fallback = NULL WHERE customer_id = $1`,
        [customerId, reference],
      )).affectedRows)
      count('task_notes', (await tx.query("UPDATE task_notes SET customer_id = $2, body = '[erased]' WHERE customer_id = $1", [customerId, reference])).affectedRows)
      count('audit_log', (await tx.query('UPDATE audit_log SET entity_id = $2 WHERE entity_id = $1', [customerId, reference])).affectedRows)
    }
    const texts = [...new Set(needles)].filter((n) => n.length >= 3)
    if (texts.length > 0) {
      const match = (column: string) => `EXISTS (SELECT 1 FROM unnest($1::text[]) AS n WHERE strpos(${column}, n) > 0)`
      count('dead_letters', (await tx.query(`DELETE FROM dead_letters WHERE ${match('payload')}`, [texts])).affectedRows)
      count('audit_log', (await tx.query(`UPDATE audit_log SET details = jsonb_build_object($2::text, true) WHERE ${match('details::text')}`, [texts, SCRUBBED_DETAILS])).affectedRows)
    }
    return { emailKeys: outbox.rows.filter((r) => r.channel === 'email').map((r) => r.idempotency_key), rows }
  }

  async createRequest(record: ErasureRecord, tx: SqlExecutor = this.db): Promise<void> {
    await tx.query(
      'INSERT INTO erasures (id, reference, requested_by, requested_at, stores, completed_at) VALUES ($1, $2, $3, $4, $5, $6)',
      [record.id, record.reference, record.requestedBy, record.requestedAt, JSON.stringify(record.stores), record.completedAt],
    )
  }

  async updateRequest(id: string, stores: ErasureRecord['stores'], completedAt: number | null): Promise<void> {
    await this.db.query('UPDATE erasures SET stores = $2, completed_at = $3 WHERE id = $1', [id, JSON.stringify(stores), completedAt])
  }

  async getRequest(id: string): Promise<ErasureRecord | undefined> {
    const result = await this.db.query<ErasureRow>('SELECT id, reference, requested_by, requested_at, stores, completed_at FROM erasures WHERE id = $1', [id])
    const row = result.rows[0]
    return row ? toErasure(row) : undefined
  }
}
