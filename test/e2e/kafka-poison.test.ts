// Poison isolation in scale-out mode: an engine consuming a Kafka-protocol cluster (librdkafka's
// mock) over PostgreSQL and ClickHouse servers parks an event whose processing throws — on the
// dead-letter topic with the reason and the original bytes, and in the dead_letters table — and
// goes on with the rest of the partition, committing past it.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { KafkaMessage } from 'kafkajs'
import { createKafka, createProducer } from '../../src/stream/kafka/client.ts'
import { DEAD_LETTER_HEADERS } from '../../src/stream/kafka/producer/DeadLetterProducer.ts'
import type { TestEngine } from '../support/careloop.ts'
import { startKafkaModeEngine, type KafkaModeEngine } from '../support/kafkaEngine.ts'
import { requireServers } from '../support/requireServers.ts'
import { waitFor } from '../stream/helpers.ts'

if (requireServers('kafka poison isolation')) {
  let mode: KafkaModeEngine
  let engine: TestEngine

  beforeAll(async () => {
    mode = await startKafkaModeEngine('poison')
    engine = mode.engine
    const set = engine.app.rules.ruleSet
    const original = set.matchEvent
    set.matchEvent = function (ctx) {
      if (ctx.event.name === 'Boom') throw new Error('rule evaluation bug')
      return original.call(this, ctx)
    }
    await engine.app.start()
  }, 120_000)
  afterAll(async () => {
    await mode?.stop()
  })

  const track = (userId: string, event: string, properties: Record<string, unknown>) => ({ type: 'track', messageId: randomUUID(), userId, event, properties, timestamp: new Date().toISOString() })

  describe('poison isolation in Kafka mode', () => {
    it('parks the throwing event on the dead-letter topic and the table, and processes the rest of its partition', async () => {
      const client = createKafka({ brokers: mode.kafka.brokerList })
      const producer = createProducer(client)
      await producer.connect()
      const user = `kp-${randomUUID().slice(0, 8)}`
      const boom = track(user, 'Boom', { n: 1 })
      const after = track(user, 'Payment Failed', { order_id: 'o-kp' })
      await producer.send({ topic: mode.topic, messages: [boom, after].map((m) => ({ key: user, value: JSON.stringify(m) })) })
      await producer.disconnect()

      await waitFor('the event after the poison processed', async () => (await engine.app.ops.outbox.list({ customerId: user })).length > 0, 60_000)
      expect((await engine.app.ops.outbox.list({ customerId: user })).map((o) => o.template)).toEqual(['payment-failed'])
      const letters = await engine.app.ops.deadLetters.list(10)
      expect(letters.map((l) => l.reason)).toEqual([expect.stringContaining('rule evaluation bug')])

      const parked: KafkaMessage[] = []
      const reader = client.consumer({ groupId: `reader-${randomUUID()}`, sessionTimeout: 4_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 200 })
      await reader.connect()
      try {
        await reader.subscribe({ topics: [mode.deadLetterTopic], fromBeginning: true })
        await reader.run({ eachMessage: async ({ message }) => void parked.push(message) })
        await waitFor('the dead letter on its topic', () => parked.length >= 1, 30_000)
      } finally {
        await reader.disconnect()
      }
      expect(JSON.parse(parked[0]?.value?.toString() ?? '{}').messageId).toBe(boom.messageId)
      expect(parked[0]?.headers?.[DEAD_LETTER_HEADERS.reason]?.toString()).toContain('rule evaluation bug')
    })
  })
}
