// An in-process engine in scale-out mode: a librdkafka mock cluster with an events topic and a
// dead-letter topic, fresh PostgreSQL and ClickHouse databases on the test servers.
import type { Clock } from '../../src/lib/clock.ts'
import { loadKafkaSettings } from '../../src/stream/kafka/config.ts'
import { startEngine, type TestEngine } from './careloop.ts'
import { createServerStores } from './serverStores.ts'
import { startKafka, type KafkaService } from './services/kafka.ts'

export interface KafkaModeEngine {
  engine: TestEngine
  kafka: KafkaService
  /** The events topic the engine consumes. */
  topic: string
  deadLetterTopic: string
  stop(): Promise<void>
}

export async function startKafkaModeEngine(name: string, options: { clock?: Clock } = {}): Promise<KafkaModeEngine> {
  const topic = `${name}-events`
  const deadLetterTopic = `${name}-dead`
  const kafka = await startKafka([
    { name: topic, partitions: 2 },
    { name: deadLetterTopic, partitions: 1 },
  ])
  const stores = await createServerStores(name.replace(/[^a-z0-9]/g, '_'))
  const settings = loadKafkaSettings({ KAFKA_BROKERS: kafka.brokerList.join(','), KAFKA_TOPICS: topic, KAFKA_DEAD_LETTER_TOPIC: deadLetterTopic, KAFKA_GROUP_ID: name, KAFKA_SESSION_TIMEOUT_MS: '4000' })
  const engine = await startEngine({ ...(options.clock ? { clock: options.clock } : {}), databaseUrl: stores.databaseUrl, clickhouseUrl: stores.clickhouseUrl, clickhouseDatabase: stores.clickhouseDatabase, config: { kafka: settings } })
  return {
    engine,
    kafka,
    topic,
    deadLetterTopic,
    async stop() {
      await engine.app.stop()
      await stores.drop()
      await kafka.stop()
    },
  }
}
