// Embedded PostgreSQL: PGlite in-process, data in a directory, or in memory for throw-away use
// (sandboxes load a dump of a migrated database: much faster than creating and migrating one).
import { PGlite, type Transaction } from '@electric-sql/pglite'
import { lockDataDir } from '../dataDirLock.ts'
import type { QueryResult, SqlDatabase, SqlExecutor } from './SqlExecutor.ts'

/** A PGlite data directory as one tarball (dump() of one database, fromDump() of another). */
export type PgliteDump = File | Blob

class PgliteExecutor implements SqlExecutor {
  constructor(private readonly conn: PGlite | Transaction) {}

  async query<T>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
    const result = await this.conn.query<T>(sql, [...params])
    return { rows: result.rows, affectedRows: result.affectedRows ?? 0 }
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    if (!(this.conn instanceof PGlite)) return fn(this) // already inside one: PGlite has no nesting
    return this.conn.transaction((tx) => fn(new PgliteExecutor(tx)))
  }
}

export class PgliteDatabase extends PgliteExecutor implements SqlDatabase {
  private constructor(
    private readonly db: PGlite,
    private readonly unlock: () => void = () => {},
  ) {
    super(db)
  }

  /**
   * Opens (creating on first use) a PGlite database; `dir` undefined means in memory. A directory
   * is locked for this process until close (src/store/dataDirLock.ts).
   */
  static async open(dir: string | undefined): Promise<PgliteDatabase> {
    if (dir === undefined) return new PgliteDatabase(await PGlite.create('memory://'))
    const unlock = lockDataDir(dir)
    try {
      return new PgliteDatabase(await PGlite.create(dir), unlock)
    } catch (err) {
      unlock()
      throw err
    }
  }

  /** A database in memory holding what the dumped one held. */
  static async fromDump(dump: PgliteDump): Promise<PgliteDatabase> {
    return new PgliteDatabase(await PGlite.create({ loadDataDir: dump }))
  }

  /** The whole data directory, uncompressed, for fromDump(). */
  dump(): Promise<PgliteDump> {
    return this.db.dumpDataDir('none')
  }

  async execScript(sql: string): Promise<void> {
    await this.db.exec(sql)
  }

  async close(): Promise<void> {
    if (!this.db.closed) await this.db.close()
    this.unlock()
  }
}
