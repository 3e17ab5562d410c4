// Managed API keys (hash only, never the key), with their audit rows written in the same
// transaction as the change. Bootstrap keys from the environment never reach this table.
import type { ApiKey, KeyRole } from '../../model/apiKey.ts'
import type { Actor, AuditStore } from './AuditStore.ts'
import { actorName } from './AuditStore.ts'
import type { SqlExecutor } from './SqlExecutor.ts'

export interface NewApiKey {
  id: string
  hash: string
  prefix: string
  name: string
  role: KeyRole
  source: string | null
}

/** A key as authentication sees it (revoked ones too, so the refusal can say so). */
export interface KeyLookup {
  id: string
  name: string
  role: KeyRole
  source: string | null
  revokedAt: number | null
}

export type KeyChange = { ok: true; key: ApiKey } | { ok: false; reason: 'not_found' | 'source_taken' }

interface KeyRow {
  id: string
  label: string
  role: KeyRole
  prefix: string
  source: string | null
  created_at: string | number
  created_by: string
  last_used_at: string | number | null
  revoked_at: string | number | null
}

const COLUMNS = 'id, label, role, prefix, source, created_at, created_by, last_used_at, revoked_at'
const num = (v: string | number | null): number | null => (v === null ? null : Number(v))

const toKey = (r: KeyRow): ApiKey => ({
  id: r.id,
  name: r.label,
  role: r.role,
  prefix: r.prefix,
  source: r.source,
  createdAt: Number(r.created_at),
  createdBy: r.created_by,
  lastUsedAt: num(r.last_used_at),
  revokedAt: num(r.revoked_at),
})

const isUniqueViolation = (err: unknown): boolean => (err as { code?: unknown })?.code === '23505'

export class ApiKeyStore {
  constructor(
    private readonly db: SqlExecutor,
    private readonly audit: AuditStore,
  ) {}

  async find(hash: string): Promise<KeyLookup | undefined> {
    const result = await this.db.query<KeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE key_hash = $1`, [hash])
    const row = result.rows[0]
    return row && { id: row.id, name: row.label, role: row.role, source: row.source, revokedAt: num(row.revoked_at) }
  }

  async get(id: string): Promise<ApiKey | undefined> {
    const row = (await this.db.query<KeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE id = $1`, [id])).rows[0]
    return row && toKey(row)
  }

  /** Every key, newest first; revoked ones only when asked. */
  async list(options: { includeRevoked?: boolean } = {}): Promise<ApiKey[]> {
    const where = options.includeRevoked ? '' : 'WHERE revoked_at IS NULL'
    const result = await this.db.query<KeyRow>(`SELECT ${COLUMNS} FROM api_keys ${where} ORDER BY created_at DESC, id`)
    return result.rows.map(toKey)
  }

  /** Adds a key; an ingest source has at most one live key. */
  async create(key: NewApiKey, actor: Actor, at: number): Promise<KeyChange> {
    try {
      return await this.db.transaction(async (tx) => {
        const created = await this.insert(tx, key, actor, at)
        await this.audit.record({ at, actor, action: 'key.create', entityType: 'api_key', entityId: key.id, details: { name: key.name, role: key.role, source: key.source } }, tx)
        return { ok: true as const, key: created }
      })
    } catch (err) {
      if (isUniqueViolation(err)) return { ok: false, reason: 'source_taken' }
      throw err
    }
  }

  /** Revokes the live key `id` and adds `replacement` with its name, role and source, at once. */
  async rotate(id: string, replacement: Omit<NewApiKey, 'name' | 'role' | 'source'>, actor: Actor, at: number): Promise<KeyChange> {
    return this.db.transaction(async (tx) => {
      const old = (await tx.query<KeyRow>(`UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING ${COLUMNS}`, [id, at])).rows[0]
      if (!old) return { ok: false as const, reason: 'not_found' as const }
      const created = await this.insert(tx, { ...replacement, name: old.label, role: old.role, source: old.source }, actor, at)
      await this.audit.record({ at, actor, action: 'key.rotate', entityType: 'api_key', entityId: id, details: { replacedBy: replacement.id, name: old.label, role: old.role } }, tx)
      return { ok: true as const, key: created }
    })
  }

  async revoke(id: string, actor: Actor, at: number): Promise<KeyChange> {
    return this.db.transaction(async (tx) => {
      const row = (await tx.query<KeyRow>(`UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING ${COLUMNS}`, [id, at])).rows[0]
      if (!row) return { ok: false as const, reason: 'not_found' as const }
      await this.audit.record({ at, actor, action: 'key.revoke', entityType: 'api_key', entityId: id, details: { name: row.label, role: row.role } }, tx)
      return { ok: true as const, key: toKey(row) }
    })
  }

  /** Records a use, at most once per `minIntervalMs` per key (callers skip most calls before this). */
  async touch(hash: string, at: number, minIntervalMs: number): Promise<void> {
    await this.db.query('UPDATE api_keys SET last_used_at = $2 WHERE key_hash = $1 AND (last_used_at IS NULL OR last_used_at <= $3)', [hash, at, at - minIntervalMs])
  }

  private async insert(tx: SqlExecutor, key: NewApiKey, actor: Actor, at: number): Promise<ApiKey> {
    const result = await tx.query<KeyRow>(
      `INSERT INTO api_keys (id, key_hash, role, label, prefix, source, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
      [key.id, key.hash, key.role, key.name, key.prefix, key.source, at, actorName(actor)],
    )
    return toKey(result.rows[0] as KeyRow)
  }
}
