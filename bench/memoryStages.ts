// Child process of bench/memory.bench.ts: the start-up of the embedded stores, one part at a time,
// in a fresh process (the parent runs it on a new data directory and again on the same one).
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { openHistoryStore } from '../src/store/history/openHistoryStore.ts'
import { migrate } from '../src/store/operational/migrate.ts'
import { PgliteDatabase } from '../src/store/operational/PgliteDatabase.ts'
import { memoryFigures, type MemoryFigures } from './memoryUsage.ts'

const dataDir = process.env['BENCH_DATA_DIR'] as string
const sharedBuffers = process.env['BENCH_SHARED_BUFFERS'] === 'pglite' ? undefined : process.env['BENCH_SHARED_BUFFERS']
const stages: [string, MemoryFigures][] = [['node + tsx, nothing opened', memoryFigures()]]
const pgliteDir = join(dataDir, 'ops')
if (process.env['BENCH_INITDB_IN_PROCESS'] === '1' && !existsSync(join(pgliteDir, 'PG_VERSION'))) {
  // How careloop created a data directory before initdb moved into a worker thread (the baseline).
  const created = await PGlite.create(pgliteDir)
  stages.push(['+ PGlite initdb in-process', memoryFigures((created as unknown as { mod?: { HEAPU8?: Uint8Array } }).mod?.HEAPU8?.byteLength ?? 0)])
  await created.close()
  stages.push(['  (closed; garbage not yet collected)', memoryFigures()])
}
const db = await PgliteDatabase.open(pgliteDir, sharedBuffers ? { sharedBuffers } : {})
stages.push(['+ PGlite open', memoryFigures(db.wasmMemoryBytes())])
await migrate(db)
stages.push(['+ operational migrations', memoryFigures(db.wasmMemoryBytes())])
const history = await openHistoryStore({ dataDir })
stages.push(['+ chDB open and migrated', memoryFigures(db.wasmMemoryBytes())])
await history.close()
await db.close()
process.send?.({ kind: 'stages', stages })
process.disconnect()
