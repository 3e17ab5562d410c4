// Offset commits on the mock cluster: the partitions a step finishes together are committed in
// one OffsetCommit request, a partition whose batch is still in the handler is not among them, and
// a commit lost between the handler's durable write and Kafka (a crash there) only means a
// redelivery that the stored positions skip: nothing is applied twice.
import type { Admin, Kafka } from 'kafkajs'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createKafka } from '../../src/stream/kafka/client.ts'
import { KafkaSource } from '../../src/stream/kafka/consumer/KafkaSource.ts'
import { KafkaIngestSink } from '../../src/stream/kafka/producer/KafkaIngestSink.ts'
import type { BatchHandler, SourceBatch } from '../../src/stream/source/EventSource.ts'
import { startKafka, type KafkaService } from '../support/services/kafka.ts'
import { bodyOf, messages, waitFor } from './helpers.ts'

const PARTITIONS = 4
const API_OFFSET_COMMIT = 8
const INVALID_COMMIT_OFFSET_SIZE = 28
let kafka: KafkaService
let client: Kafka
let admin: Admin
const logLines: string[] = []
const logger = pino({ level: 'warn' }, { write: (line: string) => void logLines.push(line) })

beforeAll(async () => {
  kafka = await startKafka(['commits-step', 'commits-crash'].map((name) => ({ name, partitions: PARTITIONS })))
  client = createKafka({ brokers: kafka.brokerList })
  admin = client.admin()
  await admin.connect()
})
afterAll(async () => {
  await admin?.disconnect()
  await kafka?.stop()
})

function source(topic: string, groupId: string): KafkaSource {
  return new KafkaSource({ kafka: client, topics: [topic], groupId, sessionTimeoutMs: 4_000, maxWaitTimeInMs: 200, logger })
}

/** The group's committed offsets, partition → next offset to read (-1: none). */
async function committed(groupId: string, topic: string): Promise<Map<number, number>> {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] })
  return new Map((offsets?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]))
}

/** The engine's side of the contract: a stored position per partition, records at or below it skipped. */
class PositionedHandler {
  readonly positions = new Map<number, number>()
  readonly applied = new Map<string, number>()
  deliveries = 0
  readonly handler: BatchHandler = async (batch) => {
    this.deliveries += batch.records.length
    const from = this.positions.get(batch.partition) ?? 0
    for (const r of batch.records) {
      if (r.offset <= from) continue
      const id = bodyOf(r).messageId as string
      this.applied.set(id, (this.applied.get(id) ?? 0) + 1)
    }
    this.positions.set(batch.partition, Math.max(from, ...batch.records.map((r) => r.offset)))
  }
}

describe('KafkaSource offset commits', () => {
  it('commits the partitions one step finished in one request, and not a partition still in the handler', async () => {
    const topic = 'commits-step'
    const group = 'g-commits-step'
    const sink = await KafkaIngestSink.connect(client, { topic })
    const sent = messages(80, 40)
    await sink.accept(sent)
    const s = source(topic, group)
    // Plays the engine's gathering step: the batches of the first fetch are held until every
    // partition's has arrived, then all but one are finished in the same turn.
    const waiting: Array<{ batch: SourceBatch; done: () => void }> = []
    let held: (() => void) | undefined
    let heldPartition = -1
    let stepped = false
    const handler: BatchHandler = (batch) =>
      new Promise<void>((resolve) => {
        if (stepped) return resolve()
        waiting.push({ batch, done: resolve })
        if (new Set(waiting.map((w) => w.batch.partition)).size < PARTITIONS) return
        stepped = true
        const [first, ...rest] = waiting
        heldPartition = first!.batch.partition
        held = first!.done
        for (const w of rest) w.done()
      })
    try {
      await s.start(handler)
      await waitFor('the step over three partitions committed', async () => (await committed(group, topic)).size > 0 && [...(await committed(group, topic)).values()].filter((o) => o > 0).length === PARTITIONS - 1, 30_000, () => logLines.join('\n'))
      expect(s.offsetCommits.requests).toBe(1)
      const offsets = await committed(group, topic)
      expect(offsets.get(heldPartition)).toBe(-1)
      // Each committed offset is the one after the last record the handler finished.
      for (const w of waiting.slice(1)) expect(offsets.get(w.batch.partition)).toBe(w.batch.records.at(-1)!.offset)
      held!()
      const heldLast = waiting[0]!.batch.records.at(-1)!.offset
      await waitFor('the held partition committed once finished', async () => (await committed(group, topic)).get(heldPartition) === heldLast, 30_000)
      expect(s.offsetCommits.requests).toBe(2)
    } finally {
      held?.()
      await Promise.all([s.stop(), sink.close()])
    }
  })

  it('after a commit lost between the durable write and Kafka, redelivers and applies nothing twice', async () => {
    const topic = 'commits-crash'
    const group = 'g-commits-crash'
    const sink = await KafkaIngestSink.connect(client, { topic })
    const engine = new PositionedHandler()
    const sent = messages(60, 20)
    await sink.accept(sent)
    // The first OffsetCommit fails: the handler's positions are durable, Kafka's are not.
    await kafka.injectErrors(API_OFFSET_COMMIT, [INVALID_COMMIT_OFFSET_SIZE])
    const first = source(topic, group)
    try {
      await first.start(engine.handler)
      await waitFor('every record applied', () => sent.every((m) => engine.applied.has(m.messageId)), 30_000, () => logLines.join('\n'))
      await waitFor('the failed commit', () => logLines.some((l) => l.includes('kafka offset commit failed')), 10_000, () => `${first.offsetCommits.requests} requests\n${logLines.join('\n')}`)
    } finally {
      // The process "crashes" before any commit got through.
      await first.stop()
    }
    expect([...(await committed(group, topic)).values()]).toEqual(Array.from({ length: PARTITIONS }, () => -1))
    const deliveredBefore = engine.deliveries
    const second = source(topic, group)
    try {
      await second.start(engine.handler)
      await waitFor('the records redelivered', () => engine.deliveries >= deliveredBefore + sent.length, 30_000, () => logLines.join('\n'))
      expect(engine.applied.size).toBe(sent.length)
      expect([...engine.applied.values()].every((n) => n === 1)).toBe(true)
      // The redelivered positions are committed now.
      await waitFor('offsets committed', async () => [...(await committed(group, topic)).entries()].every(([p, o]) => o === (engine.positions.get(p) ?? -1)), 30_000)
    } finally {
      await Promise.all([second.stop(), sink.close()])
    }
  })
})
