// The scale-out event source: one member of a Kafka consumer group. The group decides which
// partitions (= which customers) this process owns; each batch goes to the handler, and its
// offset is committed only after the handler resolved (its effects are durable).
//
// Delivery is at-least-once: a failed handler, a rebalance or a crash between the engine's
// commit and Kafka's hands records out again. The engine skips what its stored position already
// covers and its effects are idempotent, so redelivery is harmless — a failed Kafka commit is
// logged, never fatal.
//
// Partition numbers: see ../partitions.ts (topicIndex * 10000 + partition with several
// topics). Record offsets are Kafka offset + 1: see ../records.ts.
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs'
import type { Logger } from 'pino'
import { isMembershipLost, isRebalanceError } from '../client.ts'
import { Membership, type AssignmentChange } from './Membership.ts'
import { OffsetCommits } from './OffsetCommits.ts'
import { PartitionIds } from '../partitions.ts'
import { positionOf, toSourceRecord } from '../records.ts'
import type { BatchHandler, EventSource } from '../../source/EventSource.ts'

export interface KafkaSourceOptions {
  kafka: Kafka
  topics: readonly string[]
  groupId: string
  /** Default 10000; the mock cluster in tests wants 4000–6000 (INFRA.md). */
  sessionTimeoutMs?: number
  /** Records per handler call at most (a Kafka batch is cut into chunks). Default 500. */
  maxBatchRecords?: number
  /** A new group starts at the earliest retained offset (default), so nothing produced earlier is lost. */
  fromBeginning?: boolean
  /**
   * Partitions handed to the handler at once (kafkajs partitionsConsumedConcurrently; one
   * partition's batches still come one after another). The engine writes batches that arrive
   * together in one step. Default 16.
   */
  partitionsAtOnce?: number
  /** Longest wait of a fetch with no data; bounds how fast stop() returns. Default 1000. */
  maxWaitTimeInMs?: number
  logger?: Logger
  now?: () => number
  /**
   * Called when partitions are assigned or revoked. On a revoke another process may change
   * those customers: drop their cached state before the next batch.
   */
  onAssignmentChange?: (change: AssignmentChange) => void
}

const RETRY_MIN_MS = 250
const RETRY_MAX_MS = 30_000

export class KafkaSource implements EventSource {
  readonly name: string
  private readonly ids: PartitionIds
  private consumer: Consumer | undefined
  private readonly membership: Membership
  /** The batches a step finished together are committed in one request. */
  readonly offsetCommits: OffsetCommits
  private readonly failures = new Map<number, number>()
  private readonly lags = new Map<number, number>()
  private readonly retryTimers = new Set<NodeJS.Timeout>()
  private handler: BatchHandler | undefined
  /** Consecutive crashes kafkajs would not restart from (reset by a successful join). */
  private crashes = 0

  constructor(private readonly options: KafkaSourceOptions) {
    this.name = `kafka:${options.groupId}`
    this.ids = new PartitionIds(options.topics)
    this.membership = new Membership((change) => this.assignmentChanged(change))
    this.offsetCommits = new OffsetCommits({
      generation: () => this.membership.generation,
      onError: (err, generation, positions) => {
        // The engine already stored these positions: a lost commit only means a redelivery it skips.
        if (isMembershipLost(err)) this.membership.lose(generation)
        this.options.logger?.[isRebalanceError(err) ? 'warn' : 'error']({ err, positions }, 'kafka offset commit failed; records will be redelivered')
      },
    })
  }

  partitions(): number[] {
    return this.membership.partitions()
  }

  /** Records behind the partition's end at the last handled chunk, per owned partition (a metric). */
  lag(): Map<number, number> {
    return new Map([...this.lags].filter(([p]) => this.membership.owns(p)))
  }

  /** The Kafka topic partition behind an engine partition number. */
  topicPartition(sourcePartition: number): { topic: string; partition: number } {
    return this.ids.fromSource(sourcePartition)
  }

