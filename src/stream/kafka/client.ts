// One place that builds kafkajs clients the way careloop needs them: logs through pino, the
// Java-compatible partitioner, and no idempotent producer (see INFRA.md: the mock cluster never
// sets a controller id, and InitProducerId goes to the controller).
import { CompressionTypes, Kafka, logLevel, Partitioners, type LogEntry, type Producer } from 'kafkajs'
import type { Logger } from 'pino'
import type { KafkaCompression, KafkaSettings } from './config.ts'

/** What a client needs from the settings; tests pass just brokers. */
export type KafkaClientSettings = Pick<KafkaSettings, 'brokers'> & Partial<Pick<KafkaSettings, 'clientId' | 'ssl' | 'sasl'>>

function pinoLogCreator(logger: Logger) {
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message, timestamp: _ts, ...extra } = log
      const fields = { kafka: namespace, ...extra }
      if (level === logLevel.ERROR) logger.error(fields, message)
      else if (level === logLevel.WARN) logger.warn(fields, message)
      else if (level === logLevel.INFO) logger.info(fields, message)
      else logger.debug(fields, message)
    }
}

/** A kafkajs client; without a logger kafkajs stays silent (its default prints to the console). */
export function createKafka(settings: KafkaClientSettings, logger?: Logger): Kafka {
  return new Kafka({
    brokers: settings.brokers,
    clientId: settings.clientId ?? 'careloop',
    ...(settings.ssl ? { ssl: settings.ssl } : {}),
    ...(settings.sasl ? { sasl: settings.sasl } : {}),
    logLevel: logger ? logLevel.INFO : logLevel.NOTHING,
    ...(logger ? { logCreator: pinoLogCreator(logger) } : {}),
  })
}

/**
 * A producer whose key → partition mapping matches the Java client (murmur2), so shops' own
 * Java/kcat(-X topic.partitioner=murmur2_random) producers put a customer on the same partition.
 */
export function createProducer(kafka: Kafka): Producer {
  return kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent: false,
    allowAutoTopicCreation: false,
    // Not idempotent: with more than one request in flight a retry could reorder one
    // customer's events, and their order within a partition is what the engine relies on.
    maxInFlightRequests: 1,
  })
}

export function compressionType(compression: KafkaCompression | undefined): CompressionTypes {
  return compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None
}

// Errors meaning "this member's generation is over": sticky until the member rejoins, so kafkajs
// is certain to see them too and rejoin.
const MEMBERSHIP_LOST = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID'])
// Routine while the group or its coordinator moves; worth a warning, not an error.
const GROUP_MOVING = new Set([...MEMBERSHIP_LOST, 'NOT_COORDINATOR_FOR_GROUP', 'NOT_COORDINATOR', 'COORDINATOR_NOT_AVAILABLE'])

function typeOf(err: unknown): string | undefined {
  const type = (err as { type?: unknown } | null)?.type
  return typeof type === 'string' ? type : undefined
}

/** True for the errors a commit or heartbeat gets while the group is (re)forming. */
export function isRebalanceError(err: unknown): boolean {
  return GROUP_MOVING.has(typeOf(err) ?? '')
}

/** True when the group has moved on without this member until it rejoins. */
export function isMembershipLost(err: unknown): boolean {
  return MEMBERSHIP_LOST.has(typeOf(err) ?? '')
}
