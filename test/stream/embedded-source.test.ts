// The source contract against the embedded log (PGlite): positions live in the engine's table.
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { EmbeddedIngestSink } from '../../src/stream/ingest/IngestSink.ts'
import { EMBEDDED_PARTITION, EMBEDDED_SOURCE, EmbeddedLogSource } from '../../src/stream/source/EmbeddedLogSource.ts'
import { openOperationalStore } from '../../src/store/operational/OperationalStore.ts'
import { freshDataDir } from '../support/stores.ts'
import { eventSourceContract } from './source.contract.ts'

eventSourceContract('embedded log', async () => {
  const dir = freshDataDir()
  const ops = await openOperationalStore({ dataDir: join(dir, 'ops') })
  let current: EmbeddedLogSource | undefined
  return {
    sink: new EmbeddedIngestSink(ops.log, EMBEDDED_PARTITION, () => current?.notify()),
    newSource() {
      // The handler's failure is the test's; the source only has to retry it.
      current = new EmbeddedLogSource(ops.log, ops.engine, { idleMs: 50, onError: () => undefined })
      return current
    },
    async commitPosition(batch) {
      const last = batch.records[batch.records.length - 1]
      if (!last) return
      await ops.engine.commit({ source: EMBEDDED_SOURCE, positions: new Map([[batch.partition, last.offset]]), states: [], timers: [], outbox: [], tasks: [], deadLetters: [], now: Date.now() })
    },
    ready: async () => undefined,
    partitionCount: 1,
    async cleanup() {
      await ops.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
})
