// The same store outages in scale-out mode: events come from a Kafka consumer group, so ingest
// keeps accepting (Kafka holds the events) while PostgreSQL or ClickHouse is away; the consumer
// retries the failed batch with backoff and commits nothing before its effects are durable.
import { randomUUID } from 'node:crypto'
import { afterEach, beforeEach, describe, it } from 'vitest'
import { loadKafkaSettings } from '../../../src/stream/kafka/config.ts'
import { startEngine, type TestEngine } from '../../support/careloop.ts'
import { requirePrivateServers } from '../../support/requireServers.ts'
import { startClickHouse } from '../../support/services/clickhouse.ts'
import { startKafka, type KafkaService } from '../../support/services/kafka.ts'
import { startPostgres, type ControllableService } from '../../support/services/postgres.ts'
import { startMailSink, type MailSink } from '../../support/smtp.ts'
import { runOutage } from './scenario.ts'
import { outageMs } from './traffic.ts'

if (requirePrivateServers('store outages with a Kafka consumer group')) describe.each(['postgres', 'clickhouse'] as const)('%s outage with a Kafka consumer group', (away) => {
  const topic = `events-${randomUUID().slice(0, 8)}`
  const dlq = `dead-${randomUUID().slice(0, 8)}`
  // Private servers: the suite's shared ones must not go away under other test files.
  let pg: ControllableService
  let ch: ControllableService
  let kafka: KafkaService
  let mail: MailSink
  let engine: TestEngine | undefined

  beforeEach(async () => {
    ;[pg, ch, mail, kafka] = await Promise.all([
      startPostgres(),
      startClickHouse(),
      startMailSink(),
      startKafka([
        { name: topic, partitions: 4 },
        { name: dlq, partitions: 1 },
      ]),
    ])
  })
  afterEach(async () => {
    await engine?.app.stop()
    await Promise.allSettled([mail?.close(), pg?.stop(), ch?.stop(), kafka?.stop()])
  })

  it('keeps accepting, retries the batch until the store is back, loses nothing and sends nothing twice', async () => {
    const kafkaSettings = loadKafkaSettings({ KAFKA_BROKERS: kafka.brokers, KAFKA_TOPICS: topic, KAFKA_DEAD_LETTER_TOPIC: dlq, KAFKA_GROUP_ID: 'careloop-outage', KAFKA_SESSION_TIMEOUT_MS: '5000' })
    engine = await startEngine({
      databaseUrl: pg.url,
      clickhouseUrl: ch.url,
      clickhouseDatabase: `outage_k_${away}`,
      smtpUrl: mail.url,
      config: { kafka: kafkaSettings, outboxLeaseMs: 5_000 },
    })
    await engine.app.start()
    await runOutage({ prefix: `k${away}`, engine, mail, fault: away === 'postgres' ? pg : ch })
  }, outageMs() + 420_000)
})
