// Settings (small JSON values by key: generated secrets, policies) and API keys. Keys are stored
// as hashes only, so a copy of the database does not hand out access.
import type { SqlExecutor } from './SqlExecutor.ts'

export type Role = 'admin' | 'ops' | 'agent' | 'approver' | 'ingest'

export class SettingsStore {
  constructor(private readonly db: SqlExecutor) {}

  async get<T>(key: string): Promise<T | undefined> {
    const result = await this.db.query<{ value: T }>('SELECT value FROM settings WHERE key = $1', [key])
    return result.rows[0]?.value
  }

  /** Sets a value only if the key is absent; returns the value now stored. */
  async putIfAbsent<T>(key: string, value: T): Promise<T> {
    await this.db.query('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [key, JSON.stringify(value)])
    return (await this.get<T>(key)) as T
  }

  async put<T>(key: string, value: T): Promise<void> {
    await this.db.query('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value', [key, JSON.stringify(value)])
  }

  async addApiKey(keyHash: string, role: Role, label: string, now: number): Promise<void> {
    await this.db.query(
      "INSERT INTO api_keys (id, key_hash, role, label, created_at) VALUES ('key_' || substr($1, 1, 12), $1, $2, $3, $4) ON CONFLICT (key_hash) DO NOTHING",
      [keyHash, role, label, now],
    )
  }

  async roleOfKey(keyHash: string): Promise<{ role: Role; label: string } | undefined> {
    const result = await this.db.query<{ role: Role; label: string }>('SELECT role, label FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL', [keyHash])
    return result.rows[0]
  }

  async apiKeyCount(): Promise<number> {
    const result = await this.db.query<{ n: string }>('SELECT count(*) AS n FROM api_keys WHERE revoked_at IS NULL')
    return Number(result.rows[0]?.n ?? 0)
  }
}
