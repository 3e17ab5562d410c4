// Where accepted ingest messages go: the embedded log (here) or a Kafka topic (scale-out).
import type { EventLog } from '../../store/eventlog/EventLog.ts'
import type { IngestPressure } from './IngestPressure.ts'

export interface IngestMessage {
  messageId: string
  customerId: string
  receivedAt: number
  /** The message as received, unknown fields kept. */
  body: unknown
}

export interface IngestSink {
  /** Durable when resolved. Returns how many were new (the rest were duplicate messageIds). */
  accept(messages: readonly IngestMessage[]): Promise<{ stored: number; duplicates: number }>
  /** An ingest request has its body (write key accepted); the returned function ends it. Embedded mode lets the engine give way meanwhile. */
  receiving?(): () => void
}

export class EmbeddedIngestSink implements IngestSink {
  constructor(
    private readonly log: EventLog,
    private readonly partition: number,
    private readonly notify: () => void,
    private readonly pressure?: IngestPressure,
  ) {}

  receiving(): () => void {
    return this.pressure?.receiving() ?? (() => {})
  }

  async accept(messages: readonly IngestMessage[]): Promise<{ stored: number; duplicates: number }> {
    if (messages.length === 0) return { stored: 0, duplicates: 0 }
    // Duplicates inside one request count once, like duplicates across requests.
    const unique = [...new Map(messages.map((m) => [m.messageId, m])).values()]
    const appended = this.log.append(unique.map((m) => ({ ...m, partition: this.partition })))
    const stored = await (this.pressure ? this.pressure.aside(appended) : appended)
    if (stored.size > 0) this.notify()
    return { stored: stored.size, duplicates: messages.length - stored.size }
  }
}
