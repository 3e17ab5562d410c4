// Scale-out ingest: accepted HTTP messages become Kafka records on the first events topic, keyed
// by customer id so each customer's events stay on one partition and thus with one engine.
// Durable when resolved: acks = -1 (all in-sync replicas). Deduplication by messageId happens in
// the engine (a redelivered or re-sent message is recognised there), so nothing is a duplicate
// here. Not idempotent: see ../client.ts.
import type { CompressionTypes, Kafka, Producer } from 'kafkajs'
import { compressionType, createProducer } from '../client.ts'
import type { KafkaCompression } from '../config.ts'
import type { IngestMessage, IngestSink } from '../../ingest/IngestSink.ts'

export interface KafkaIngestSinkOptions {
  topic: string
  compression?: KafkaCompression
}

export class KafkaIngestSink implements IngestSink {
  private readonly compression: CompressionTypes

  constructor(
    private readonly producer: Producer,
    private readonly options: KafkaIngestSinkOptions,
  ) {
    this.compression = compressionType(options.compression)
  }

  /** Connects a producer of its own; close() disconnects it. */
  static async connect(kafka: Kafka, options: KafkaIngestSinkOptions): Promise<KafkaIngestSink> {
    const producer = createProducer(kafka)
    await producer.connect()
    return new KafkaIngestSink(producer, options)
  }

  async accept(messages: readonly IngestMessage[]): Promise<{ stored: number; duplicates: number }> {
    if (messages.length === 0) return { stored: 0, duplicates: 0 }
    await this.producer.send({
      topic: this.options.topic,
      acks: -1,
      compression: this.compression,
      messages: messages.map((m) => ({
        key: m.customerId,
        value: JSON.stringify(m.body),
        // When careloop accepted it: the engine's receivedAt, as in embedded mode.
        timestamp: String(m.receivedAt),
      })),
    })
    return { stored: messages.length, duplicates: 0 }
  }

  close(): Promise<void> {
    return this.producer.disconnect()
  }
}
