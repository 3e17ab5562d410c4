// Faults injected into the mock cluster (tools/kafka-mock: "errors <ApiKey> <codes>"): the
// source must neither crash nor go idle, and every record must still take effect.
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Kafka } from 'kafkajs'
import { createKafka } from '../../src/stream/kafka/client.ts'
import { KafkaIngestSink } from '../../src/stream/kafka/producer/KafkaIngestSink.ts'
import { KafkaSource } from '../../src/stream/kafka/consumer/KafkaSource.ts'
import { startKafka, type KafkaService } from '../support/services/kafka.ts'
import { messages, Recorder, waitFor } from './helpers.ts'

const API = { OffsetCommit: 8, SyncGroup: 14 }
const ERR = { REBALANCE_IN_PROGRESS: 27, INVALID_REQUEST: 42 }
const PARTITIONS = 3
let kafka: KafkaService
let client: Kafka
const logLines: string[] = []
const logger = pino({ level: 'warn' }, { write: (line: string) => void logLines.push(line) })
const explain = () => logLines.slice(-30).map((l) => l.slice(0, 300)).join('\n')

beforeAll(async () => {
  kafka = await startKafka(['faults-commit', 'faults-sync'].map((name) => ({ name, partitions: PARTITIONS })))
  client = createKafka({ brokers: kafka.brokerList })
})
afterAll(async () => {
  await kafka?.stop()
})

function source(topic: string): KafkaSource {
  return new KafkaSource({ kafka: client, topics: [topic], groupId: `g-${topic}`, sessionTimeoutMs: 4_000, maxWaitTimeInMs: 200, logger })
}

describe('KafkaSource under injected faults', () => {
  it('keeps consuming when commits are rejected as "rebalancing" although no rebalance follows', async () => {
    const rec = new Recorder()
    const s = source('faults-commit')
    const sink = await KafkaIngestSink.connect(client, { topic: 'faults-commit' })
    try {
      await s.start(rec.handler)
      await waitFor('join', () => s.partitions().length === PARTITIONS)
      await kafka.injectErrors(API.OffsetCommit, [ERR.REBALANCE_IN_PROGRESS, ERR.REBALANCE_IN_PROGRESS, ERR.REBALANCE_IN_PROGRESS])
      const sent = messages(60, 12)
      for (let i = 0; i < sent.length; i += 10) await sink.accept(sent.slice(i, i + 10))
      await waitFor('every effect', () => rec.has(sent), 30_000, explain)
      // The member gave its partitions up while in doubt and took them back once a heartbeat
      // proved it current.
      await waitFor('ownership back', () => s.partitions().length === PARTITIONS, 30_000, explain)
      expect(logLines.some((l) => l.includes('kafka offset commit failed'))).toBe(true)
    } finally {
      await Promise.all([s.stop(), sink.close()])
    }
  })

  it('restarts a consumer that kafkajs gave up on (non-retriable SyncGroup error)', async () => {
    const rec = new Recorder()
    const s = source('faults-sync')
    const sink = await KafkaIngestSink.connect(client, { topic: 'faults-sync' })
    try {
      const sent = messages(30, 6)
      await sink.accept(sent)
      await kafka.injectErrors(API.SyncGroup, [ERR.INVALID_REQUEST])
      await s.start(rec.handler)
      await waitFor('every effect after the restart', () => rec.has(sent), 40_000, explain)
      expect(logLines.some((l) => l.includes('restarting the kafka consumer'))).toBe(true)
      expect(s.partitions()).toHaveLength(PARTITIONS)
    } finally {
      await Promise.all([s.stop(), sink.close()])
    }
  })
})
