// Identity merge in scale-out mode: the anonymous id and the known id on different partitions of
// the events topic. The known id's owner asks, the anonymous id's owner seals and hands the
// profile over, and the reminder for the anonymous checkout reaches the known address once.
// In-process engine on PostgreSQL and ClickHouse servers, manual clock.
import { randomUUID } from 'node:crypto'
import { Partitioners } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { createKafka, createProducer } from '../../src/stream/kafka/client.ts'
import type { TestEngine } from '../support/careloop.ts'
import { startKafkaModeEngine, type KafkaModeEngine } from '../support/kafkaEngine.ts'
import { requireServers } from '../support/requireServers.ts'
import { waitFor } from '../stream/helpers.ts'

const MIN = 60_000
const HOUR = 60 * MIN

/** The partition kafkajs's default partitioner picks for a key on a two-partition topic. */
function partitionOf(key: string): number {
  const partitioner = Partitioners.DefaultPartitioner()
  return partitioner({ topic: 't', partitionMetadata: [0, 1].map((partitionId) => ({ partitionId, leader: 1, partitionErrorCode: 0, replicas: [1], isr: [1] })), message: { key, value: null } })
}

/** Ids whose anonymous and known customer ids land on different partitions. */
function splitIds(): { anonymousId: string; userId: string } {
  for (;;) {
    const tag = randomUUID().slice(0, 8)
    const ids = { anonymousId: `ka-${tag}`, userId: `ku-${tag}` }
    if (partitionOf(`anon:${ids.anonymousId}`) !== partitionOf(ids.userId)) return ids
  }
}

if (requireServers('kafka identity')) {
  const clock = new ManualClock(Date.UTC(2026, 5, 20, 10, 0, 0))
  let mode: KafkaModeEngine
  let engine: TestEngine

  beforeAll(async () => {
    mode = await startKafkaModeEngine('identity', { clock })
    engine = mode.engine
    await engine.app.start()
  }, 120_000)
  afterAll(async () => {
    await mode?.stop()
  })

  describe('identity through Kafka', () => {
    it('an anonymous checkout, then a login on another partition: one reminder to the known address', async () => {
      const { anonymousId, userId } = splitIds()
      const t = clock.now()
      const at = (ts: number) => new Date(ts).toISOString()
      // Through HTTP ingest, so the engine's own producer and partitioner key every record.
      let res = await engine.ingest([{ type: 'track', messageId: randomUUID(), anonymousId, event: 'Checkout Started', properties: { checkout_id: 'kc1', value: 50 }, timestamp: at(t) }])
      expect(res.status).toBe(200)
      await waitFor('the anonymous checkout applied', async () => ((await engine.app.ops.engine.loadStates([`anon:${anonymousId}`])).get(`anon:${anonymousId}`)?.seen.length ?? 0) === 1, 60_000)
      res = await engine.ingest([{ type: 'identify', messageId: randomUUID(), userId, anonymousId, traits: { email: `${userId}@example.com` }, timestamp: at(t + 5 * MIN) }])
      expect(res.status).toBe(200)
      await waitFor('the profile merged', async () => (await engine.app.ops.engine.loadStates([userId])).get(userId)?.mergedFrom?.includes(anonymousId) === true, 60_000)
      expect(await engine.app.ops.identity.knownIdOf(anonymousId)).toBe(userId)
      const known = (await engine.app.ops.engine.loadStates([userId])).get(userId)
      expect(Object.keys(known?.checkouts ?? {})).toEqual(['kc1'])
      expect(known?.partition).toBe(partitionOf(userId))

      clock.set(t + 2 * HOUR)
      await waitFor('the reminder decided', async () => (await engine.app.ops.outbox.list({ customerId: userId })).length > 0, 60_000)
      expect((await engine.app.ops.outbox.list({ customerId: userId })).map((o) => o.template)).toEqual(['abandoned-checkout'])
      expect(await engine.app.ops.outbox.list({ customerId: `anon:${anonymousId}` })).toEqual([])
      // The anonymous owner never wrote the known shopper: the seal kept its own partition.
      const sealed = (await engine.app.ops.engine.loadStates([`anon:${anonymousId}`])).get(`anon:${anonymousId}`)
      expect(sealed?.mergedInto).toBe(userId)
      expect(sealed?.partition).toBe(partitionOf(`anon:${anonymousId}`))
    })
  })
}