  async start(handler: BatchHandler): Promise<void> {
    if (this.consumer) return
    this.handler = handler
    await this.launch(handler)
  }

  private async launch(handler: BatchHandler): Promise<void> {
    const o = this.options
    const sessionTimeout = o.sessionTimeoutMs ?? 10_000
    const consumer = o.kafka.consumer({
      groupId: o.groupId,
      sessionTimeout,
      // kafkajs's default heartbeat (3 s) is too close to a 4 s session timeout.
      heartbeatInterval: Math.max(100, Math.min(3_000, Math.floor(sessionTimeout / 4))),
      maxWaitTimeInMs: o.maxWaitTimeInMs ?? 1_000,
      // Topics belong to the operator; the mock creates them on metadata requests anyway.
      allowAutoTopicCreation: false,
    })
    this.consumer = consumer
    this.listen(consumer)
    try {
      await consumer.connect()
      await consumer.subscribe({ topics: [...o.topics], fromBeginning: o.fromBeginning ?? true })
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: o.partitionsAtOnce ?? 16,
        eachBatch: (payload) => this.onBatch(payload, handler),
      })
    } catch (err) {
      if (this.consumer === consumer) this.consumer = undefined
      await consumer.disconnect().catch(() => undefined)
      throw err
    }
  }

  /** Finishes the current chunk (and commits it), leaves the group, forgets the assignment. */
  async stop(): Promise<void> {
    this.handler = undefined
    for (const timer of this.retryTimers) clearTimeout(timer)
    this.retryTimers.clear()
    const consumer = this.consumer
    if (!consumer) return
    await consumer.disconnect()
    this.consumer = undefined
    this.membership.clear()
  }

  private listen(consumer: Consumer): void {
    const log = this.options.logger
    const { GROUP_JOIN, HEARTBEAT, REBALANCING, CRASH, STOP } = consumer.events
    consumer.on(GROUP_JOIN, ({ payload }) => {
      log?.info({ group: payload.groupId, assignment: payload.memberAssignment, ms: payload.duration }, 'kafka group joined')
      this.crashes = 0
      this.membership.joined(this.ids.fromAssignment(payload.memberAssignment))
    })
    // From "rebalancing" until the next join another member may already own our partitions:
    // own nothing meanwhile (timers and caches follow partitions()).
    consumer.on(REBALANCING, () => this.membership.rejoining())
    // Only emitted for a heartbeat the coordinator accepted: we are still a current member.
    consumer.on(HEARTBEAT, () => this.membership.confirmed())
    consumer.on(CRASH, ({ payload }) => {
      log?.error({ err: payload.error, restart: payload.restart }, 'kafka consumer crashed')
      this.membership.clear()
      if (!payload.restart) this.restartLater(consumer)
    })
    consumer.on(STOP, () => this.membership.clear())
  }

  /**
   * kafkajs gives up on errors it deems non-retriable and leaves the consumer stopped, which
   * would leave this process alive but idle. Start a fresh consumer instead, with growing
   * pauses. (Seen with the mock cluster: a follower's SyncGroup arriving after the leader's
   * completed the round is answered INVALID_REQUEST.)
   */
  private restartLater(crashed: Consumer | undefined): void {
    const handler = this.handler
    if (!handler || this.consumer !== crashed) return
    const delay = Math.min(RETRY_MAX_MS, 1_000 * 2 ** this.crashes++)
    this.options.logger?.warn({ retryInMs: delay }, 'restarting the kafka consumer')
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer)
      // stop() clears the handler and these timers; a newer consumer means someone else restarted.
      if (this.handler !== handler || this.consumer !== crashed) return
      this.consumer = undefined
      void (async () => {
        await crashed?.disconnect().catch(() => undefined)
        if (this.handler !== handler || this.consumer) return
        try {
          await this.launch(handler)
        } catch (err) {
          this.options.logger?.error({ err }, 'kafka consumer restart failed')
          this.restartLater(undefined)
        }
      })()
    }, delay)
    this.retryTimers.add(timer)
  }

  private assignmentChanged(change: AssignmentChange): void {
    for (const p of change.revoked) {
      this.failures.delete(p)
      this.lags.delete(p)
    }
    try {
      this.options.onAssignmentChange?.(change)
    } catch (err) {
      this.options.logger?.error({ err }, 'onAssignmentChange failed')
    }
  }

  private async onBatch(payload: EachBatchPayload, handler: BatchHandler): Promise<void> {
    const { batch, resolveOffset, commitOffsetsIfNecessary, isRunning, isStale, heartbeat, pause } = payload
    const { topic, partition: kafkaPartition } = batch
    const partition = this.ids.toSource(topic, kafkaPartition)
    const size = this.options.maxBatchRecords ?? 500
    const messages = batch.messages
    const generation = this.membership.generation
    for (let start = 0; start < messages.length; start += size) {
      // A stopping consumer, a seek or a lost membership makes the rest of this batch someone
      // else's; kafkajs rejoins after the batch returns (its own heartbeat fails).
      if (!isRunning() || isStale() || this.membership.lost) return
      const chunk = messages.slice(start, start + size)
      const first = chunk[0] as KafkaMessage
      const last = chunk[chunk.length - 1] as KafkaMessage
      const now = (this.options.now ?? Date.now)()
      const records = chunk.map((m) => toSourceRecord(m, topic, kafkaPartition, partition, now))
      try {
        await this.whileBeating(heartbeat, generation, () => handler({ partition, records }))
      } catch (err) {
        this.retryLater(topic, kafkaPartition, partition, first.offset, pause, err)
        return
      }
      this.failures.delete(partition)
      this.lags.set(partition, Math.max(0, Number(batch.highWatermark) - positionOf(last.offset)))
      resolveOffset(last.offset)
      // Explicit offsets: with autoCommit off, commitOffsetsIfNecessary() alone never commits.
      await this.offsetCommits.commit(generation, topic, kafkaPartition, String(positionOf(last.offset)), commitOffsetsIfNecessary)
    }
    try {
      await heartbeat()
    } catch (err) {
      // kafkajs rejoins on its own after the batch; nothing is lost (see the top of this file).
      if (!isRebalanceError(err)) throw err
      if (isMembershipLost(err)) this.membership.lose(generation)
    }
  }

  /** Keeps the membership alive while a slow handler runs (heartbeat() throttles itself). */
  private async whileBeating<T>(heartbeat: () => Promise<void>, generation: number, work: () => Promise<T>): Promise<T> {
    const every = Math.max(100, Math.floor((this.options.sessionTimeoutMs ?? 10_000) / 4))
    const timer = setInterval(() => {
      heartbeat().catch((err: unknown) => {
        if (isMembershipLost(err)) this.membership.lose(generation)
        this.options.logger?.debug({ err }, 'heartbeat during batch failed')
      })
    }, every)
    try {
      return await work()
    } finally {
      clearInterval(timer)
    }
  }

  /**
   * The handler failed: read this partition again from the first record it did not finish,
   * after a growing pause, without blocking the other partitions meanwhile.
   */
  private retryLater(topic: string, kafkaPartition: number, partition: number, fromOffset: string, pause: () => () => void, err: unknown): void {
    const attempt = (this.failures.get(partition) ?? 0) + 1
    this.failures.set(partition, attempt)
    const delay = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** (attempt - 1))
    this.options.logger?.error({ err, topic, partition: kafkaPartition, offset: fromOffset, attempt, retryInMs: delay }, 'event batch failed; will retry')
    const consumer = this.consumer
    if (!consumer) return
    const resume = pause()
    consumer.seek({ topic, partition: kafkaPartition, offset: fromOffset })
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer)
      resume()
    }, delay)
    this.retryTimers.add(timer)
  }
}
