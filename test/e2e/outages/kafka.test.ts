// The Kafka broker away for CARELOOP_OUTAGE_MS (default 60 s) in scale-out mode while a shop keeps
// sending through careloop's ingest: ingest cannot hand events to Kafka meanwhile (503 +
// Retry-After; the client resends), the consumer loses its group and must come back on its own;
// afterwards every accepted event's effects appear exactly once.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { loadKafkaSettings } from '../../../src/stream/kafka/config.ts'
import { startEngine, type TestEngine } from '../../support/careloop.ts'
import { requireServers } from '../../support/requireServers.ts'
import { createServerStores, type ServerStores } from '../../support/serverStores.ts'
import { startKafka, type KafkaService } from '../../support/services/kafka.ts'
import { startMailSink, type MailSink } from '../../support/smtp.ts'
import { runOutage } from './scenario.ts'
import { outageMs } from './traffic.ts'

if (requireServers('Kafka broker outage')) describe('Kafka broker outage', () => {
  const topic = `events-${randomUUID().slice(0, 8)}`
  const dlq = `dead-${randomUUID().slice(0, 8)}`
  let kafka: KafkaService
  let stores: ServerStores
  let mail: MailSink
  let engine: TestEngine | undefined

  beforeAll(async () => {
    ;[kafka, stores, mail] = await Promise.all([
      startKafka([
        { name: topic, partitions: 4 },
        { name: dlq, partitions: 1 },
      ]),
      createServerStores('careloop_outage_kafka'),
      startMailSink(),
    ])
  })
  afterAll(async () => {
    await engine?.app.stop()
    await Promise.allSettled([mail?.close(), stores?.drop(), kafka?.stop()])
  })

  it('refuses ingest meanwhile, rejoins the group afterwards, loses nothing and sends nothing twice', async () => {
    const settings = loadKafkaSettings({
      KAFKA_BROKERS: kafka.brokers,
      KAFKA_TOPICS: topic,
      KAFKA_DEAD_LETTER_TOPIC: dlq,
      KAFKA_GROUP_ID: 'careloop-outage',
      KAFKA_SESSION_TIMEOUT_MS: '5000',
    })
    engine = await startEngine({
      databaseUrl: stores.databaseUrl,
      clickhouseUrl: stores.clickhouseUrl,
      clickhouseDatabase: stores.clickhouseDatabase,
      smtpUrl: mail.url,
      config: { kafka: settings, outboxLeaseMs: 5_000 },
    })
    await engine.app.start()
    await runOutage({ prefix: 'kfo', engine, mail, fault: { down: () => kafka.down(), up: () => kafka.up() }, ingestRefused: true })
  }, outageMs() + 420_000)
})
