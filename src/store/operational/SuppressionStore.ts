// Suppressed ids: shoppers erased on request. Kept only as pseudonymous references (lib/pseudonym),
// so the table holds no id in clear; the engine drops events whose id's reference is listed.
import { actorName, type Actor, type AuditStore } from './AuditStore.ts'
import type { SqlExecutor } from './SqlExecutor.ts'

export interface Suppression {
  reference: string
  createdAt: number
  createdBy: string
}

export class SuppressionStore {
  constructor(private readonly db: SqlExecutor, private readonly audit: AuditStore) {}

  async add(references: readonly string[], at: number, actor: Actor, tx: SqlExecutor = this.db): Promise<void> {
    for (const reference of references) {
      await tx.query('INSERT INTO suppressions (reference, created_at, created_by) VALUES ($1, $2, $3) ON CONFLICT (reference) DO NOTHING', [reference, at, actorName(actor)])
    }
  }

  /** The given references that are suppressed (one query per engine batch). */
  async among(references: readonly string[]): Promise<Set<string>> {
    if (references.length === 0) return new Set()
    const result = await this.db.query<{ reference: string }>('SELECT reference FROM suppressions WHERE reference = ANY($1::text[])', [[...new Set(references)]])
    return new Set(result.rows.map((r) => r.reference))
  }

  async list(limit = 1000): Promise<Suppression[]> {
    const result = await this.db.query<{ reference: string; created_at: string | number; created_by: string }>(
      'SELECT reference, created_at, created_by FROM suppressions ORDER BY created_at DESC, reference LIMIT $1',
      [limit],
    )
    return result.rows.map((r) => ({ reference: r.reference, createdAt: Number(r.created_at), createdBy: r.created_by }))
  }

  /** Lifts one suppression, audited in the same transaction; false when it was not there. */
  async lift(reference: string, at: number, actor: Actor): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const result = await tx.query('DELETE FROM suppressions WHERE reference = $1', [reference])
      if (result.affectedRows === 0) return false
      await this.audit.record({ at, actor, action: 'suppression.lift', entityType: 'customer', entityId: reference }, tx)
      return true
    })
  }
}
