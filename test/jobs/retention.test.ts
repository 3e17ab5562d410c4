// Retention with the injected clock: rows of each kind past their period leave when the job runs,
// rows inside the window stay — on PGlite + chDB, and on PostgreSQL + ClickHouse 18.16 servers.
import { randomUUID } from 'node:crypto'
import cron from 'node-cron'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jobTable, type JobDependencies } from '../../src/jobs/table.ts'
import type { RetentionPeriods } from '../../src/model/retention.ts'
import { ManualClock } from '../../src/lib/clock.ts'
import { startEngine, type StartOptions, type TestEngine } from '../support/careloop.ts'
import { requireServers } from '../support/requireServers.ts'
import { createServerStores, type ServerStores } from '../support/serverStores.ts'
import { startMailSink, type MailSink } from '../support/smtp.ts'

const HOUR = 3_600_000
const DAY = 24 * HOUR
const T0 = Date.UTC(2026, 0, 10, 9)
const T1 = T0 + 40 * DAY
const PERIODS: RetentionPeriods = { events: 30 * DAY, decisions: 30 * DAY, deliveries: 30 * DAY, outbox: 10 * DAY, deadLetters: 10 * DAY, eventLog: 5 * DAY, webhookDeliveries: 10 * DAY, orphanFirings: 60 * DAY }

const msg = (userId: string, event: string, properties: Record<string, unknown>, at: number) => ({
  type: 'track', messageId: randomUUID(), userId, event, properties, timestamp: new Date(at).toISOString(),
})
const identify = (userId: string, at: number) => ({ type: 'identify', messageId: randomUUID(), userId, traits: { email: `${userId}@example.com` }, timestamp: new Date(at).toISOString() })
/** Two failed payments within a day: an email (payment-failed) and a task under a 24 h cooldown (payment-failed-repeat). */
const twoFailures = (userId: string, at: number) => [identify(userId, at), msg(userId, 'Payment Failed', { order_id: `${userId}-1` }, at), msg(userId, 'Payment Failed', { order_id: `${userId}-1` }, at + HOUR)]

