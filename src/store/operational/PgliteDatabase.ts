// Embedded PostgreSQL: PGlite in-process, data in a directory (or memory for throw-away use).
import { PGlite, type Transaction } from '@electric-sql/pglite'
import type { QueryResult, SqlDatabase, SqlExecutor } from './SqlExecutor.ts'

class PgliteExecutor implements SqlExecutor {
  constructor(private readonly conn: PGlite | Transaction) {}

  async query<T>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
    const result = await this.conn.query<T>(sql, params as unknown[])
    return { rows: result.rows, affectedRows: result.affectedRows ?? 0 }
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    if (!(this.conn instanceof PGlite)) return fn(this) // already inside one: PGlite has no nesting
    return this.conn.transaction((tx) => fn(new PgliteExecutor(tx)))
  }
}

export class PgliteDatabase extends PgliteExecutor implements SqlDatabase {
  private constructor(private readonly db: PGlite) {
    super(db)
  }

  /** Opens (creating on first use) a PGlite database; `dir` undefined means in memory. */
  static async open(dir: string | undefined): Promise<PgliteDatabase> {
    const db = await PGlite.create(dir === undefined ? 'memory://' : dir)
    return new PgliteDatabase(db)
  }

  async execScript(sql: string): Promise<void> {
    await this.db.exec(sql)
  }

  async close(): Promise<void> {
    if (!this.db.closed) await this.db.close()
  }
}
