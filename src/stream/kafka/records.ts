// Kafka messages → the engine's SourceRecords.
//
// Positions: SourceRecord.offset is the Kafka offset + 1, i.e. "the next offset to read" — the
// same number Kafka stores as the group's committed offset. Two reasons: the engine treats a
// missing stored position as 0 and skips records with offset ≤ position, so a raw Kafka offset 0
// would be skipped; and a stored engine position can be compared with the group's committed
// offset as they are.
//
// value is the raw bytes as a UTF-8 string (the engine decodes and dead-letters what is not a
// valid message). Invalid UTF-8 would not survive that string, so the original bytes ride along
// in `kafka.value` for the dead-letter topic.
import type { KafkaMessage } from 'kafkajs'
import type { SourceRecord } from '../source/EventSource.ts'

export interface KafkaOrigin {
  topic: string
  /** The Kafka partition (not the engine's combined number). */
  partition: number
  /** The Kafka offset (a 64-bit integer as text). */
  offset: string
  key: Buffer | null
  value: Buffer | null
}

export interface KafkaSourceRecord extends SourceRecord {
  kafka: KafkaOrigin
}

/** Where a record came from, if it came from Kafka. */
export function kafkaOrigin(record: SourceRecord): KafkaOrigin | undefined {
  const origin = (record as Partial<KafkaSourceRecord>).kafka
  return origin !== undefined && typeof origin.topic === 'string' ? origin : undefined
}

/** The engine position of a Kafka offset (see the top of this file). */
export function positionOf(kafkaOffset: string): number {
  return Number(kafkaOffset) + 1
}

export function toSourceRecord(message: KafkaMessage, topic: string, kafkaPartition: number, sourcePartition: number, now: number): KafkaSourceRecord {
  const ts = Number(message.timestamp)
  return {
    partition: sourcePartition,
    offset: positionOf(message.offset),
    key: message.key ? message.key.toString('utf8') : '',
    value: message.value ? message.value.toString('utf8') : '',
    // Producer (CreateTime) or broker (LogAppendTime) time; "-1" means the producer gave none.
    receivedAt: Number.isFinite(ts) && ts > 0 ? ts : now,
    kafka: { topic, partition: kafkaPartition, offset: message.offset, key: message.key, value: message.value },
  }
}
