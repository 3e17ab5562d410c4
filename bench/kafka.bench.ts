// npm run bench (Kafka part) — the engine in Kafka mode next to a bare kafkajs consumer, in one
// run: private PostgreSQL, ClickHouse (Debian's 18.16) and Kafka mock cluster started as the tests
// start them; the same topic (BENCH_KAFKA_EVENTS events, default 100k, over a fifth as many
// shoppers, 16 partitions) produced once, then read by (a) a bare kafkajs group consumer that
// JSON-parses each message, (b) the engine in Kafka mode with starter rules, (c) the bare consumer
// again (the machine's drift), each in a fresh consumer group. Rates are counted from the group
// join to the last event, so the ~3 s join of the mock is outside both. Prints figures and where
// the engine's time went (bench/kafkaStages.ts), and the floor: the CPU per event the engine cannot
// avoid (bench/kafkaFloor.ts). BENCH_KAFKA_PROFILE=file.cpuprofile profiles the engine's run.
// Asserts nothing.
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { performance as nodePerformance } from 'node:perf_hooks'
import { pino } from 'pino'
import { Careloop } from '../src/app.ts'
import { GUARD_POLICY_SETTING } from '../src/channels/guards/index.ts'
import { loadConfig } from '../src/config.ts'
import { createKafka, createProducer } from '../src/stream/kafka/client.ts'
import { loadKafkaSettings } from '../src/stream/kafka/config.ts'
import { createServerStores } from '../test/support/serverStores.ts'
import { startClickHouse } from '../test/support/services/clickhouse.ts'
import { startKafka } from '../test/support/services/kafka.ts'
import { startPostgres } from '../test/support/services/postgres.ts'
import { startCpuProfile } from './cpuProfile.ts'
import { measureFloor } from './kafkaFloor.ts'
import { StageClock, engineSteps, instrumentEngine } from './kafkaStages.ts'
import { ProcessCpu, type CpuSample } from './processCpu.ts'
import { shopMessages } from './shop.ts'

process.env['KAFKAJS_NO_PARTITIONER_WARNING'] = '1'
const EVENTS = Number(process.env['BENCH_KAFKA_EVENTS'] ?? 100_000)
const SHOPPERS = Math.max(1, Math.floor(EVENTS / 5))
const PARTITIONS = 16
const PRODUCE_BATCH = 1_000
const SESSION_TIMEOUT_MS = 6_000
const log = (line = ''): void => console.log(line)
const rate = (n: number, ms: number): number => (n / ms) * 1000
const fmt = (perSecond: number): string => `${Math.round(perSecond).toLocaleString('en-US')} events/s`
const load = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' / ')
const eventLoopUtilization = nodePerformance.eventLoopUtilization
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

log('careloop Kafka-mode benchmark (bench/kafka.bench.ts)')
log(`node ${process.version} · ${os.cpus().length} logical CPUs · load average ${load()}`)
log(`${EVENTS.toLocaleString('en-US')} events over ${SHOPPERS.toLocaleString('en-US')} shoppers, ${PARTITIONS} partitions, produced in send()s of ${PRODUCE_BATCH}`)

const topic = `bench-${randomUUID().slice(0, 8)}`
const deadLetterTopic = `${topic}-dead`
const [pgServer, chServer, kafka] = await Promise.all([
  startPostgres(),
  startClickHouse(),
  startKafka([
    { name: topic, partitions: PARTITIONS },
    { name: deadLetterTopic, partitions: 1 },
  ]),
])
process.env['CARELOOP_TEST_DATABASE_URL'] = pgServer.url
process.env['CARELOOP_TEST_CLICKHOUSE_URL'] = chServer.url
const cpu = new ProcessCpu(Number(new URL(pgServer.url).port))
const client = createKafka({ brokers: kafka.brokerList, clientId: 'bench' })
const dataDir = mkdtempSync(join(os.tmpdir(), 'careloop-bench-kafka-'))

