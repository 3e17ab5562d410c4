// Scale-out wiring in one call for the composition root: the client, the consumer-group source,
// the ingest producer and the dead-letter producer, built from KafkaSettings.
import type { Kafka } from 'kafkajs'
import type { Logger } from 'pino'
import { pingTopics } from './admin/ping.ts'
import { createKafka } from './client.ts'
import type { KafkaSettings } from './config.ts'
import { KafkaSource } from './consumer/KafkaSource.ts'
import type { AssignmentChange } from './consumer/Membership.ts'
import { DeadLetterProducer } from './producer/DeadLetterProducer.ts'
import { KafkaIngestSink } from './producer/KafkaIngestSink.ts'

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
  const sink = await KafkaIngestSink.connect(kafka, { topic: settings.topics[0], compression: settings.compression })
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
    ping(timeoutMs = 3_000) {
      return pingTopics(kafka, settings.topics, timeoutMs)
    },
    async close() {
      await source.stop()
      await Promise.allSettled([sink.close(), deadLetters.close()])
    },
  }
}
