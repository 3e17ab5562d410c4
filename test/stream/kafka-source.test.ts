// The source contract against a Kafka consumer group on the mock cluster: the source commits
// offsets itself, so the fixture's commitPosition does nothing.
import { afterAll, beforeAll } from 'vitest'
import type { Kafka } from 'kafkajs'
import { createKafka } from '../../src/stream/kafka/client.ts'
import { KafkaIngestSink } from '../../src/stream/kafka/producer/KafkaIngestSink.ts'
import { KafkaSource } from '../../src/stream/kafka/consumer/KafkaSource.ts'
import { startKafka, type KafkaService } from '../support/services/kafka.ts'
import { waitFor } from './helpers.ts'
import { eventSourceContract } from './source.contract.ts'

const PARTITIONS = 3
const TOPICS = Array.from({ length: 8 }, (_, i) => ({ name: `contract-${i}`, partitions: PARTITIONS }))

let kafka: KafkaService
let client: Kafka
let next = 0

beforeAll(async () => {
  kafka = await startKafka(TOPICS)
  client = createKafka({ brokers: kafka.brokerList })
})
afterAll(async () => {
  await kafka?.stop()
})

eventSourceContract('kafka consumer group', async () => {
  // A topic and a group of its own per test: the mock cannot delete topics.
  const topic = `contract-${next++}`
  const sink = await KafkaIngestSink.connect(client, { topic })
  return {
    sink,
    newSource: () => new KafkaSource({ kafka: client, topics: [topic], groupId: `g-${topic}`, sessionTimeoutMs: 4_000, maxWaitTimeInMs: 200 }),
    commitPosition: async () => undefined,
    ready: (source) => waitFor('the group join', () => source.partitions().length === PARTITIONS),
    partitionCount: PARTITIONS,
    cleanup: () => sink.close(),
  }
})