try {
  const producer = createProducer(client)
  await producer.connect()
  const messages = shopMessages(EVENTS, SHOPPERS)
  let t = performance.now()
  for (let i = 0; i < messages.length; i += PRODUCE_BATCH) {
    const slice = messages.slice(i, i + PRODUCE_BATCH)
    await producer.send({ topic, acks: -1, messages: slice.map((m) => ({ key: String(m['userId']), value: JSON.stringify(m) })) })
  }
  log(`produced in ${((performance.now() - t) / 1000).toFixed(1)} s`)
  await producer.disconnect()

  const bare1 = await bareConsumer()
  const engine = await engineRun()
  const bare2 = await bareConsumer()
  const bare = (bare1.perSecond + bare2.perSecond) / 2
  const ratio = engine.perSecond / bare

  log('')
  log(`bare kafkajs consumer (eachBatch + JSON.parse)      ${fmt(bare1.perSecond)} before, ${fmt(bare2.perSecond)} after the engine`)
  log(`engine in Kafka mode (PostgreSQL + ClickHouse)      ${fmt(engine.perSecond)}`)
  log(`ratio engine / bare                                 ${(100 * ratio).toFixed(1)} %  → goal ≥ 50 %: ${ratio >= 0.5 ? 'MET' : 'NOT MET'}`)
  log(`load average at the end: ${load()}`)
  log('')
  log('CPU per event (all our processes; steady under load, unlike the rates):')
  for (const [name, c] of [['bare consumer (before)', bare1.cpu], ['engine', engine.cpu], ['bare consumer (after)', bare2.cpu]] as const) {
    const us = (seconds: number) => `${((seconds * 1e6) / EVENTS).toFixed(1)} µs`
    log(`  ${name.padEnd(24)} ${us(c.total).padStart(9)}  = node ${us(c.node)} + PostgreSQL ${us(c.postgres)} + ClickHouse and Kafka mock ${us(c.children)}`)
  }
  log('')
  log(engine.stages)
  log('')
  const floorStores = await createServerStores('bench_kafka_floor')
  try {
    const bareCpu = ProcessCpu.mean(bare1.cpu, bare2.cpu)
    const floor = await measureFloor({ messages, stepSize: Math.max(1, Math.round(EVENTS / Math.max(1, engine.steps))), stores: floorStores, cpu, bare: { cpu: bareCpu, perSecond: bare } })
    for (const line of floor.lines) log(line)
    log(`engine in this run: ${((engine.cpu.total * 1e6) / EVENTS).toFixed(1)} µs per event, ${(((engine.cpu.total * 1e6) / EVENTS) / floor.totalUs).toFixed(1)}× the floor · load average ${load()}`)
  } finally {
    await floorStores.drop()
  }
} finally {
  rmSync(dataDir, { recursive: true, force: true })
  await Promise.allSettled([kafka.stop(), pgServer.stop(), chServer.stop()])
}
process.exit(0)

/** A bare group consumer: eachBatch, JSON.parse of every value, kafkajs defaults otherwise. */
async function bareConsumer(): Promise<{ perSecond: number; cpu: ReturnType<typeof ProcessCpu.since> }> {
  const consumer = client.consumer({ groupId: `bare-${randomUUID()}`, sessionTimeout: SESSION_TIMEOUT_MS, heartbeatInterval: 1_500 })
  let joinedAt = 0
  let doneAt = 0
  let seen = 0
  let sink = 0
  let joinCpu: CpuSample | undefined
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joinedAt = performance.now()
    joinCpu = cpu.sample()
  })
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const message of batch.messages) {
        const parsed = JSON.parse(message.value?.toString('utf8') ?? 'null') as { messageId?: string } | null
        sink += parsed?.messageId?.length ?? 0
      }
      seen += batch.messages.length
      if (seen >= EVENTS && doneAt === 0) doneAt = performance.now()
    },
  })
  while (doneAt === 0) await sleep(5)
  const used = ProcessCpu.since(joinCpu as CpuSample, cpu.sample())
  await consumer.disconnect()
  return { perSecond: rate(EVENTS, doneAt - joinedAt) + sink * 0, cpu: used }
}

/** The engine as `careloop start` runs it in Kafka mode, with the stages timed. */
async function engineRun(): Promise<{ perSecond: number; stages: string; steps: number; cpu: ReturnType<typeof ProcessCpu.since> }> {
  const stores = await createServerStores('bench_kafka')
  const settings = loadKafkaSettings({
    KAFKA_BROKERS: kafka.brokerList.join(','),
    KAFKA_TOPICS: topic,
    KAFKA_DEAD_LETTER_TOPIC: deadLetterTopic,
    KAFKA_GROUP_ID: `engine-${randomUUID()}`,
    KAFKA_SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS),
  })
  const config = { ...loadConfig({}), port: 0, host: '127.0.0.1', dataDir, databaseUrl: stores.databaseUrl, clickhouseUrl: stores.clickhouseUrl, clickhouseDatabase: stores.clickhouseDatabase, kafka: settings }
  const app = await Careloop.open({ config, logger: pino({ level: 'silent' }) })
  try {
    await app.ops.settings.put(GUARD_POLICY_SETTING, { quietHours: null })
    const clock = new StageClock()
    instrumentEngine(app, clock)
    await app.start()
    while (app.source.partitions().length === 0) await sleep(5)
    const joinedAt = performance.now()
    const joinCpu = cpu.sample()
    const elu = eventLoopUtilization()
    clock.begin()
    const stopProfile = await startCpuProfile(process.env['BENCH_KAFKA_PROFILE'])
    const done = () => app.engine.stats.events + app.engine.stats.duplicates + app.engine.stats.deadLetters
    while (done() < EVENTS) await sleep(5)
    const ms = performance.now() - joinedAt
    const used = ProcessCpu.since(joinCpu, cpu.sample())
    const busy = eventLoopUtilization(elu)
    await stopProfile()
    const stats = app.engine.stats
    const loop = `node's main thread was busy ${(100 * busy.utilization).toFixed(0)} % of the run (${((busy.active * 1e3) / EVENTS).toFixed(1)} µs per event); the rest of its CPU is other threads (GC, libuv)`
    const summary = `${loop}\nengine wrote ${stats.events.toLocaleString('en-US')} events, ${stats.signals} signals, ${stats.outbox} outbox rows, ${stats.tasks} tasks; ${stats.duplicates} duplicates, ${stats.deadLetters} dead letters`
    return { perSecond: rate(EVENTS, ms), stages: `${summary}\n${clock.report(ms)}`, steps: engineSteps(clock), cpu: used }
  } finally {
    await app.stop()
    await stores.drop()
  }
}
