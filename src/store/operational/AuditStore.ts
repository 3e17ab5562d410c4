// The audit log: who did what to which rule, setting or API resource, newest first. Rows are only
// ever appended; stores that change audited things write their row in the same transaction.
import type { SqlExecutor } from './SqlExecutor.ts'

/** Who acts: a name (an API key's label) and, when known, the key's role. */
export type Actor = string | { name: string; role?: string | null }

export const actorName = (actor: Actor): string => (typeof actor === 'string' ? actor : actor.name)
export const actorRole = (actor: Actor): string | null => (typeof actor === 'string' ? null : (actor.role ?? null))

export interface AuditInput {
  at: number
  actor: Actor
  /** e.g. rule.create, rule.update, rule.approve, rule.enable, rule.disable, rule.rollback, settings.update, api.write */
  action: string
  entityType: string
  entityId: string
  version?: number | null
  details?: Record<string, unknown>
}

export interface AuditEntry {
  id: number
  at: number
  actor: string
  role: string | null
  action: string
  entityType: string
  entityId: string
  version: number | null
  details: Record<string, unknown>
}

export interface AuditFilter {
  entityType?: string
  entityId?: string
  actor?: string
  action?: string
  /** Only entries at or after this time (epoch ms). */
  from?: number
  /** Only entries before this time (epoch ms). */
  to?: number
  /** Only entries older than this id (paging: pass the last id of the previous page). */
  before?: number
  limit?: number
}

interface AuditRow {
  id: string | number
  at: string | number
  actor: string
  role: string | null
  action: string
  entity_type: string
  entity_id: string
  version: number | null
  details: Record<string, unknown>
}

const toEntry = (r: AuditRow): AuditEntry => ({
  id: Number(r.id),
  at: Number(r.at),
  actor: r.actor,
  role: r.role,
  action: r.action,
  entityType: r.entity_type,
  entityId: r.entity_id,
  version: r.version,
  details: r.details,
})

export const AUDIT_MAX_LIMIT = 1000

export class AuditStore {
  constructor(private readonly db: SqlExecutor) {}

  /** Appends one entry; pass the transaction of the change it records. */
  async record(entry: AuditInput, db: SqlExecutor = this.db): Promise<void> {
    await db.query(
      'INSERT INTO audit_log (at, actor, role, action, entity_type, entity_id, version, details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
      [entry.at, actorName(entry.actor), actorRole(entry.actor), entry.action, entry.entityType, entry.entityId, entry.version ?? null, JSON.stringify(entry.details ?? {})],
    )
  }

  /** Entries matching every given filter, newest first. */
  async list(filter: AuditFilter = {}): Promise<AuditEntry[]> {
    const where: string[] = []
    const params: unknown[] = []
    const add = (sql: string, value: unknown) => {
      params.push(value)
      where.push(sql.replace('?', `$${params.length}`))
    }
    if (filter.entityType !== undefined) add('entity_type = ?', filter.entityType)
    if (filter.entityId !== undefined) add('entity_id = ?', filter.entityId)
    if (filter.actor !== undefined) add('actor = ?', filter.actor)
    if (filter.action !== undefined) add('action = ?', filter.action)
    if (filter.from !== undefined) add('at >= ?', filter.from)
    if (filter.to !== undefined) add('at < ?', filter.to)
    if (filter.before !== undefined) add('id < ?', filter.before)
    params.push(Math.max(1, Math.min(filter.limit ?? 100, AUDIT_MAX_LIMIT)))
    const result = await this.db.query<AuditRow>(
      `SELECT id, at, actor, role, action, entity_type, entity_id, version, details FROM audit_log
        ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${params.length}`,
      params,
    )
    return result.rows.map(toEntry)
  }
}
