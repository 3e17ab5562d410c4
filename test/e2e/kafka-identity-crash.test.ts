// Identity merges through a Kafka consumer group while a process dies: two careloop processes
// share an 8-partition events topic; shoppers check out anonymously and log in (the anonymous and
// known ids on different partitions); one process is killed with SIGKILL while the merges are in
// flight: as soon as the first anonymous profile is sealed into its known id and before the last
// one is. Every shopper gets the abandoned-checkout reminder at the known address exactly once.
import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { promisify } from 'node:util'
import { Partitioners } from 'kafkajs'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { KEYS } from '../support/careloop.ts'
import { disableQuietHours } from '../support/process.ts'
import { requireServers } from '../support/requireServers.ts'
import { useScaleOutCluster } from '../support/scaleOutCluster.ts'
import { freshDataDir } from '../support/stores.ts'

const run = promisify(execFile)
const HOUR = 3_600_000
const PARTITIONS = 8
const SHOPPERS = 24

const partitioner = Partitioners.DefaultPartitioner()
const partitionOf = (key: string) =>
  partitioner({ topic: 't', partitionMetadata: Array.from({ length: PARTITIONS }, (_, partitionId) => ({ partitionId, leader: 1, partitionErrorCode: 0, replicas: [1], isr: [1] })), message: { key, value: null } })

function shopper(i: number): { anonymousId: string; userId: string } {
  for (;;) {
    const tag = `${i}-${randomUUID().slice(0, 6)}`
    const ids = { anonymousId: `kx-a${tag}`, userId: `kx-u${tag}` }
    if (partitionOf(`anon:${ids.anonymousId}`) !== partitionOf(ids.userId)) return ids
  }
}

async function produce(brokers: string, topic: string, records: Array<[string, unknown]>): Promise<void> {
  const file = `${freshDataDir('careloop-kcat-')}/events.tsv`
  writeFileSync(file, records.map(([key, value]) => `${key}\t${JSON.stringify(value)}`).join('\n') + '\n')
  await run('kcat', ['-P', '-b', brokers, '-t', topic, '-K', '\t', '-X', 'topic.partitioner=murmur2_random', '-l', file])
}

if (requireServers('identity merges on a Kafka consumer group with a SIGKILL')) describe('identity merges on a consumer group, one process killed', () => {
  const cluster = useScaleOutCluster({ name: 'idx', partitions: PARTITIONS, groupId: 'careloop-identity' })

  it('every shopper gets one reminder at the known address', async () => {
    const [a, b] = await Promise.all([cluster.startProcess(), cluster.startProcess()])
    await disableQuietHours(b!.url, KEYS.admin)
    const now = Date.now()
    const people = Array.from({ length: SHOPPERS }, (_, i) => shopper(i))
    // The checkout's hour is over 15 s from now: the reminders fall due while the test runs.
    const at = (ts: number) => new Date(ts).toISOString()
    await produce(
      cluster.kafka.brokers,
      cluster.topic,
      people.map((p, i) => [`anon:${p.anonymousId}`, { type: 'track', messageId: randomUUID(), anonymousId: p.anonymousId, event: 'Checkout Started', properties: { checkout_id: `kx${i}`, value: 70 }, timestamp: at(now - HOUR + 15_000) }]),
    )
    await produce(
      cluster.kafka.brokers,
      cluster.topic,
      people.map((p) => [p.userId, { type: 'identify', messageId: randomUUID(), userId: p.userId, anonymousId: p.anonymousId, traits: { email: `${p.userId}@example.com` }, timestamp: at(now) }]),
    )
    // Merges in flight: one process dies without a goodbye once some, not all, links are sealed.
    const db = new pg.Client({ connectionString: cluster.stores.databaseUrl })
    await db.connect()
    let sealed = 0
    try {
      const until = Date.now() + 60_000
      while (sealed === 0 && Date.now() < until) {
        sealed = Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM identity_links')).rows[0]?.n ?? 0)
        if (sealed === 0) await new Promise((r) => setTimeout(r, 5))
      }
      await a!.kill('SIGKILL')
    } finally {
      await db.end()
    }
    console.log(`[identity crash] SIGKILL with ${sealed} of ${SHOPPERS} anonymous profiles sealed`)
    expect(sealed).toBeGreaterThan(0)

    const want = people.map((p) => `${p.userId}@example.com`).sort()
    const recipients = () => cluster.mail.messages.map((m) => (m.to && 'text' in m.to ? m.to.text : '')).sort()
    const deadline = Date.now() + 120_000
    while (recipients().length < want.length) {
      if (Date.now() > deadline) throw new Error(`timed out: ${JSON.stringify(recipients())}\n${cluster.engines.map((e) => e.output().slice(-3000)).join('\n---\n')}`)
      await new Promise((r) => setTimeout(r, 250))
    }
    await new Promise((r) => setTimeout(r, 5_000)) // anything extra would show up now
    expect(recipients()).toEqual(want)
  }, 240_000)
})
