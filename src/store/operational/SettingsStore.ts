// Settings, API keys (stored hashed) and shopper consent.
import type { SqlExecutor } from './SqlExecutor.ts'

export type Role = 'admin' | 'ops' | 'agent'

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

  async addApiKey(keyHash: string, role: Role, label: string, now: number): Promise<void> {
    await this.db.query('INSERT INTO api_keys (key_hash, role, label, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (key_hash) DO NOTHING', [keyHash, role, label, now])
  }

  async roleOfKey(keyHash: string): Promise<{ role: Role; label: string } | undefined> {
    const result = await this.db.query<{ role: Role; label: string }>('SELECT role, label FROM api_keys WHERE key_hash = $1', [keyHash])
    return result.rows[0]
  }

  async apiKeyCount(): Promise<number> {
    const result = await this.db.query<{ n: string }>('SELECT count(*) AS n FROM api_keys')
    return Number(result.rows[0]?.n ?? 0)
  }
}

export class ConsentStore {
  constructor(private readonly db: SqlExecutor) {}

  async set(customerId: string, channel: string, topic: string, status: 'opted_in' | 'opted_out', now: number): Promise<void> {
    await this.db.query(
      `INSERT INTO consent (customer_id, channel, topic, status, updated_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (customer_id, channel, topic) DO UPDATE SET status = EXCLUDED.status, updated_at = EXCLUDED.updated_at`,
      [customerId, channel, topic, status, now],
    )
  }

  /** Opted out of this channel for this topic, or of the channel ('*' topic), or of everything. */
  async isOptedOut(customerId: string, channel: string, topic: string): Promise<boolean> {
    const result = await this.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM consent WHERE customer_id = $1 AND status = 'opted_out'
         AND channel IN ($2, '*') AND topic IN ($3, '*')`,
      [customerId, channel, topic],
    )
    return Number(result.rows[0]?.n ?? 0) > 0
  }
}
