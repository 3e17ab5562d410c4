// The source contract against the embedded log (PGlite): positions live in the engine's table.
import { rmSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { EmbeddedIngestSink } from '../../src/stream/ingest/IngestSink.ts'
import { EMBEDDED_PARTITION, EMBEDDED_SOURCE, EmbeddedLogSource } from '../../src/stream/source/EmbeddedLogSource.ts'
import { openOperationalStore } from '../../src/store/operational/OperationalStore.ts'
import { freshDataDir } from '../support/stores.ts'
import { eventSourceContract } from './source.contract.ts'
import { waitFor } from './helpers.ts'

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

describe('embedded log source: steps while a backlog waits', () => {
  it('hands a backlog over in steps of batchSize, asking the store for its position only at start and after a failed step', async () => {
    const dir = freshDataDir()
    const ops = await openOperationalStore({ dataDir: join(dir, 'ops') })
    const source = new EmbeddedLogSource(ops.log, ops.engine, { batchSize: 1_000, idleMs: 20, retryMs: { first: 1, max: 1 }, onError: () => undefined })
    try {
      await ops.log.append(Array.from({ length: 2_500 }, (_, i) => ({ partition: EMBEDDED_PARTITION, messageId: `m-${i}`, customerId: `c-${i % 40}`, receivedAt: i, body: { n: i } })))
      let positionReads = 0
      const positions = ops.engine.positions.bind(ops.engine)
      ops.engine.positions = async (...args) => {
        positionReads++
        return positions(...args)
      }
      const handed: Array<{ first: number; size: number }> = []
      let failed = false
      await source.start(async (batch) => {
        const first = batch.records[0]
        const last = batch.records[batch.records.length - 1]
        if (!first || !last) return
        if (handed.length === 1 && !failed) {
          failed = true
          throw new Error('store unavailable')
        }
        handed.push({ first: first.offset, size: batch.records.length })
        await ops.engine.commit({ source: EMBEDDED_SOURCE, positions: new Map([[EMBEDDED_PARTITION, last.offset]]), states: [], timers: [], outbox: [], tasks: [], deadLetters: [], now: 0 })
      })
      await waitFor('the whole backlog handed over', () => handed.reduce((n, h) => n + h.size, 0) === 2_500)
      expect(handed).toEqual([{ first: 1, size: 1_000 }, { first: 1_001, size: 1_000 }, { first: 2_001, size: 500 }])
      // Once at start, once after the failed step; not once a step.
      expect(positionReads).toBe(2)
    } finally {
      await source.stop()
      await ops.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
