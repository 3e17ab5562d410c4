// Dead letters to a Kafka topic, next to the dead_letters table: operators of a Kafka pipeline
// watch, replay or alert on a topic, with the original bytes untouched and the reason and
// origin in headers.
//
// Call publish() before the batch's position is committed (the engine's commit, then Kafka's):
// a crash in between republishes on redelivery, so each bad record reaches the topic at least
// once (possibly twice — consumers of the topic dedupe by source topic/partition/offset).
import type { CompressionTypes, IHeaders, Kafka, Message, Producer } from 'kafkajs'
import type { DeadLetter } from '../../../store/operational/DeadLetterStore.ts'
import type { SourceRecord } from '../../source/EventSource.ts'
import { compressionType, createProducer } from '../client.ts'
import type { KafkaCompression } from '../config.ts'
import { kafkaOrigin } from '../records.ts'

export const DEAD_LETTER_HEADERS = {
  reason: 'careloop-reason',
  topic: 'careloop-source-topic',
  partition: 'careloop-source-partition',
  offset: 'careloop-source-offset',
} as const

/** One record the engine could not decode, and why. */
export interface DeadLetterRecord {
  record: SourceRecord
  reason: string
}

/** What the engine calls with a batch's undecodable records (structural: Engine need not import kafka). */
export interface DeadLetterSink {
  publish(letters: readonly DeadLetterRecord[]): Promise<void>
}

// Big reasons (hundreds of field errors) are cut: a header is for reading, the table keeps all.
const MAX_REASON = 2_000

function valueOf(record: SourceRecord): Buffer | string | null {
  const origin = kafkaOrigin(record)
  if (origin) return origin.value
  if (typeof record.value === 'string') return record.value
  return JSON.stringify(record.value) ?? null
}

export function deadLetterMessage(letter: DeadLetterRecord): Message {
  const { record, reason } = letter
  const origin = kafkaOrigin(record)
  const headers: IHeaders = {
    [DEAD_LETTER_HEADERS.reason]: reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON)}…` : reason,
    [DEAD_LETTER_HEADERS.topic]: origin?.topic ?? '',
    [DEAD_LETTER_HEADERS.partition]: String(origin?.partition ?? record.partition),
    // Without a Kafka origin (embedded log), the engine position is all there is.
    [DEAD_LETTER_HEADERS.offset]: origin?.offset ?? String(record.offset),
  }
  return {
    // Same key as the original: one customer's dead letters stay together and in order.
    key: origin ? origin.key : record.key || null,
    value: valueOf(record),
    headers,
  }
}

export class DeadLetterProducer implements DeadLetterSink {
  private readonly compression: CompressionTypes

  constructor(
    private readonly producer: Producer,
    readonly topic: string,
    compression?: KafkaCompression,
  ) {
    this.compression = compressionType(compression)
  }

  /** Connects a producer of its own; close() disconnects it. */
  static async connect(kafka: Kafka, topic: string, compression?: KafkaCompression): Promise<DeadLetterProducer> {
    const producer = createProducer(kafka)
    await producer.connect()
    return new DeadLetterProducer(producer, topic, compression)
  }

  /**
   * The Engine's `onDeadLetters` hook: letters[i] is the rejection of records[i]. Pass it as is:
   * `onDeadLetters: producer.forward`.
   */
  readonly forward = (letters: readonly DeadLetter[], records: readonly SourceRecord[]): Promise<void> => {
    if (letters.length !== records.length) throw new Error(`dead letters: ${letters.length} letters for ${records.length} records`)
    return this.publish(records.map((record, i) => ({ record, reason: (letters[i] as DeadLetter).reason })))
  }

  /** Durable (acks -1) when resolved; rejects if the topic cannot be written. */
  async publish(letters: readonly DeadLetterRecord[]): Promise<void> {
    if (letters.length === 0) return
    await this.producer.send({ topic: this.topic, acks: -1, compression: this.compression, messages: letters.map(deadLetterMessage) })
  }

  close(): Promise<void> {
    return this.producer.disconnect()
  }
}
