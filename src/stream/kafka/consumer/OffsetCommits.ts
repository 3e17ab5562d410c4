// Offset commits of the batches one engine step finished, sent as one OffsetCommit request.
// kafkajs hands a fetch's batches over one call per partition, the engine writes them in one step
// and resolves them together; a commit per partition made 16 requests per step (a quarter of the
// engine's wall time in bench/kafka.bench.ts). Each caller passes a position the engine already
// stored, so whatever request carries it commits only durable positions.
import type { EachBatchPayload } from 'kafkajs'

type Send = EachBatchPayload['commitOffsetsIfNecessary']

interface Position {
  topic: string
  partition: number
  /** Next offset to read (Kafka's committed-offset meaning), as text. */
  offset: string
  /** Membership generation the batch was handed over in. */
  generation: number
  send: Send
}

export interface OffsetCommitsOptions {
  /** The membership generation now: positions of an earlier one are not committed. */
  generation: () => number
  /** A request failed; the positions in it will be redelivered and skipped by the engine. */
  onError: (err: unknown, generation: number, positions: ReadonlyArray<{ topic: string; partition: number; offset: string }>) => void
}

export class OffsetCommits {
  private pending = new Map<string, Position>()
  /** The request being sent, if any: the next one goes after it, so a partition's offsets never go back. */
  private inFlight: Promise<void> = Promise.resolve()
  /** The request the next callers join (sent on the next turn of the event loop). */
  private next: Promise<void> | undefined
  /** OffsetCommit requests sent (a metric, and what the tests count). */
  requests = 0

  constructor(private readonly options: OffsetCommitsOptions) {}

  /**
   * Queues a partition's position for the next request and resolves once that request was
   * answered (a failure is reported to onError, never thrown). Callers that resolve in the same
   * turn of the event loop share one request.
   */
  commit(generation: number, topic: string, partition: number, offset: string, send: Send): Promise<void> {
    const key = `${topic}\u0000${partition}`
    const earlier = this.pending.get(key)
    // Within a generation a partition's positions only grow; keep the furthest.
    if (earlier === undefined || earlier.generation !== generation || BigInt(earlier.offset) < BigInt(offset)) this.pending.set(key, { topic, partition, offset, generation, send })
    this.next ??= new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.inFlight)
      .then(() => {
        this.next = undefined
        const taken = [...this.pending.values()]
        this.pending = new Map()
        this.inFlight = this.send(taken)
        return this.inFlight
      })
    return this.next
  }

  private async send(positions: readonly Position[]): Promise<void> {
    const generation = this.options.generation()
    // A join since the batch was handed over: the partition may be another member's now, and
    // kafkajs would send the request under the new generation. The records are read again.
    const current = positions.filter((p) => p.generation === generation)
    const last = current[current.length - 1]
    if (last === undefined) return
    const topics = new Map<string, Array<{ partition: number; offset: string }>>()
    for (const p of current) {
      let partitions = topics.get(p.topic)
      if (partitions === undefined) topics.set(p.topic, (partitions = []))
      partitions.push({ partition: p.partition, offset: p.offset })
    }
    this.requests++
    try {
      await last.send({ topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })) })
    } catch (err) {
      this.options.onError(err, generation, current.map(({ topic, partition, offset }) => ({ topic, partition, offset })))
    }
  }
}
