// Shared bits of the source tests: a recording handler that counts effects (not deliveries —
// redeliveries are allowed), message builders and polling.
import { randomUUID } from 'node:crypto'
import type { IngestMessage } from '../../src/stream/ingest/IngestSink.ts'
import type { BatchHandler, SourceBatch, SourceRecord } from '../../src/stream/source/EventSource.ts'
import { wireTrack } from '../support/events.ts'

/** Polls until check() holds; on timeout the error says what, plus explain() (diagnostics). */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000, explain?: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check()) return
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${explain ? `\n${explain()}` : ''}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

export interface Delivery {
  partition: number
  offset: number
  key: string
  messageId: string
  seq: number
}

/** Bodies arrive parsed (embedded log) or as raw JSON text (Kafka). */
export function bodyOf(record: SourceRecord): Record<string, unknown> {
  return (typeof record.value === 'string' ? JSON.parse(record.value) : record.value) as Record<string, unknown>
}

/**
 * Plays the engine: records every delivery, keeps one effect per messageId, and after each
 * batch calls `commit` (where the embedded fixture stores the position, as the engine does).
 */
export class Recorder {
  readonly deliveries: Delivery[] = []
  readonly effects = new Map<string, Delivery>()
  readonly batches: SourceBatch[] = []
  /** Fail the next n handler calls (after recording them). */
  failNext = 0

  constructor(private readonly commit: (batch: SourceBatch) => Promise<void> = async () => undefined) {}

  readonly handler: BatchHandler = async (batch) => {
    this.batches.push(batch)
    const seen: Delivery[] = batch.records.map((r) => {
      const body = bodyOf(r)
      const props = body.properties as { seq: number }
      return { partition: r.partition, offset: r.offset, key: r.key, messageId: body.messageId as string, seq: props.seq }
    })
    this.deliveries.push(...seen)
    if (this.failNext > 0) {
      this.failNext--
      throw new Error('handler failure (test)')
    }
    await this.commit(batch)
    for (const d of seen) if (!this.effects.has(d.messageId)) this.effects.set(d.messageId, d)
  }

  has(messages: readonly IngestMessage[]): boolean {
    return messages.every((m) => this.effects.has(m.messageId))
  }
}

/** n track messages spread round-robin over `customers` customers; properties.seq = index. */
export function messages(n: number, customers: number, prefix = 'c'): IngestMessage[] {
  const run = randomUUID().slice(0, 8)
  return Array.from({ length: n }, (_, i) => {
    const customerId = `${prefix}-${run}-${i % customers}`
    const body = wireTrack(customerId, 'Product Viewed', { seq: i })
    return { messageId: body.messageId as string, customerId, receivedAt: Date.now(), body }
  })
}
