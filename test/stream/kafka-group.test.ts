// Scale-out: engines in one consumer group split the partitions; when one stops, the survivor
// takes over all of them and nothing produced is lost. Counts effects (distinct messageIds),
// not deliveries: a rebalance may redeliver uncommitted work. Throughout, no partition has two
// owners ("one writer per customer"): neither in partitions() nor in handlers running at once.
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Kafka } from 'kafkajs'
import { createKafka } from '../../src/stream/kafka/client.ts'
import { KafkaIngestSink } from '../../src/stream/kafka/producer/KafkaIngestSink.ts'
import type { BatchHandler } from '../../src/stream/source/EventSource.ts'
import { KafkaSource } from '../../src/stream/kafka/consumer/KafkaSource.ts'
import type { AssignmentChange } from '../../src/stream/kafka/consumer/Membership.ts'
import { startKafka, type KafkaService } from '../support/services/kafka.ts'
import { messages, Recorder, waitFor } from './helpers.ts'

const PARTITIONS = 4
let kafka: KafkaService
let client: Kafka
// kafkajs's and the sources' own log lines, shown when a wait times out.
const logLines: string[] = []
const logger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(line.trim().slice(0, 400)) })

beforeAll(async () => {
  kafka = await startKafka(['group-a', 'group-b'].map((name) => ({ name, partitions: PARTITIONS })), { brokers: 2 })
  client = createKafka({ brokers: kafka.brokerList }, logger)
})
afterAll(async () => {
  await kafka?.stop()
})

/** Watches for two owners of one partition: in partitions() (sampled) and in running handlers. */
class OwnershipMonitor {
  readonly violations: string[] = []
  /** Assignment changes with times, for the failure message. */
  readonly history: string[] = []
  private readonly t0 = Date.now()
  private readonly busy = new Map<number, string>()
  private readonly timer = setInterval(() => this.sample(), 20)
  private readonly sources: Record<string, KafkaSource> = {}

  /** A source in the group under watch. */
  source(name: string, topic: string, group: string, extra: { maxBatchRecords?: number; onAssignmentChange?: (c: AssignmentChange) => void } = {}): KafkaSource {
    const s = new KafkaSource({
      kafka: client,
      topics: [topic],
      groupId: group,
      sessionTimeoutMs: 4_000,
      maxWaitTimeInMs: 200,
      logger: logger.child({ source: name }),
      ...extra,
      onAssignmentChange: (c) => {
        this.history.push(`${Date.now() - this.t0} ms ${name}: ${JSON.stringify(c)}`)
        extra.onAssignmentChange?.(c)
      },
    })
    this.sources[name] = s
    return s
  }

  private sample(): void {
    const owner = new Map<number, string>()
    for (const [name, s] of Object.entries(this.sources)) {
      for (const p of s.partitions()) {
        const other = owner.get(p)
        if (other) this.violations.push(`partition ${p} listed by ${other} and ${name}`)
        owner.set(p, name)
      }
    }
  }

  wrap(name: string, handler: BatchHandler, delayMs = 0): BatchHandler {
    return async (batch) => {
      const other = this.busy.get(batch.partition)
      if (other) this.violations.push(`partition ${batch.partition} handled by ${other} and ${name} at once`)
      this.busy.set(batch.partition, name)
      try {
        if (delayMs) await new Promise((r) => setTimeout(r, delayMs))
        await handler(batch)
      } finally {
        this.busy.delete(batch.partition)
      }
    }
  }

  explain = (): string => `assignment changes:\n${this.history.join('\n')}\nlast log lines:\n${logLines.slice(-60).join('\n')}`

  stop(): void {
    clearInterval(this.timer)
  }
}

describe('KafkaSources in one group', () => {
  it('split the partitions, and the survivor takes over all when one stops', async () => {
    const changes: AssignmentChange[] = []
    const monitor = new OwnershipMonitor()
    const a = monitor.source('a', 'group-a', 'engines', { onAssignmentChange: (c) => changes.push(c) })
    const b = monitor.source('b', 'group-a', 'engines')
    const recA = new Recorder()
    const recB = new Recorder()
    const sink = await KafkaIngestSink.connect(client, { topic: 'group-a' })
    const effects = () => new Set([...recA.effects.keys(), ...recB.effects.keys()])
    try {
      await a.start(monitor.wrap('a', recA.handler))
      await waitFor('a owns all', () => a.partitions().length === PARTITIONS, 30_000, monitor.explain)
      const first = messages(100, 25)
      await sink.accept(first)

      await b.start(monitor.wrap('b', recB.handler))
      await waitFor('a and b share the partitions', () => a.partitions().length > 0 && b.partitions().length > 0 && a.partitions().length + b.partitions().length === PARTITIONS, 30_000, monitor.explain)
      expect([...a.partitions(), ...b.partitions()].sort()).toEqual([0, 1, 2, 3])
      const second = messages(100, 25)
      await sink.accept(second)
      await waitFor('every effect of both rounds', () => [...first, ...second].every((m) => effects().has(m.messageId)), 30_000, monitor.explain)
      // Work was really split: b handled records of its own partitions.
      expect(recB.effects.size).toBeGreaterThan(0)
      for (const d of recB.effects.values()) expect(b.partitions()).toContain(d.partition)
      expect(changes.some((c) => c.revoked.length > 0)).toBe(true)

      await b.stop()
      expect(b.partitions()).toEqual([])
      await waitFor('a owns all again', () => a.partitions().length === PARTITIONS, 30_000, monitor.explain)
      const third = messages(100, 25)
      await sink.accept(third)
      await waitFor('every effect of the third round', () => third.every((m) => recA.effects.has(m.messageId)), 30_000, monitor.explain)
      expect(effects().size).toBe(300)
      expect(monitor.violations).toEqual([])
    } finally {
      monitor.stop()
      await Promise.all([a.stop(), b.stop(), sink.close()])
    }
  })

  it('a member busy with slow batches gives partitions up at the next chunk when another joins', async () => {
    // 2000 records, chunks of 50 at 200 ms each: ~8 s of work, far longer than a rebalance.
    const monitor = new OwnershipMonitor()
    const a = monitor.source('a', 'group-b', 'slow-engines', { maxBatchRecords: 50 })
    const b = monitor.source('b', 'group-b', 'slow-engines', { maxBatchRecords: 50 })
    const recA = new Recorder()
    const recB = new Recorder()
    const sink = await KafkaIngestSink.connect(client, { topic: 'group-b' })
    try {
      await a.start(monitor.wrap('a', recA.handler, 200))
      await waitFor('a owns all', () => a.partitions().length === PARTITIONS, 30_000, monitor.explain)
      const sent = messages(2000, 200)
      await sink.accept(sent)
      await waitFor('a is busy', () => recA.effects.size > 0, 30_000, monitor.explain)
      await b.start(monitor.wrap('b', recB.handler, 200))
      await waitFor('b takes part', () => recB.effects.size > 0, 30_000, monitor.explain)
      expect(recA.effects.size).toBeLessThan(2000)
      await waitFor('every effect', () => sent.every((m) => recA.effects.has(m.messageId) || recB.effects.has(m.messageId)), 60_000, monitor.explain)
      expect(monitor.violations).toEqual([])
    } finally {
      monitor.stop()
      await Promise.all([a.stop(), b.stop(), sink.close()])
    }
  })
})
