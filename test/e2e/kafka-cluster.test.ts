// Scale-out end to end: events produced by an independent client (kcat) into a Kafka-protocol
// cluster, consumed by two careloop processes in one group over shared PostgreSQL and ClickHouse
// servers. One process is killed mid-stream; the totals must still be exactly the expected ones.
import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { KEYS } from '../support/careloop.ts'
import { disableQuietHours, type EngineProcess } from '../support/process.ts'
import { requireServers } from '../support/requireServers.ts'
import { useScaleOutCluster } from '../support/scaleOutCluster.ts'
import { freshDataDir } from '../support/stores.ts'

const run = promisify(execFile)
const HOUR = 3_600_000
const DAY = 24 * HOUR
const SHOPPERS = 8

type Message = Record<string, unknown>

/** One group of shoppers: each starter rule's scenario once, plus near misses that must stay quiet. */
function scenario(i: number, now: number, dueIn: number): Message[] {
  const out: Message[] = []
  const id = (kind: string) => `kc-${i}-${kind}`
  const identify = (userId: string, at: number, traits: Message = {}) =>
    out.push({ type: 'identify', messageId: randomUUID(), userId, traits: { email: `${userId}@example.com`, ...traits }, timestamp: new Date(at).toISOString() })
  const track = (userId: string, event: string, properties: Message, at: number) =>
    out.push({ type: 'track', messageId: randomUUID(), userId, event, properties, timestamp: new Date(at).toISOString() })

  const eta = now + dueIn - 12 * HOUR // the starter rule waits 12 h past the ETA
  identify(id('late'), eta - 3 * DAY)
  track(id('late'), 'Order Completed', { order_id: `L${i}`, total: 600 }, eta - 3 * DAY)
  track(id('late'), 'Order Shipped', { order_id: `L${i}`, estimated_delivery_at: new Date(eta).toISOString() }, eta - 2 * DAY)

  identify(id('dwell'), now)
  track(id('dwell'), 'Product Viewed', { product_id: 'P1', dwell_ms: 150_000 }, now)

  identify(id('ret'), now - 30 * DAY)
  for (let r = 0; r < 3; r++) track(id('ret'), 'Return Requested', { order_id: `R${i}-${r}` }, now - (20 - 9 * r) * DAY - HOUR)

  identify(id('pay'), now - HOUR)
  track(id('pay'), 'Payment Failed', { order_id: `F${i}` }, now - HOUR)
  track(id('pay'), 'Payment Failed', { order_id: `F${i}` }, now - HOUR / 2)

  identify(id('cart'), now - HOUR)
  track(id('cart'), 'Checkout Started', { checkout_id: `K${i}`, value: 80 }, now - HOUR + dueIn)

  identify(id('money'), now)
  track(id('money'), 'Complaint Filed', { topic: 'other', text: '我被重复扣款了' }, now)

  identify(id('near'), now - 30 * DAY)
  track(id('near'), 'Return Requested', { order_id: `N${i}-1` }, now - 10 * DAY)
  track(id('near'), 'Return Requested', { order_id: `N${i}-2` }, now - 5 * DAY)
  track(id('near'), 'Product Viewed', { product_id: 'P2', dwell_ms: 119_000 }, now)
  track(id('near'), 'Complaint Filed', { topic: 'damaged', text: 'box crushed' }, now)
  return out
}

const EXPECTED_EMAILS = (i: number) => ['late', 'dwell', 'pay', 'cart'].map((k) => `kc-${i}-${k}@example.com`)
const EXPECTED_TASKS = (i: number) => [`kc-${i}-late:delivery-care`, `kc-${i}-money:priority-care`, `kc-${i}-pay:payments`, `kc-${i}-ret:returns-care`]

async function produce(brokers: string, topic: string, lines: string[]): Promise<void> {
  const file = `${freshDataDir('careloop-kcat-')}/events.tsv`
  const { writeFileSync } = await import('node:fs')
  writeFileSync(file, lines.join('\n') + '\n')
  // murmur2_random: the Java-compatible partitioner careloop requires of producers (see docs/deployment.md).
  await run('kcat', ['-P', '-b', brokers, '-t', topic, '-K', '\t', '-X', 'topic.partitioner=murmur2_random', '-l', file])
}

const asLines = (messages: Message[]) => messages.map((m) => `${String(m.userId)}\t${JSON.stringify(m)}`)

