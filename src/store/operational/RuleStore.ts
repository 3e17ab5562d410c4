// Rules and their version history. Every change is a new version row with who made it.
import type { SqlExecutor } from './SqlExecutor.ts'

export interface StoredRule {
  id: string
  version: number
  enabled: boolean
  document: unknown
  createdAt: number
  updatedAt: number
  updatedBy: string
}

export interface RuleVersion {
  ruleId: string
  version: number
  document: unknown
  createdAt: number
  createdBy: string
}

interface RuleRow {
  id: string
  version: number
  enabled: boolean
  document: unknown
  created_at: string | number
  updated_at: string | number
  updated_by: string
}

const toRule = (r: RuleRow): StoredRule => ({
  id: r.id,
  version: r.version,
  enabled: r.enabled,
  document: r.document,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
  updatedBy: r.updated_by,
})

export class RuleStore {
  constructor(private readonly db: SqlExecutor) {}

  async list(): Promise<StoredRule[]> {
    const result = await this.db.query<RuleRow>('SELECT id, version, enabled, document, created_at, updated_at, updated_by FROM rules ORDER BY id')
    return result.rows.map(toRule)
  }

  async get(id: string): Promise<StoredRule | undefined> {
    const result = await this.db.query<RuleRow>('SELECT id, version, enabled, document, created_at, updated_at, updated_by FROM rules WHERE id = $1', [id])
    return result.rows[0] ? toRule(result.rows[0]) : undefined
  }

  /** Creates version 1; returns undefined when the id is taken. */
  async create(id: string, document: unknown, enabled: boolean, actor: string, now: number): Promise<StoredRule | undefined> {
    return this.db.transaction(async (tx) => {
      const result = await tx.query<RuleRow>(
        `INSERT INTO rules (id, version, enabled, document, created_at, updated_at, updated_by) VALUES ($1, 1, $2, $3, $4, $4, $5)
         ON CONFLICT (id) DO NOTHING RETURNING id, version, enabled, document, created_at, updated_at, updated_by`,
        [id, enabled, JSON.stringify(document), now, actor],
      )
      if (!result.rows[0]) return undefined
      await tx.query('INSERT INTO rule_versions (rule_id, version, document, created_at, created_by) VALUES ($1, 1, $2, $3, $4)', [id, JSON.stringify(document), now, actor])
      return toRule(result.rows[0])
    })
  }

  /** Stores a new version; `expectedVersion` guards against overwriting someone else's change. */
  async update(id: string, document: unknown, actor: string, now: number, expectedVersion?: number): Promise<StoredRule | 'not_found' | 'conflict'> {
    return this.db.transaction(async (tx) => {
      const result = await tx.query<RuleRow>(
        `UPDATE rules SET version = version + 1, document = $2, updated_at = $3, updated_by = $4
          WHERE id = $1 AND ($5::int IS NULL OR version = $5)
          RETURNING id, version, enabled, document, created_at, updated_at, updated_by`,
        [id, JSON.stringify(document), now, actor, expectedVersion ?? null],
      )
      const row = result.rows[0]
      if (!row) {
        // Inside the transaction: PGlite has one connection, so a query outside it would wait forever.
        const exists = await tx.query('SELECT 1 FROM rules WHERE id = $1', [id])
        return exists.rows.length > 0 ? 'conflict' : 'not_found'
      }
      await tx.query('INSERT INTO rule_versions (rule_id, version, document, created_at, created_by) VALUES ($1, $2, $3, $4, $5)', [id, row.version, JSON.stringify(document), now, actor])
      return toRule(row)
    })
  }

  async setEnabled(id: string, enabled: boolean, actor: string, now: number): Promise<StoredRule | undefined> {
    const result = await this.db.query<RuleRow>(
      `UPDATE rules SET enabled = $2, updated_at = $3, updated_by = $4 WHERE id = $1
       RETURNING id, version, enabled, document, created_at, updated_at, updated_by`,
      [id, enabled, now, actor],
    )
    return result.rows[0] ? toRule(result.rows[0]) : undefined
  }

  async versions(id: string): Promise<RuleVersion[]> {
    const result = await this.db.query<{ rule_id: string; version: number; document: unknown; created_at: string; created_by: string }>(
      'SELECT rule_id, version, document, created_at, created_by FROM rule_versions WHERE rule_id = $1 ORDER BY version DESC',
      [id],
    )
    return result.rows.map((r) => ({ ruleId: r.rule_id, version: r.version, document: r.document, createdAt: Number(r.created_at), createdBy: r.created_by }))
  }

  /** A cheap fingerprint of the rule table, so the engine reloads rules only when they changed. */
  async fingerprint(): Promise<string> {
    const result = await this.db.query<{ f: string | null }>(`SELECT string_agg(id || ':' || version || ':' || enabled, ',' ORDER BY id) AS f FROM rules`)
    return result.rows[0]?.f ?? ''
  }
}
