// Batches of several partitions handed to the engine together (Kafka's consumer does so) are
// written in one step: one operational transaction carrying each partition's position. A record
// that fails to process is isolated by partition and offset, so the same offset in another
// partition of the step is not taken for it.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import type { SourceBatch, SourceRecord } from '../../src/stream/source/EventSource.ts'
import { alreadyApplied } from '../../src/stream/state/reducer.ts'
import { EMBEDDED_SOURCE } from '../../src/stream/source/EmbeddedLogSource.ts'
import { startEngine, type TestEngine } from '../support/careloop.ts'

const clock = new ManualClock(Date.UTC(2026, 5, 1, 10, 0, 0))
let engine: TestEngine
let commits = 0

beforeAll(async () => {
  engine = await startEngine({ clock })
  const store = engine.app.ops.engine
  const commit = store.commit.bind(store)
  store.commit = (batch) => {
    commits++
    return commit(batch)
  }
})
afterAll(async () => {
  await engine?.app.stop()
})

function record(partition: number, offset: number, userId: string, event: string): SourceRecord {
  const value = { type: 'track', messageId: randomUUID(), userId, event, properties: {}, timestamp: new Date(clock.now()).toISOString() }
  return { partition, offset, key: userId, value, receivedAt: clock.now() }
}

const messageId = (r: SourceRecord) => (r.value as { messageId: string }).messageId

async function applied(r: SourceRecord): Promise<boolean> {
  const state = (await engine.app.ops.engine.loadStates([r.key])).get(r.key)
  return state !== undefined && alreadyApplied(state, messageId(r))
}

describe('event steps over several partitions', () => {
  it('writes batches handed over together in one transaction, with each partition’s position', async () => {
    const partitions = [9101, 9102, 9103]
    const batches: SourceBatch[] = partitions.map((p) => ({ partition: p, records: [1, 2].map((o) => record(p, o, `s-${p}-${randomUUID().slice(0, 6)}`, 'Product Viewed')) }))
    const before = commits
    await Promise.all(batches.map((b) => engine.app.engine.handleBatch(b)))
    expect(commits - before).toBe(1)
    const positions = await engine.app.ops.engine.positions(EMBEDDED_SOURCE, partitions)
    expect(partitions.map((p) => positions.get(p))).toEqual([2, 2, 2])
    for (const b of batches) for (const r of b.records) expect(await applied(r)).toBe(true)
  })

  it('parks only the failing record when another partition of the step holds the same offset', async () => {
    const rules = engine.app.rules.ruleSet
    const original = rules.matchEvent
    rules.matchEvent = function (ctx) {
      if (ctx.event.name === 'Boom') throw new Error('rule evaluation bug (test)')
      return original.call(this, ctx)
    }
    try {
      const boom = record(9201, 1, `s-boom-${randomUUID().slice(0, 6)}`, 'Boom')
      const sameOffset = record(9202, 1, `s-ok-${randomUUID().slice(0, 6)}`, 'Product Viewed')
      const after = record(9201, 2, boom.key, 'Product Viewed')
      const lettersBefore = (await engine.app.ops.deadLetters.list(1000)).length
      await Promise.all([engine.app.engine.handleBatch({ partition: 9201, records: [boom, after] }), engine.app.engine.handleBatch({ partition: 9202, records: [sameOffset] })])
      const all = await engine.app.ops.deadLetters.list(1000)
      const letters = all.slice(0, all.length - lettersBefore)
      expect(letters.map((l) => JSON.parse(l.payload).messageId)).toEqual([messageId(boom)])
      expect(await applied(sameOffset)).toBe(true)
      expect(await applied(after)).toBe(true)
      const positions = await engine.app.ops.engine.positions(EMBEDDED_SOURCE, [9201, 9202])
      expect([positions.get(9201), positions.get(9202)]).toEqual([2, 1])
    } finally {
      rules.matchEvent = original
    }
  })
})
