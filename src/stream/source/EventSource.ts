// Where events come from: the embedded log (PGlite) or a Kafka consumer group. The engine sees
// one shape: ordered batches per partition, handed over only when the previous one is durable.
import type { ShopEvent } from '../../model/event.ts'

export interface SourceRecord {
  partition: number
  /** Position in the partition (log sequence or Kafka offset), strictly increasing. */
  offset: number
  /** Customer id (the partition key). */
  key: string
  /** The message: already-parsed JSON, or raw bytes to decode. */
  value: unknown
  receivedAt: number
  /**
   * The value already decoded, by a caller that validated it as the engine's decoder does (a
   * replay sandbox decodes each trace message once, to order and check it); sources leave it out.
   */
  decoded?: ShopEvent
}

export interface SourceBatch {
  partition: number
  records: SourceRecord[]
}

/** Handles one batch; resolves only when the batch's effects are durable. */
export type BatchHandler = (batch: SourceBatch) => Promise<void>

export interface EventSource {
  /** Names the source in stored positions ("embedded", "kafka:<group>"). */
  readonly name: string
  /** Partitions this process currently owns. */
  partitions(): number[]
  start(handler: BatchHandler): Promise<void>
  stop(): Promise<void>
}
