// A throw-away operational store for sandboxes: PGlite in memory, loaded from a snapshot of a
// freshly migrated database. Creating and migrating a PGlite database takes seconds; loading the
// snapshot well under one, so the snapshot is made once per process and reused.
import { PGlite, type Transaction } from '@electric-sql/pglite'
import { migrate } from '../store/operational/migrations.ts'
import { OperationalStore } from '../store/operational/OperationalStore.ts'
import type { QueryResult, SqlDatabase, SqlExecutor } from '../store/operational/SqlExecutor.ts'

// Same as PgliteDatabase, whose constructor is private and whose open() cannot load a snapshot.
class Executor implements SqlExecutor {
  constructor(private readonly conn: PGlite | Transaction) {}

  async query<T>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
    const result = await this.conn.query<T>(sql, params as unknown[])
    return { rows: result.rows, affectedRows: result.affectedRows ?? 0 }
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    if (!(this.conn instanceof PGlite)) return fn(this)
    return this.conn.transaction((tx) => fn(new Executor(tx)))
  }
}

class ScratchDatabase extends Executor implements SqlDatabase {
  constructor(private readonly db: PGlite) {
    super(db)
  }

  async execScript(sql: string): Promise<void> {
    await this.db.exec(sql)
  }

  async close(): Promise<void> {
    if (!this.db.closed) await this.db.close()
  }
}

let snapshot: Promise<File | Blob> | undefined

async function makeSnapshot(): Promise<File | Blob> {
  const pg = await PGlite.create('memory://')
  try {
    await migrate(new ScratchDatabase(pg), 0)
    return await pg.dumpDataDir('none')
  } finally {
    await pg.close()
  }
}

/** A new, empty, migrated operational store in memory. */
export async function openScratchStore(): Promise<OperationalStore> {
  snapshot ??= makeSnapshot()
  let dump: File | Blob
  try {
    dump = await snapshot
  } catch (err) {
    snapshot = undefined // let the next sandbox try again
    throw err
  }
  const pg = await PGlite.create({ loadDataDir: dump })
  const db = new ScratchDatabase(pg)
  // A no-op unless the snapshot predates a migration (it never does within one process).
  await migrate(db, 0)
  return new OperationalStore(db)
}
