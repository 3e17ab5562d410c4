// The crash loop: two careloop processes in one Kafka consumer group over shared PostgreSQL and
// ClickHouse servers, 100k events from an independent producer (kcat, murmur2 partitioner), and
// one of the processes killed with SIGKILL 20 times at random (seeded) moments, restarted each
// time. Every expected task must exist exactly once; every expected email must arrive at least
// once, and a repeat only as the same Message-ID (the window between the SMTP server's 250 and
// the outbox update: at most one message in flight per process, so at most one per kill).
import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KEYS, WRITE_KEY } from '../support/careloop.ts'
import { disableQuietHours, startEngineProcess, type EngineProcess } from '../support/process.ts'
import { requireServers } from '../support/requireServers.ts'
import { createServerStores, type ServerStores } from '../support/serverStores.ts'
import { startKafka, type KafkaService } from '../support/services/kafka.ts'
import { startMailSink, type MailSink } from '../support/smtp.ts'
import { freshDataDir } from '../support/stores.ts'

const run = promisify(execFile)
const EVENTS = 100_000
const CUSTOMERS = 2_000
const PER_CUSTOMER = EVENTS / CUSTOMERS
const KILLS = 20
// ~250-byte messages: 25 MB over 16 partitions stays well below the mock's ~5 MB per partition.
const PARTITIONS = 16
const SEED = Number(process.env['CARELOOP_CRASH_SEED'] ?? 11)

/** mulberry32: a small seeded PRNG, so a failing run can be repeated with the same kill moments. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

type Message = Record<string, unknown>

interface Trace {
  /** kcat lines "key<TAB>json", in the order they are produced. */
  lines: string[]
  emails: string[]
  tasks: string[]
}

/**
 * 2,000 shoppers with 50 events each, interleaved. Most events touch no rule (short product
 * views, searches). A quarter of the shoppers fail a payment twice (an email on the first, a
 * payments task on the second), another quarter complain about money (a priority-care task); the
 * moments are random, so effects are due all along the run.
 */
function buildTrace(random: () => number, now: number): Trace {
  const perCustomer: Message[][] = []
  const emails: string[] = []
  const tasks: string[] = []
  for (let c = 0; c < CUSTOMERS; c++) {
    const id = `cl-${c}`
    const at = (k: number) => new Date(now - (PER_CUSTOMER - k) * 1_000).toISOString()
    const track = (k: number, event: string, properties: Message): Message => ({ type: 'track', messageId: randomUUID(), userId: id, event, properties, timestamp: at(k) })
    const events: Message[] = [{ type: 'identify', messageId: randomUUID(), userId: id, traits: { email: `${id}@example.com` }, timestamp: at(0) }]
    for (let k = 1; k < PER_CUSTOMER; k++) {
      events.push(k % 3 === 0 ? track(k, 'Products Searched', { query: `q${k}` }) : track(k, 'Product Viewed', { product_id: `P${k}`, dwell_ms: 1_000 + k }))
    }
    if (c % 4 === 0) {
      const first = 1 + Math.floor(random() * (PER_CUSTOMER - 11))
      const second = first + 1 + Math.floor(random() * 9)
      events[first] = track(first, 'Payment Failed', { order_id: `F${c}` })
      events[second] = track(second, 'Payment Failed', { order_id: `F${c}` })
      emails.push(`${id}@example.com`)
      tasks.push(`${id}:payments`)
    } else if (c % 4 === 1) {
      const k = 1 + Math.floor(random() * (PER_CUSTOMER - 1))
      events[k] = track(k, 'Complaint Filed', { topic: 'other', text: 'I was charged twice' })
      tasks.push(`${id}:priority-care`)
    }
    perCustomer.push(events)
  }
  const lines: string[] = []
  for (let k = 0; k < PER_CUSTOMER; k++) for (const events of perCustomer) lines.push(`${String(events[k]?.userId)}\t${JSON.stringify(events[k])}`)
  return { lines, emails: emails.sort(), tasks: tasks.sort() }
}