async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${diagnostics()}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

let diagnostics = (): string => ''

/** When the first process is killed: before it did anything, after the first emails, or while timers fire. */
const KILL_POINTS = [
  { name: 'right after the first events are produced', emailsBefore: 0 },
  { name: 'after the first emails', emailsBefore: 4 },
  { name: 'after the first timers fired', emailsBefore: 14 },
] as const

if (requireServers('two careloop processes on a Kafka consumer group')) describe.each(KILL_POINTS)('two careloop processes on a Kafka consumer group, one killed $name', ({ emailsBefore }) => {
  const cluster = useScaleOutCluster({ name: 'events', partitions: 8, groupId: 'careloop-e2e' })
  const { engines, topic: TOPIC, deadLetterTopic: DLQ } = cluster

  diagnostics = () => engines.map((e, i) => `--- engine ${i} ---\n${e.output().slice(-4000)}`).join('\n') + `\nmail: ${cluster.mail.messages.length}`

  const startProcess = (): Promise<EngineProcess> => cluster.startProcess()

  it('yields exactly the expected emails and tasks, through a SIGKILL and bad input', async () => {
    const [a, b] = await Promise.all([startProcess(), startProcess()])
    await disableQuietHours(b!.url, KEYS.admin)
    const now = Date.now()
    const first = Array.from({ length: SHOPPERS / 2 }, (_, i) => scenario(i, now, 6_000)).flat()
    const second = Array.from({ length: SHOPPERS / 2 }, (_, i) => scenario(i + SHOPPERS / 2, now, 20_000)).flat()
    await produce(cluster.kafka.brokers, TOPIC, [...asLines(first), 'kc-bad\tnot json at all', `kc-bad\t${JSON.stringify({ type: 'track', messageId: 'x1', userId: 'kc-bad' })}`])

    // Some work done, then one process dies without a goodbye.
    await until(() => cluster.mail.messages.length >= emailsBefore, 60_000, `${emailsBefore} emails`)
    await a!.kill('SIGKILL')
    await produce(cluster.kafka.brokers, TOPIC, asLines(second))

    const wantEmails = Array.from({ length: SHOPPERS }, (_, i) => EXPECTED_EMAILS(i)).flat().sort()
    const wantTasks = Array.from({ length: SHOPPERS }, (_, i) => EXPECTED_TASKS(i)).flat().sort()
    // A receiver sees a message once per Message-ID: a process killed after the SMTP server took a
    // message and before it was marked sent leaves it leased, and the survivor sends it again with
    // the same Message-ID (the documented SMTP window, docs/deployment.md).
    const distinct = () => [...new Map(cluster.mail.messages.map((m, i) => [m.messageId ?? `no-id-${i}`, m])).values()]
    const recipients = () => distinct().map((m) => (m.to && 'text' in m.to ? m.to.text : '')).sort()
    const tasks = async () => {
      const res = await fetch(`${b!.url}/api/tasks?limit=1000`, { headers: { authorization: `Bearer ${KEYS.admin}` } })
      const body = (await res.json()) as { tasks: Array<{ customerId: string; queue: string }> }
      return body.tasks.map((t) => `${t.customerId}:${t.queue}`).sort()
    }
    await until(async () => recipients().length >= wantEmails.length && (await tasks()).length >= wantTasks.length, 120_000, 'all emails and tasks')
    await new Promise((r) => setTimeout(r, 5_000)) // anything extra would show up now
    expect(recipients()).toEqual(wantEmails)
    expect(cluster.mail.messages.every((m) => typeof m.messageId === 'string')).toBe(true)
    expect(cluster.mail.messages.length - distinct().length).toBeLessThanOrEqual(1) // one kill: one window
    expect(await tasks()).toEqual(wantTasks)

    // The two bad messages are in the dead-letter topic with their reasons and original bytes.
    const { stdout } = await run('kcat', ['-C', '-b', cluster.kafka.brokers, '-t', DLQ, '-o', 'beginning', '-e', '-J'])
    const letters = stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { payload: string; headers?: string[] })
    expect(letters.map((l) => l.payload).sort()).toEqual([JSON.stringify({ type: 'track', messageId: 'x1', userId: 'kc-bad' }), 'not json at all'].sort())
    expect(letters.every((l) => (l.headers ?? []).includes('careloop-reason'))).toBe(true)
  }, 240_000)
})
