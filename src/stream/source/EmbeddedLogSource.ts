// The embedded event source: reads the embedded event log after the engine's stored position.
// One process owns every partition; ingest calls notify() so new events are picked up at once.
import type { EventLog, LogRecord } from '../../store/eventlog/EventLog.ts'
import type { EngineStore } from '../../store/operational/EngineStore.ts'
import { IngestPressure } from '../ingest/IngestPressure.ts'
import type { BatchHandler, EventSource } from './EventSource.ts'

export const EMBEDDED_SOURCE = 'embedded'
export const EMBEDDED_PARTITION = 0

export interface EmbeddedLogSourceOptions {
  batchSize?: number
  /** Poll interval when nothing notifies (ms). */
  idleMs?: number
  /** First and longest wait before retrying a batch that failed (a store is unavailable). */
  retryMs?: { first: number; max: number }
  onError?: (err: unknown, retryInMs: number) => void
}

/** Records read from the log in one go: a read holds the main thread for its whole run. */
const READ_CHUNK = 1_000

export class EmbeddedLogSource implements EventSource {
  readonly name = EMBEDDED_SOURCE
  private running = false
  private loop: Promise<void> | undefined
  private wake: (() => void) | undefined
  private pending = false
  /** Consecutive failed attempts at the current batch. */
  private failures = 0
  /** The last seq a handler made durable, while this process has been the only one moving the position. */
  private handed: number | undefined
  /** Ingest requests in flight: the engine gives way to them at its turns (see IngestPressure). */
  readonly pressure = new IngestPressure()
  /** A turn between steps, reads and slices of a step (the engine's too, in embedded mode). */
  readonly turn = (): Promise<void> => this.pressure.turn()

  constructor(
    private readonly log: EventLog,
    private readonly engineStore: EngineStore,
    private readonly options: EmbeddedLogSourceOptions = {},
  ) {}

  partitions(): number[] {
    return [EMBEDDED_PARTITION]
  }

  /** Records in the log not yet processed, by partition. */
  async lag(): Promise<Map<number, number>> {
    const head = await this.log.head(EMBEDDED_PARTITION)
    const done = (await this.engineStore.positions(this.name, [EMBEDDED_PARTITION])).get(EMBEDDED_PARTITION) ?? 0
    return new Map([[EMBEDDED_PARTITION, Math.max(0, head - done)]])
  }

  /** New events were appended: read them now instead of at the next poll. */
  notify(): void {
    this.pending = true
    // While retrying a failed batch, new events do not cut the back-off short.
    if (this.failures === 0) this.wake?.()
  }

  async start(handler: BatchHandler): Promise<void> {
    if (this.running) return
    this.running = true
    this.handed = undefined
    this.loop = this.run(handler)
  }

  /** Reads and handles everything up to the log's current head (tests and shutdown use it). */
  async drain(handler: BatchHandler): Promise<number> {
    // Starts from the stored position: whatever moved it meanwhile is what a drain follows.
    this.handed = undefined
    let total = 0
    for (;;) {
      const n = await this.step(handler)
      total += n
      if (n === 0) return total
    }
  }

  private async step(handler: BatchHandler): Promise<number> {
    const after = this.handed ?? (await this.engineStore.positions(this.name, [EMBEDDED_PARTITION])).get(EMBEDDED_PARTITION) ?? 0
    const limit = this.options.batchSize ?? 500
    const rows: LogRecord[] = []
    for (let from = after; rows.length < limit; ) {
      if (rows.length > 0) await this.turn()
      const chunk = await this.log.read(EMBEDDED_PARTITION, from, Math.min(limit - rows.length, READ_CHUNK))
      for (const r of chunk) rows.push(r)
      const lastRead = chunk[chunk.length - 1]
      if (lastRead === undefined || chunk.length < READ_CHUNK) break
      from = lastRead.seq
    }
    const last = rows[rows.length - 1]
    if (last === undefined) return 0
    try {
      await handler({
        partition: EMBEDDED_PARTITION,
        records: rows.map((r) => ({ partition: r.partition, offset: r.seq, key: r.customerId, value: r.body, receivedAt: r.receivedAt })),
      })
    } catch (err) {
      this.handed = undefined
      throw err
    }
    // The handler resolves only once the batch's position is durable: the next read starts
    // after it without asking the store again.
    this.handed = Math.max(this.handed ?? 0, last.seq)
    return rows.length
  }

  private async run(handler: BatchHandler): Promise<void> {
    const retry = this.options.retryMs ?? { first: 250, max: 30_000 }
    while (this.running) {
      this.pending = false
      let handled = 0
      let waitMs = this.options.idleMs ?? 250
      try {
        handled = await this.step(handler)
        this.failures = 0
      } catch (err) {
        // The engine parks bad input itself, so what reaches here is a store that cannot be
        // reached or written: wait longer each time, without skipping anything.
        waitMs = Math.min(retry.max, retry.first * 2 ** Math.min(this.failures, 16))
        this.failures++
        this.options.onError?.(err, waitMs)
      }
      if (this.failures === 0 && (handled > 0 || this.pending)) {
        // Let waiting I/O (ingest requests above all) run before the next step.
        await this.turn()
        continue
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs)
        this.wake = () => {
          clearTimeout(timer)
          resolve()
        }
      })
      this.wake = undefined
    }
  }

  async stop(): Promise<void> {
    this.running = false
    this.wake?.()
    await this.loop
  }
}