async function produce(brokers: string, topic: string, lines: string[]): Promise<void> {
  const file = join(freshDataDir('careloop-kcat-'), 'events.tsv')
  writeFileSync(file, lines.join('\n') + '\n')
  // murmur2_random: the Java-compatible partitioner careloop requires of producers (docs/deployment.md).
  await run('kcat', ['-P', '-b', brokers, '-t', topic, '-K', '\t', '-X', 'topic.partitioner=murmur2_random', '-l', file], { maxBuffer: 1 << 24 })
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const CRASH_LOOP = 'crash loop: two processes in a Kafka group, one killed -9 twenty times'
if (requireServers(CRASH_LOOP)) describe(CRASH_LOOP, () => {
  const topic = `events-${randomUUID().slice(0, 8)}`
  const dlq = `dead-${randomUUID().slice(0, 8)}`
  let kafka: KafkaService
  let stores: ServerStores
  let mail: MailSink
  let db: pg.Client
  const engines: EngineProcess[] = []
  const dead: EngineProcess[] = []

  async function setUp(): Promise<void> {
    ;[kafka, stores, mail] = await Promise.all([
      startKafka([
        { name: topic, partitions: PARTITIONS },
        { name: dlq, partitions: 1 },
      ]),
      createServerStores('careloop_crash_loop'),
      startMailSink(),
    ])
  }
  async function tearDown(): Promise<void> {
    await db?.end().catch(() => undefined)
    for (const e of engines.splice(0)) await e.kill()
    dead.splice(0)
    await mail?.close()
    await stores?.drop()
    await kafka?.stop()
  }
  beforeAll(setUp)
  afterAll(tearDown)

  function startProcess(): Promise<EngineProcess> {
    return startEngineProcess({
      CARELOOP_DATA_DIR: freshDataDir(),
      KAFKA_BROKERS: kafka.brokers,
      KAFKA_TOPICS: topic,
      KAFKA_DEAD_LETTER_TOPIC: dlq,
      KAFKA_GROUP_ID: 'careloop-crash-loop',
      KAFKA_SESSION_TIMEOUT_MS: '5000',
      DATABASE_URL: stores.databaseUrl,
      CLICKHOUSE_URL: stores.clickhouseUrl,
      CLICKHOUSE_DATABASE: stores.clickhouseDatabase,
      CARELOOP_SMTP_URL: mail.url,
      CARELOOP_WRITE_KEY: WRITE_KEY,
      CARELOOP_API_KEYS: `${KEYS.admin}:admin:admin`,
      CARELOOP_OUTBOX_LEASE_MS: '3000',
    })
  }

  const diagnostics = () => `kafka mock: ${kafka.state()}\n` + [...engines, ...dead.slice(-2)].map((e, i) => `--- engine ${i} ---\n${e.output().slice(-3000)}`).join('\n')

  async function taskCounts(): Promise<Map<string, number>> {
    const { rows } = await db.query<{ key: string; n: number }>(`SELECT customer_id || ':' || queue AS key, count(*)::int AS n FROM tasks GROUP BY 1`)
    return new Map(rows.map((r) => [r.key, r.n]))
  }

  /**
   * librdkafka 2.0.2's mock cluster (the only Kafka-protocol broker these machines have) can abort
   * on an assertion in its own consumer-group code when members die mid-join. That is the broker
   * failing, not careloop: the scenario then runs again (at most MOCK_ATTEMPTS in all), on a fresh
   * cluster with the next seed.
   */
  const mockAborted = (): boolean => /SIGABRT|Assertion/.test(kafka.state())
  /** Scenarios run at most this often, each on a fresh cluster, when the mock itself aborts. */
  const MOCK_ATTEMPTS = 3

  it('makes every expected task exactly once and sends every expected email, repeats only in the documented window', async () => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await scenario(SEED + attempt)
      } catch (err) {
        if (!mockAborted() || attempt === MOCK_ATTEMPTS - 1) throw err
        console.log(`[crash-loop] the Kafka mock aborted (${kafka.state().split('\n').find((l) => l.includes('Assertion')) ?? 'SIGABRT'}); running again with seed ${SEED + attempt + 1}`)
        await tearDown()
        await setUp()
      }
    }
  }, 1_800_000)

  async function scenario(seed: number): Promise<void> {
    const random = prng(seed)
    const trace = buildTrace(random, Date.now())
    expect(trace.lines).toHaveLength(EVENTS)
    engines.push(...(await Promise.all([startProcess(), startProcess()])))
    await disableQuietHours(engines[0]!.url, KEYS.admin)
    db = new pg.Client({ connectionString: stores.databaseUrl })
    await db.connect()

    const slice = Math.ceil(EVENTS / KILLS)
    const kills: string[] = []
    for (let k = 0; k < KILLS; k++) {
      await produce(kafka.brokers, topic, trace.lines.slice(k * slice, (k + 1) * slice))
      // A random moment: mid-join, mid-batch, mid-send … (seeded, printed on failure).
      const wait = Math.floor(500 + random() * 7_500)
      await sleep(wait)
      const victim = random() < 0.5 ? 0 : 1
      const proc = engines[victim] as EngineProcess
      await proc.kill('SIGKILL')
      dead.push(proc)
      kills.push(`${wait}ms→#${victim}`)
      try {
        engines[victim] = await startProcess()
      } catch (err) {
        throw new Error(`restart after kill ${k + 1} failed (seed ${seed}, kills ${kills.join(' ')}); kafka mock: ${kafka.state()}`, { cause: err })
      }
    }

    const deadline = Date.now() + 420_000
    const wantTasks = new Set(trace.tasks)
    for (;;) {
      const counts = await taskCounts()
      const recipients = new Set(mail.messages.map((m) => (m.to && 'text' in m.to ? m.to.text : '')))
      if (trace.tasks.every((t) => counts.has(t)) && trace.emails.every((e) => recipients.has(e))) break
      if (Date.now() > deadline) {
        throw new Error(`timed out: ${[...counts.keys()].filter((t) => wantTasks.has(t)).length}/${trace.tasks.length} tasks, ${recipients.size}/${trace.emails.length} recipients (seed ${seed}, kills ${kills.join(' ')})\n${diagnostics()}`)
      }
      await sleep(1_000)
    }
    await sleep(5_000) // a late task or email would show up now

    // Emails: each recipient once, or again with the very same Message-ID.
    const idsByRecipient = new Map<string, Set<string>>()
    const received = new Map<string, number>()
    for (const m of mail.messages) {
      const to = m.to && 'text' in m.to ? m.to.text : ''
      const id = m.messageId ?? ''
      idsByRecipient.set(to, (idsByRecipient.get(to) ?? new Set()).add(id))
      received.set(id, (received.get(id) ?? 0) + 1)
    }
    const repeats = [...received.values()].reduce((sum, n) => sum + n - 1, 0)
    const counts = await taskCounts()
    const { rows: outbox } = await db.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM outbox GROUP BY 1 ORDER BY 1`)
    console.log(
      `[crash-loop] seed ${seed}: ${EVENTS} events, ${KILLS} kills (${kills.join(' ')}); ` +
        `${counts.size} tasks for ${trace.tasks.length} expected; ${mail.messages.length} emails for ${trace.emails.length} expected, ` +
        `${repeats} repeated (same Message-ID); outbox ${outbox.map((r) => `${r.status}=${r.n}`).join(' ')}`,
    )
    expect([...idsByRecipient.keys()].sort()).toEqual(trace.emails)
    expect([...idsByRecipient].filter(([, ids]) => ids.size !== 1), 'a recipient got two different emails').toEqual([])
    // One message in flight per process: each SIGKILL can leave at most one sent-but-unmarked.
    expect(repeats).toBeLessThanOrEqual(KILLS)
    expect([...counts.keys()].sort()).toEqual(trace.tasks)
    expect([...counts].filter(([, n]) => n !== 1), 'tasks made more than once').toEqual([])
    expect(outbox).toEqual([{ status: 'sent', n: trace.emails.length }])

    // Nothing in the trace is bad input: the dead-letter topic stays empty.
    const { stdout } = await run('kcat', ['-C', '-b', kafka.brokers, '-t', dlq, '-o', 'beginning', '-e', '-q'])
    expect(stdout.trim()).toBe('')
  }
})
