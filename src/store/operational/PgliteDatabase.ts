// Embedded PostgreSQL: PGlite in-process, data in a directory, or in memory for throw-away use
// (sandboxes load a dump of a migrated database: much faster than creating and migrating one).
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { PGlite, type Transaction } from '@electric-sql/pglite'
import { lockDataDir } from '../dataDirLock.ts'
import type { QueryResult, SqlDatabase, SqlExecutor } from './SqlExecutor.ts'

/** A PGlite data directory as one tarball (dump() of one database, fromDump() of another). */
export type PgliteDump = File | Blob

/** Memory settings of the embedded PostgreSQL (docs/deployment.md, "Memory"). */
export interface PgliteMemoryOptions {
  /**
   * PostgreSQL `shared_buffers` (e.g. `16MB`): PGlite keeps them inside its WebAssembly memory,
   * which never shrinks, so this bounds most of what the store holds beyond its fixed ≈ 40 MB.
   */
  sharedBuffers?: string
}

/** The PostgreSQL size syntax `shared_buffers` accepts: a number with an optional kB / MB / GB unit. */
export const POSTGRES_SIZE = /^[1-9][0-9]{0,9}(kB|MB|GB)?$/

function startParams(options: PgliteMemoryOptions): string[] | undefined {
  if (options.sharedBuffers === undefined) return undefined
  if (!POSTGRES_SIZE.test(options.sharedBuffers)) throw new Error(`shared_buffers must look like 16MB, got "${options.sharedBuffers}"`)
  return [...PGlite.defaultStartParams, '-c', `shared_buffers=${options.sharedBuffers}`]
}

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

/** PGlite's CommonJS entry (a worker evaluates CommonJS); its WebAssembly lies beside it. */
const pgliteEntry = (): string => createRequire(import.meta.url).resolve('@electric-sql/pglite')

/** PGlite's compiled WebAssembly, shared by the initdb worker and this process's instance. */
async function compiledPglite(): Promise<WebAssembly.Module> {
  return WebAssembly.compile(await readFile(join(dirname(pgliteEntry()), 'pglite.wasm')))
}

/**
 * Creates a new data directory in a worker thread that then exits. In this process PGlite's initdb
 * leaves ≈ 480 MB (a second WebAssembly instance, the dumped directory) that V8 frees only at some
 * later full GC, so a first start would hold ≈ 1 GB instead of ≈ 600 MB; a worker's isolate and
 * memories are released when it ends.
 */
async function initdbInWorker(dir: string, wasm: WebAssembly.Module): Promise<void> {
  const source = `const { PGlite } = require(${JSON.stringify(pgliteEntry())})
    const { workerData } = require('node:worker_threads')
    PGlite.create({ dataDir: workerData.dir, pgliteWasmModule: workerData.wasm }).then((db) => db.close())`
  const worker = new Worker(source, { eval: true, workerData: { dir, wasm } })
  await new Promise<void>((resolve, reject) => {
    worker.once('error', reject)
    worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`PGlite initdb in ${dir} exited with ${code}`))))
  })
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
  static async open(dir: string | undefined, memory: PgliteMemoryOptions = {}): Promise<PgliteDatabase> {
    const params = startParams(memory)
    const settings = params === undefined ? {} : { startParams: params }
    if (dir === undefined) return new PgliteDatabase(await PGlite.create({ dataDir: 'memory://', ...settings }))
    const unlock = lockDataDir(dir)
    try {
      if (existsSync(join(dir, 'PG_VERSION'))) return new PgliteDatabase(await PGlite.create({ dataDir: dir, ...settings }), unlock)
      const wasm = await compiledPglite()
      await initdbInWorker(dir, wasm)
      return new PgliteDatabase(await PGlite.create({ dataDir: dir, pgliteWasmModule: wasm, ...settings }), unlock)
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

  /** Size of PGlite's WebAssembly memory: reserved and never given back, resident as far as touched. */
  wasmMemoryBytes(): number {
    return (this.db as unknown as { mod?: { HEAPU8?: Uint8Array } }).mod?.HEAPU8?.byteLength ?? 0
  }

  async execScript(sql: string): Promise<void> {
    await this.db.exec(sql)
  }

  async close(): Promise<void> {
    if (!this.db.closed) await this.db.close()
    this.unlock()
  }
}
