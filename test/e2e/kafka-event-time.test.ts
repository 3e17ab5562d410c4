// Event time decides in scale-out mode too: through a Kafka-protocol cluster, a delivery that
// reaches the engine seconds after a past-due shipment — same partition, separate batches —
// ends the wait before its allowed lateness is over, so nothing is sent; the parcel without a
// delivery gets its apology. In-process engine on PostgreSQL and ClickHouse servers, manual clock.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { starterRules } from '../../src/rules/index.ts'
import { createKafka, createProducer } from '../../src/stream/kafka/client.ts'
import type { TestEngine } from '../support/careloop.ts'
import { startKafkaModeEngine, type KafkaModeEngine } from '../support/kafkaEngine.ts'
import { requireServers } from '../support/requireServers.ts'
import { waitFor } from '../stream/helpers.ts'

const DAY = 86_400_000
if (requireServers('kafka event time')) {
  const clock = new ManualClock(Date.UTC(2026, 5, 20, 10, 0, 0))
  let mode: KafkaModeEngine
  let engine: TestEngine

  beforeAll(async () => {
    mode = await startKafkaModeEngine('eventtime', { clock })
    engine = mode.engine
    await engine.app.start()
  }, 120_000)
  afterAll(async () => {
    await mode?.stop()
  })

  const msg = (userId: string, event: string, properties: Record<string, unknown>, at: number) => ({ type: 'track', messageId: randomUUID(), userId, event, properties, timestamp: new Date(at).toISOString() })
  const seen = async (customerId: string, messages: number) => ((await engine.app.ops.engine.loadStates([customerId])).get(customerId)?.seen.length ?? 0) >= messages

  describe('event time through Kafka', () => {
    it('a delivery in a later batch of the same partition ends a past-due wait; the other parcel gets its apology', async () => {
      const client = createKafka({ brokers: mode.kafka.brokerList })
      const producer = createProducer(client)
      await producer.connect()
      const delivered = `ket-${randomUUID().slice(0, 8)}`
      const late = `ket-${randomUUID().slice(0, 8)}`
      const now = clock.now()
      const send = (userId: string, messages: unknown[]) => producer.send({ topic: mode.topic, messages: messages.map((m) => ({ key: userId, value: JSON.stringify(m) })) })
      for (const id of [delivered, late]) {
        await send(id, [
          { type: 'identify', messageId: randomUUID(), userId: id, traits: { email: `${id}@example.com` }, timestamp: new Date(now - 10 * DAY).toISOString() },
          msg(id, 'Order Completed', { order_id: 'K1', total: 40 }, now - 5 * DAY),
          msg(id, 'Order Shipped', { order_id: 'K1', estimated_delivery_at: new Date(now - 2 * DAY).toISOString() }, now - 4 * DAY),
        ])
      }
      await waitFor('the shipments processed', async () => (await seen(delivered, 3)) && (await seen(late, 3)), 60_000)
      // Each shipment arms one wait per absence trigger of the starter delayed-shipment rule.
      const waits = starterRules.find((r) => r.id === 'delayed-shipment')?.triggers.filter((t) => 'absence' in t).length ?? 0
      expect(waits).toBeGreaterThan(0)
      expect(await engine.app.ops.engine.pendingTimerCount()).toBe(2 * waits)

      clock.advance(3_000)
      await send(delivered, [msg(delivered, 'Order Delivered', { order_id: 'K1' }, now - 3 * DAY)])
      await waitFor('the delivery processed', () => seen(delivered, 4), 60_000)
      await producer.disconnect()

      clock.advance(10 * 60_000)
      await waitFor('the late parcel’s apology', async () => (await engine.app.ops.outbox.list({ customerId: late })).length > 0, 60_000)
      expect((await engine.app.ops.outbox.list({ customerId: late })).map((o) => o.template)).toEqual(['delayed-shipment'])
      expect(await engine.app.ops.outbox.list({ customerId: delivered })).toEqual([])
      expect(await engine.app.ops.engine.pendingTimerCount()).toBe(0)
    })
  })
}