async function retentionScenario(stores: StartOptions): Promise<void> {
  const clock = new ManualClock(T0)
  const engine: TestEngine = await startEngine({ ...stores, clock, config: { retention: PERIODS } })
  const { app } = engine
  try {
    const feed = async (messages: unknown[]) => {
      expect((await engine.ingest(messages)).status).toBe(200)
      await app.tick()
    }
    // Task webhooks to a closed port: a sender only reschedules them; the test settles them.
    const hook = `hook-${randomUUID().slice(0, 6)}`
    await app.ops.webhooks.putEndpoint({ id: hook, kind: 'standard', url: 'http://127.0.0.1:9/', secret: 'whsec_x', events: ['task.created'], enabled: true, settings: {} }, 'admin', T0)
    const settle = async (status: 'delivered' | 'dead') => {
      for (const d of await app.ops.webhooks.deliveries(hook, { status: 'pending' })) {
        if (status === 'delivered') await app.ops.webhooks.markDelivered(hook, d.id, clock.now())
        else await app.ops.webhooks.markDead(hook, d.id, 'HTTP 410')
      }
    }
    const hookRows = async (customerId: string) => (await app.ops.webhooks.deliveries(hook)).filter((d) => d.customerId === customerId).map((d) => d.status)

    // T0: the old shopper, plus an event from November (a month that is past the window whole).
    const old = `old-${randomUUID().slice(0, 6)}`
    const recent = `new-${randomUUID().slice(0, 6)}`
    clock.set(T0 + 2 * HOUR)
    await feed([...twoFailures(old, T0), msg(old, 'Page Viewed', {}, Date.UTC(2025, 10, 5))])
    await settle('delivered')
    await app.ops.deadLetters.add([{ source: 'test', receivedAt: clock.now(), reason: 'old', errors: [], payload: '{}' }])
    // T1: the recent shopper, plus a late event dated inside the January partition but inside the window.
    clock.set(T1 + 2 * HOUR)
    await feed([...twoFailures(recent, T1), msg(recent, 'Page Viewed', {}, T1 - 20 * DAY)])
    await settle('dead')
    await app.ops.deadLetters.add([{ source: 'test', receivedAt: clock.now(), reason: 'recent', errors: [], payload: '{}' }])

    const kinds = async (id: string) => (await app.history.timeline(id, { limit: 1000 })).map((e) => e.kind).sort()
    const firings = async (id: string) => Object.keys((await app.ops.engine.loadStates([id])).get(id)?.firings ?? {})
    const outbox = async (id: string) => (await app.ops.outbox.list({ customerId: id })).map((o) => o.status)
    const logRows = async (id: string) => (await app.ops.log.read(0, 0, 1000)).filter((r) => r.customerId === id).length
    const before = { old: await kinds(old), recent: await kinds(recent) }
    expect(before.old).toEqual(expect.arrayContaining(['event', 'signal', 'decision', 'delivery']))
    expect(before.recent).toEqual(before.old)
    expect(await firings(old)).toContain('payment-failed-repeat')
    expect(await outbox(old)).toEqual(['sent'])
    expect(await logRows(old)).toBeGreaterThan(0)
    expect(await app.ops.deadLetters.count()).toBe(2)
    expect(await hookRows(old)).toEqual(['delivered'])
    expect(await hookRows(recent)).toEqual(['dead'])

    // One hour later than the recent activity: everything from T0 is past its period.
    clock.set(T1 + 3 * HOUR)
    const run = await app.retention!.run()
    expect(run.history.events?.partitionsDropped).toBeGreaterThanOrEqual(1)
    expect(run).toMatchObject({ outbox: 1, deadLetters: 1, webhookDeliveries: 1 })
    expect(run.eventLog).toBeGreaterThanOrEqual(3)
    expect(run.firings).toBeGreaterThanOrEqual(1)

    expect(await kinds(old)).toEqual(before.old.filter((k) => k === 'task'))
    expect(await kinds(recent)).toEqual(before.recent)
    expect(await app.history.eventsBetween(Date.UTC(2025, 10, 1), Date.UTC(2025, 11, 1), 10)).toEqual([])
    expect((await app.history.eventsBetween(T1 - 21 * DAY, T1 - 19 * DAY, 10)).map((e) => e.customer_id)).toEqual([recent])
    expect(await firings(old)).toEqual([])
    expect(await firings(recent)).toContain('payment-failed-repeat')
    expect(await outbox(old)).toEqual([])
    expect(await outbox(recent)).toEqual(['sent'])
    expect(await logRows(old)).toBe(0)
    expect(await logRows(recent)).toBeGreaterThan(0)
    expect((await app.ops.deadLetters.list()).map((l) => l.reason)).toEqual(['recent'])
    expect(await hookRows(old)).toEqual([])
    expect(await hookRows(recent)).toEqual(['dead'])

    // A second run finds nothing more to remove: what stays is inside every window.
    expect(await app.retention!.run()).toMatchObject({ outbox: 0, deadLetters: 0, webhookDeliveries: 0, eventLog: 0, firings: 0 })
  } finally {
    await app.stop()
  }
}

it('the job table runs retention once a day when the app provides it', async () => {
  let runs = 0
  const deps = { retention: { run: async () => void runs++ } } as unknown as JobDependencies
  const job = jobTable(deps).find((j) => j.name === 'retention')
  expect(job?.schedule).toBe('0 17 3 * * *')
  expect(cron.validate(job?.schedule ?? '')).toBe(true)
  await job?.run()
  expect(runs).toBe(1)
  expect(jobTable({ ...deps, retention: undefined }).some((j) => j.name === 'retention')).toBe(false)
})

describe('retention (PGlite + chDB)', () => {
  let mail: MailSink
  beforeAll(async () => {
    mail = await startMailSink()
  })
  afterAll(async () => mail?.close())
  it('removes each kind past its period and keeps what is inside the window', async () => {
    await retentionScenario({ smtpUrl: mail.url })
  }, 120_000)
})

if (requireServers('retention (PostgreSQL + ClickHouse servers)')) {
  describe('retention (PostgreSQL + ClickHouse servers)', () => {
    let mail: MailSink
    let servers: ServerStores
    beforeAll(async () => {
      mail = await startMailSink()
      servers = await createServerStores('careloop_retention')
    })
    afterAll(async () => {
      await mail?.close()
      await servers?.drop()
    })
    it('removes each kind past its period and keeps what is inside the window', async () => {
      const { databaseUrl, clickhouseUrl, clickhouseDatabase } = servers
      await retentionScenario({ databaseUrl, clickhouseUrl, clickhouseDatabase, smtpUrl: mail.url })
    }, 180_000)
  })
}
