// "One writer per customer" across producers: a shop's own producer must put a customer on the
// same partition as careloop's ingest does. kcat (librdkafka) is the independent producer; with
// topic.partitioner=murmur2_random it must agree with KafkaIngestSink (kafkajs, Java murmur2) on
// every key. librdkafka's default partitioner (crc32) is the control: it must disagree on some,
// or this test could not tell the partitioners apart.
import { spawn } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createKafka } from '../../src/stream/kafka/client.ts'
import { KafkaIngestSink } from '../../src/stream/kafka/producer/KafkaIngestSink.ts'
import { startKafka, type KafkaService } from '../support/services/kafka.ts'
import { messages } from './helpers.ts'

const PARTITIONS = 8
let kafka: KafkaService

beforeAll(async () => {
  kafka = await startKafka(['by-kcat', 'by-kcat-crc32', 'by-sink'].map((name) => ({ name, partitions: PARTITIONS })))
})
afterAll(async () => {
  await kafka?.stop()
})

function kcat(args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', ['-b', kafka.brokers, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => void (out += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => void (err += d))
    child.once('error', reject)
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`kcat ${args.join(' ')} exited ${code}: ${err}`))))
    child.stdin.end(input ?? '')
  })
}

async function partitionOfKeys(topic: string): Promise<Map<string, number>> {
  const out = await kcat(['-C', '-t', topic, '-o', 'beginning', '-e', '-J', '-q'])
  const map = new Map<string, number>()
  for (const line of out.split('\n').filter((l) => l.trim() !== '')) {
    const m = JSON.parse(line) as { key: string; partition: number }
    map.set(m.key, m.partition)
  }
  return map
}

describe('partitioning across producers', () => {
  it('kcat with murmur2_random and KafkaIngestSink put each of 50 keys on the same partition', async () => {
    const sent = messages(50, 50, 'customer')
    const tsv = sent.map((m) => `${m.customerId}\t${JSON.stringify(m.body)}`).join('\n') + '\n'
    await kcat(['-P', '-t', 'by-kcat', '-K', '\t', '-X', 'topic.partitioner=murmur2_random'], tsv)
    await kcat(['-P', '-t', 'by-kcat-crc32', '-K', '\t'], tsv)
    const sink = await KafkaIngestSink.connect(createKafka({ brokers: kafka.brokerList }), { topic: 'by-sink', compression: 'gzip' })
    try {
      expect(await sink.accept(sent)).toEqual({ stored: 50, duplicates: 0 })
    } finally {
      await sink.close()
    }

    const [byKcat, byCrc32, bySink] = await Promise.all([partitionOfKeys('by-kcat'), partitionOfKeys('by-kcat-crc32'), partitionOfKeys('by-sink')])
    expect(bySink.size).toBe(50)
    expect(byKcat.size).toBe(50)
    const differing = sent.filter((m) => byKcat.get(m.customerId) !== bySink.get(m.customerId)).map((m) => m.customerId)
    expect(differing).toEqual([])
    expect(new Set(bySink.values()).size).toBeGreaterThan(1)
    const crcDiffering = sent.filter((m) => byCrc32.get(m.customerId) !== bySink.get(m.customerId))
    expect(crcDiffering.length).toBeGreaterThan(0)
  })
})
