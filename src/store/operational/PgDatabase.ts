// A PostgreSQL server (scale-out): node-postgres pool, one connection per transaction.
// Same SQL as PGlite; this adapter only has to make values come back the way PGlite returns them.
import pg from 'pg'
import type { QueryResult, SqlDatabase, SqlExecutor } from './SqlExecutor.ts'

const INT8_OID = 20

/**
 * BIGINT as PGlite returns it: a number when it is a safe integer, a bigint beyond that (never a
 * silently rounded number). node-postgres would return every int8 as a string.
 */
function parseInt8(text: string): number | bigint {
  const n = Number(text)
  return Number.isSafeInteger(n) ? n : BigInt(text)
}

/** Per-pool type parsers: the process-wide `pg.types` stay untouched for other pg users. */
const typesConfig: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
}

/** Advisory lock key (any constant bigint) held while migrations run: one migrator at a time. */
export const MIGRATION_LOCK_KEY = 0x6361_7265_6c6f // "carelo"

export interface PgDatabaseOptions {
  /** Pool size (default 10). */
  max?: number
  /** Called when an idle pooled connection fails (the pool drops it); default: ignored. */
  onIdleError?: (error: Error) => void
}

function result<T>(r: pg.QueryResult): QueryResult<T> {
  return { rows: r.rows as T[], affectedRows: r.rowCount ?? 0 }
}

/** One transaction on one pooled connection; nested transaction() calls join it. */
class PgTransaction implements SqlDatabase {
  private finished = false

  constructor(private readonly client: pg.PoolClient) {}

  async query<T>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
    this.assertOpen()
    return result<T>(await this.client.query(sql, params as unknown[]))
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    this.assertOpen()
    return fn(this) // already inside one: join it, as PGlite does
  }

  async execScript(sql: string): Promise<void> {
    this.assertOpen()
    await this.client.query(sql)
  }

  close(): Promise<void> {
    return Promise.reject(new Error('a transaction cannot close the database'))
  }

  finish(): void {
    this.finished = true
  }

  private assertOpen(): void {
    // A query after COMMIT/ROLLBACK would run on a connection another caller may own by now.
    if (this.finished) throw new Error('transaction already finished (a query was not awaited inside it?)')
  }
}

export class PgDatabase implements SqlDatabase {
  private constructor(private readonly pool: pg.Pool) {}

  /** Connects a pool to `url` (postgres://user@host:port/db) and checks that it answers. */
  static async open(url: string, options: PgDatabaseOptions = {}): Promise<PgDatabase> {
    const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10, types: typesConfig })
    // Without a listener, an idle connection dropped by the server would crash the process.
    pool.on('error', options.onIdleError ?? (() => {}))
    try {
      await pool.query('SELECT 1')
    } catch (error) {
      await pool.end()
      throw error
    }
    return new PgDatabase(pool)
  }

  async query<T>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
    return result<T>(await this.pool.query(sql, params as unknown[]))
  }

  /** BEGIN … COMMIT on a dedicated connection; ROLLBACK when fn throws. Nothing is retried. */
  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.inTransaction(fn)
  }

  /**
   * Runs fn in one transaction that first takes the transaction-scoped advisory lock `key`, so
   * concurrent callers on the same database (other processes too) run one after another. The
   * executor handed to fn is a SqlDatabase bound to that transaction (migrations need execScript).
   */
  withAdvisoryLock<T>(key: number, fn: (db: SqlDatabase) => Promise<T>): Promise<T> {
    return this.inTransaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [key])
      return fn(tx)
    })
  }

  async execScript(sql: string): Promise<void> {
    await this.pool.query(sql)
  }

  async close(): Promise<void> {
    if (!this.pool.ended) await this.pool.end()
  }

  private async inTransaction<T>(fn: (tx: PgTransaction) => Promise<T>): Promise<T> {
    const client = await this.pool.connect()
    // A checked-out connection has no pool listener; if the server drops it while fn awaits
    // something else (a history write), its 'error' would be an uncaught exception. The next
    // query on it fails instead, and that fails the transaction.
    const onLost = (): void => {}
    client.on('error', onLost)
    try {
      return await this.run(client, fn)
    } finally {
      client.off('error', onLost)
    }
  }

  private async run<T>(client: pg.PoolClient, fn: (tx: PgTransaction) => Promise<T>): Promise<T> {
    const tx = new PgTransaction(client)
    try {
      await client.query('BEGIN')
    } catch (error) {
      client.release(error instanceof Error ? error : true)
      throw error
    }
    let value: T
    try {
      value = await fn(tx)
    } catch (error) {
      tx.finish()
      try {
        await client.query('ROLLBACK')
        client.release()
      } catch (rollbackError) {
        // The connection is in an unknown state: destroy it rather than hand it to someone else.
        client.release(rollbackError instanceof Error ? rollbackError : true)
      }
      throw error
    }
    tx.finish()
    try {
      await client.query('COMMIT')
    } catch (error) {
      client.release(error instanceof Error ? error : true)
      throw error
    }
    client.release()
    return value
  }
}
