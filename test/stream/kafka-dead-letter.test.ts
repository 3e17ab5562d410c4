// Bad input is parked, never dropped: an undecodable record goes to the dead-letter topic with
// its reason and origin in headers and its ORIGINAL bytes (even invalid UTF-8) as the value.
// The handler plays the Engine: decode, then hand the rejects to its onDeadLetters hook
// (DeadLetterProducer.forward) before the batch counts as done.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Kafka, KafkaMessage } from 'kafkajs'
import { decodeBytes } from '../../src/stream/decode.ts'
import { createKafka, createProducer } from '../../src/stream/kafka/client.ts'
import { DEAD_LETTER_HEADERS, DeadLetterProducer } from '../../src/stream/kafka/producer/DeadLetterProducer.ts'
import type { SourceRecord } from '../../src/stream/source/EventSource.ts'
import type { DeadLetter } from '../../src/store/operational/DeadLetterStore.ts'
import { KafkaSource } from '../../src/stream/kafka/consumer/KafkaSource.ts'
import { startKafka, type KafkaService } from '../support/services/kafka.ts'
import { waitFor } from './helpers.ts'
import { wireTrack } from '../support/events.ts'

let kafka: KafkaService
let client: Kafka

beforeAll(async () => {
  kafka = await startKafka([
    { name: 'dl-events', partitions: 2 },
    { name: 'dl-more-events', partitions: 2 },
    { name: 'dl-dead', partitions: 1 },
  ])
  client = createKafka({ brokers: kafka.brokerList })
})
afterAll(async () => {
  await kafka?.stop()
})

async function readAll(topic: string, count: number): Promise<KafkaMessage[]> {
  const consumer = client.consumer({ groupId: `reader-${topic}`, sessionTimeout: 4_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 200 })
  const got: KafkaMessage[] = []
  await consumer.connect()
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    await consumer.run({ eachMessage: async ({ message }) => void got.push(message) })
    await waitFor(`${count} messages on ${topic}`, () => got.length >= count)
  } finally {
    await consumer.disconnect()
  }
  return got
}

describe('dead letters to Kafka', () => {
  it('parks invalid records with reason, origin and the original bytes; valid ones pass', async () => {
    const invalidUtf8 = Buffer.from([0xff, 0xfe, 0x7b, 0x00, 0x22])
    const missingFields = Buffer.from(JSON.stringify({ type: 'track', userId: 'c-2' }))
    const valid = Buffer.from(JSON.stringify(wireTrack('c-1', 'Product Viewed', { seq: 1 })))
    const producer = createProducer(client)
    await producer.connect()
    await producer.send({ topic: 'dl-events', messages: [{ key: 'c-1', value: valid }, { key: 'c-2', value: invalidUtf8 }] })
    await producer.send({ topic: 'dl-more-events', messages: [{ key: 'c-2', value: missingFields }] })
    await producer.disconnect()

    const dlq = await DeadLetterProducer.connect(client, 'dl-dead')
    const decoded: string[] = []
    const source = new KafkaSource({ kafka: client, topics: ['dl-events', 'dl-more-events'], groupId: 'dl-engine', sessionTimeoutMs: 4_000, maxWaitTimeInMs: 200 })
    const partitionsSeen = new Set<number>()
    await source.start(async (batch) => {
      const letters: DeadLetter[] = []
      const rejected: SourceRecord[] = []
      for (const record of batch.records) {
        partitionsSeen.add(record.partition)
        const result = decodeBytes(record.value as string, record.receivedAt)
        if (result.ok) decoded.push(result.event.messageId)
        else {
          const reason = result.errors.map((e) => `${e.path}: ${e.message}`).join('; ')
          letters.push({ source: source.name, receivedAt: record.receivedAt, reason, errors: result.errors, payload: record.value as string })
          rejected.push(record)
        }
      }
      if (letters.length > 0) await dlq.forward(letters, rejected)
    })
    try {
      const parked = await readAll('dl-dead', 2)
      expect(decoded).toHaveLength(1)
      // Two topics: the second one's partitions are numbered from 10000 (kafka/partitions.ts).
      expect([...partitionsSeen].some((p) => p >= 10_000)).toBe(true)
      expect(source.partitions()).toEqual([0, 1, 10_000, 10_001])

      const header = (m: KafkaMessage, name: string) => m.headers?.[name]?.toString()
      const bySourceTopic = new Map(parked.map((m) => [header(m, DEAD_LETTER_HEADERS.topic), m]))
      const bad = bySourceTopic.get('dl-events') as KafkaMessage
      expect(Buffer.compare(bad.value as Buffer, invalidUtf8)).toBe(0)
      expect(bad.key?.toString()).toBe('c-2')
      expect(header(bad, DEAD_LETTER_HEADERS.reason)).toMatch(/^\/: not JSON/)
      expect(header(bad, DEAD_LETTER_HEADERS.offset)).toMatch(/^\d+$/)
      expect(['0', '1']).toContain(header(bad, DEAD_LETTER_HEADERS.partition))

      const incomplete = bySourceTopic.get('dl-more-events') as KafkaMessage
      expect(Buffer.compare(incomplete.value as Buffer, missingFields)).toBe(0)
      expect(header(incomplete, DEAD_LETTER_HEADERS.reason)).toContain('/event: is required')
      expect(header(incomplete, DEAD_LETTER_HEADERS.offset)).toBe('0')
    } finally {
      await source.stop()
      await dlq.close()
    }
  })
})
