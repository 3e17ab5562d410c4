// Scale-out wiring in one call for the composition root: the client, the consumer-group source,
// the ingest producer and the dead-letter producer, built from KafkaSettings.
import type { Kafka } from 'kafkajs'
import type { Logger } from 'pino'
import { KafkaIngestSink } from '../ingest/KafkaIngestSink.ts'
import { KafkaSource, type AssignmentChange } from '../source/KafkaSource.ts'
import { createKafka } from './client.ts'
import type { KafkaSettings } from './config.ts'
import { DeadLetterProducer } from './DeadLetterProducer.ts'

export { loadKafkaSettings, KafkaConfigError, type KafkaSettings } from './config.ts'
export { DeadLetterProducer, DEAD_LETTER_HEADERS, type DeadLetterRecord, type DeadLetterSink } from './DeadLetterProducer.ts'
export { kafkaOrigin, type KafkaOrigin, type KafkaSourceRecord } from './records.ts'
export { PartitionIds, TOPIC_PARTITION_STRIDE } from './partitions.ts'

export interface KafkaMode {
  settings: KafkaSettings
  kafka: Kafka
  /** Not started: start(handler) it once the engine exists. */
  source: KafkaSource
  /** Ingest produces to the first topic. */
  sink: KafkaIngestSink
  deadLetters: DeadLetterProducer
  /** For /readyz: the cluster answers a metadata request for our topics. */
  ping(timeoutMs?: number): Promise<boolean>
  /** Stops the source (finishing and committing its batch), then disconnects the producers. */
  close(): Promise<void>
}

export interface KafkaModeOptions {
  logger?: Logger
  onAssignmentChange?: (change: AssignmentChange) => void
}

export async function openKafkaMode(settings: KafkaSettings, options: KafkaModeOptions = {}): Promise<KafkaMode> {
  const kafka = createKafka(settings, options.logger?.child({ component: 'kafka' }))
  const source = new KafkaSource({
    kafka,
    topics: settings.topics,
    groupId: settings.groupId,
    sessionTimeoutMs: settings.sessionTimeoutMs,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.onAssignmentChange ? { onAssignmentChange: options.onAssignmentChange } : {}),
  })
  const sink = await KafkaIngestSink.connect(kafka, { topic: settings.topics[0] as string, compression: settings.compression })
  let deadLetters: DeadLetterProducer
  try {
    deadLetters = await DeadLetterProducer.connect(kafka, settings.deadLetterTopic, settings.compression)
  } catch (err) {
    await sink.close()
    throw err
  }
  return {
    settings,
    kafka,
    source,
    sink,
    deadLetters,
    async ping(timeoutMs = 3_000) {
      // A short-lived admin client per probe: probes are rare, and a failed connection leaves
      // nothing half-open behind. Metadata works on every Kafka-protocol server (admin writes don't).
      const admin = kafka.admin({ retry: { retries: 0 } })
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)))
      const probe = (async () => {
        await admin.connect()
        await admin.fetchTopicMetadata({ topics: [...settings.topics] })
        return true
      })().catch(() => false)
      try {
        return await Promise.race([probe, timeout])
      } finally {
        clearTimeout(timer)
        void probe.finally(() => admin.disconnect().catch(() => undefined))
      }
    },
    async close() {
      await source.stop()
      await Promise.allSettled([sink.close(), deadLetters.close()])
    },
  }
}
