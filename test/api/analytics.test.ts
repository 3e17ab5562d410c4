// The analytics API on a real engine (manual clock; history on chDB, and on a ClickHouse server when
// CARELOOP_TEST_CLICKHOUSE_URL names one): two rules, a few shoppers
// whose messages are sent, suppressed by cooldown, dead (a broken address) and skipped (opted out), an
// open and a click through the tracking links, two tasks (one claimed, contacted and resolved, one
// escalated past its SLA), then every endpoint's numbers are exactly the expected ones.
import { randomUUID } from 'node:crypto'
import { createClient } from '@clickhouse/client'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerErrorHandler } from '../../src/api/errors.ts'
import { authPlugin, parseApiKeys } from '../../src/api/plugins/auth.ts'
import { analyticsRoutes, analyticsWindow } from '../../src/api/routes/analytics.ts'
import { deliveryRow } from '../../src/channels/deliveries.ts'
import { clickUrl, openPixelUrl } from '../../src/channels/links.ts'
import { ManualClock } from '../../src/lib/clock.ts'
import { KEYS, startEngine, type TestEngine } from '../support/careloop.ts'

const MIN = 60_000
const HOUR = 3_600_000
const DAY = 86_400_000
const C0 = Date.UTC(2026, 6, 1, 9, 0) // 09:00 UTC, 1 July 2026
const clock = new ManualClock(C0)

/** The scenario and its checks on one engine: embedded chDB history, or a ClickHouse server's. */
function analyticsApi(name: string, start: () => Promise<TestEngine>): void {
  describe(`analytics API (history on ${name})`, () => {
    let engine: TestEngine
    let server: FastifyInstance
    let base = ''

    /** The analytics routes as server.ts registers them, on the engine's own stores and clock. */
    async function mountAnalytics(e: TestEngine): Promise<{ server: FastifyInstance; url: string }> {
      const app = Fastify({ ajv: { customOptions: { allErrors: true } } })
      registerErrorHandler(app)
      await app.register(authPlugin, { configured: parseApiKeys(e.config.apiKeys), settings: e.app.ops.settings })
      await app.register(analyticsRoutes, { history: e.app.history, ops: e.app.ops, clock })
      return { server: app, url: await app.listen({ port: 0, host: '127.0.0.1' }) }
    }

    async function get(path: string, key: string = KEYS.ops): Promise<{ status: number; body: any }> {
      const res = await fetch(base + path, { headers: key ? { authorization: `Bearer ${key}` } : {} })
      return { status: res.status, body: await res.json() }
    }

    const ts = () => new Date(clock.now()).toISOString()
    const identify = (userId: string, traits: Record<string, unknown>) => ({ type: 'identify', messageId: randomUUID(), userId, traits, timestamp: ts() })
    const track = (userId: string, event: string) => ({ type: 'track', messageId: randomUUID(), userId, event, properties: {}, timestamp: ts() })

    /** Sets the clock, then ingests the messages (stamped with the new time) and runs a tick. */
    async function at(minutes: number, messages: () => unknown[] = () => []): Promise<void> {
      clock.set(C0 + minutes * MIN)
      const batch = messages()
      if (batch.length > 0) {
        const res = await engine.ingest(batch)
        expect(res.status, JSON.stringify(res.body)).toBe(200)
      }
      await engine.app.tick()
    }

    async function taskOf(customerId: string): Promise<{ id: string }> {
      const [task] = (await engine.api('GET', `/api/tasks?customer=${customerId}`, undefined, KEYS.ops)).body.tasks
      expect(task, `a task for ${customerId}`).toBeTruthy()
      return task
    }

    beforeAll(async () => {
      clock.set(C0 - HOUR) // each engine starts before the scenario, whatever ran before it
      engine = await start()
      ;({ server, url: base } = await mountAnalytics(engine))
      for (const doc of [
        { id: 'an-nudge', name: 'browse nudge', triggers: [{ event: 'AN Browse' }], actions: [{ nudge: { channel: 'email', template: 'long-dwell' } }], guards: { cooldown: '1h' } },
        { id: 'an-task', name: 'help task', triggers: [{ event: 'AN Help' }], actions: [{ task: { queue: 'an', priority: 'normal', sla: '30m' } }] },
      ]) {
        const res = await engine.api('POST', '/api/rules', doc, KEYS.ops)
        expect(res.status, JSON.stringify(res.body)).toBe(201)
      }
      const { ops, history, links } = engine.app
      await ops.consent.set('an-c', 'email', 'care', 'opted_out', C0 - DAY)

      await at(0, () => [identify('an-a', { email: 'an-a@example.com' }), track('an-a', 'AN Browse')]) // sent
      const [message] = await ops.outbox.list({ customerId: 'an-a' })
      expect(message?.status).toBe('sent')
      await at(1)
      await history.append({ deliveries: [deliveryRow({ ...message!, attempts: 1 }, 'delivered', '250 2.0.0 OK', clock.now())] }) // as a provider reports it
      await at(5, () => [track('an-a', 'AN Browse')]) // cooldown
      await at(10, () => [identify('an-b', { name: 'Broken Address', email: 'not-an-address' }), track('an-b', 'AN Browse')]) // dead: the address cannot take mail
      await at(15, () => [identify('an-c', { email: 'an-c@example.com' }), track('an-c', 'AN Browse')]) // skipped: opted out
      await at(20)
      for (const url of [openPixelUrl(links, message!.id), openPixelUrl(links, message!.id), clickUrl(links, message!.id, 'product', 'https://shop.test/p')]) {
        expect((await fetch(url, { redirect: 'manual' })).status).toBeLessThan(400)
      }

      await at(30, () => [identify('an-d', { email: 'an-d@example.com' }), track('an-d', 'AN Help')])
      await at(35, () => [identify('an-e', { email: 'an-e@example.com' }), track('an-e', 'AN Help')])
      const d = await taskOf('an-d')
      await at(40)
      expect((await engine.api('POST', `/api/tasks/${d.id}/claim`, undefined, KEYS.alice)).status).toBe(200)
      await at(45)
      expect((await engine.api('POST', `/api/tasks/${d.id}/contacts`, { via: 'call', outcome: 'reached' }, KEYS.alice)).status).toBe(201)
      await at(50)
      expect((await engine.api('POST', `/api/tasks/${d.id}/resolve`, { outcome: 'resolved' }, KEYS.alice)).status).toBe(200)
      await at(70) // 10:10: the other task is past its SLA (10:05)
      expect(await engine.app.sla.run()).toEqual({ warned: 0, escalated: 1 })
      await at(80) // 10:20
    })
    afterAll(async () => {
      await server?.close()
      await engine?.app.stop()
    })

    const zero = { signals: 0, planned: 0, suppressed: 0, sent: 0, skipped: 0, failed: 0, dead: 0, tasksCreated: 0, tasksResolved: 0, slaBreaches: 0 }
    const nine = { ...zero, signals: 6, planned: 5, suppressed: 1, sent: 1, skipped: 1, dead: 1, tasksCreated: 2, tasksResolved: 1 }
    const ten = { ...zero, slaBreaches: 1 }

    describe('GET /api/analytics/overview', () => {
      it('days=1: 24 hour buckets ending with the current hour, zeros included, and the totals', async () => {
        const res = await get('/api/analytics/overview?days=1')
        expect(res.status).toBe(200)
        const to = Date.UTC(2026, 6, 1, 11)
        const buckets = Array.from({ length: 24 }, (_, i) => ({ t: to - (24 - i) * HOUR, ...zero }))
        buckets[22] = { t: Date.UTC(2026, 6, 1, 9), ...nine }
        buckets[23] = { t: Date.UTC(2026, 6, 1, 10), ...ten }
        expect(res.body).toEqual({
          from: to - DAY,
          to,
          bucketMs: HOUR,
          basis: 'activity',
          buckets,
          totals: { ...nine, slaBreaches: 1, openTasks: 1, medianFirstContactMs: 15 * MIN },
        })
      })

      it('days=7 (the default): 7 UTC day buckets, today last', async () => {
        const res = await get('/api/analytics/overview', KEYS.alice)
        expect(res.status).toBe(200)
        const today = Date.UTC(2026, 6, 1)
        expect(res.body.from).toBe(today - 6 * DAY)
        expect(res.body.to).toBe(today + DAY)
        expect(res.body.bucketMs).toBe(DAY)
        expect(res.body.buckets).toEqual([
          ...Array.from({ length: 6 }, (_, i) => ({ t: today - (6 - i) * DAY, ...zero })),
          { t: today, ...nine, slaBreaches: 1 },
        ])
        expect(res.body.totals).toEqual({ ...nine, slaBreaches: 1, openTasks: 1, medianFirstContactMs: 15 * MIN })
      })

      it('basis=moment: the SLA breach at 10:10 counts with its task, noticed at 09:35', async () => {
        const res = await get('/api/analytics/overview?days=1&basis=moment')
        expect(res.status).toBe(200)
        const to = Date.UTC(2026, 6, 1, 11)
        const buckets = Array.from({ length: 24 }, (_, i) => ({ t: to - (24 - i) * HOUR, ...zero }))
        buckets[22] = { t: Date.UTC(2026, 6, 1, 9), ...nine, slaBreaches: 1 }
        expect(res.body).toEqual({
          from: to - DAY,
          to,
          bucketMs: HOUR,
          basis: 'moment',
          buckets,
          totals: { ...nine, slaBreaches: 1, openTasks: 1, medianFirstContactMs: 15 * MIN },
        })
      })

      it('needs an API key and a sensible days', async () => {
        expect((await get('/api/analytics/overview?basis=event')).status).toBe(400)
        expect((await get('/api/analytics/overview?basis=constructor')).status).toBe(400)
        expect((await get('/api/analytics/overview', '')).status).toBe(401)
        expect((await get('/api/analytics/overview', 'not-a-key')).status).toBe(401)
        expect((await get('/api/analytics/overview?days=0')).status).toBe(400)
        expect((await get('/api/analytics/overview?days=91')).status).toBe(400)
        expect((await get('/api/analytics/sla?days=week')).status).toBe(400)
      })
    })

    describe('GET /api/analytics/funnel', () => {
      it('per rule: signals → decisions → sent → delivered / opened / clicked → tasks and outcomes', async () => {
        const res = await get('/api/analytics/funnel?days=1', KEYS.alice)
        expect(res.status).toBe(200)
        const outcomes = { resolved: 0, compensated: 0, no_answer: 0, not_needed: 0, should_be_automated: 0 }
        const { from, to } = analyticsWindow(clock.now(), 1)
        expect(res.body).toEqual({
          from,
          to,
          rules: [
            { ruleId: 'an-nudge', signals: 4, planned: 3, suppressed: 1, sent: 1, delivered: 1, opened: 1, clicked: 1, tasksCreated: 0, tasksResolved: 0, outcomes },
            { ruleId: 'an-task', signals: 2, planned: 2, suppressed: 0, sent: 0, delivered: 0, opened: 0, clicked: 0, tasksCreated: 2, tasksResolved: 1, outcomes: { ...outcomes, resolved: 1 } },
          ],
        })
      })
    })

    describe('GET /api/analytics/rules', () => {
      it('per rule: what became of its moments, unsent messages by reason with an example, silent rules listed', async () => {
        const res = await get('/api/analytics/rules?days=1', KEYS.alice)
        expect(res.status).toBe(200)
        const { from, to } = analyticsWindow(clock.now(), 1)
        expect(res.body.from).toBe(from)
        expect(res.body.to).toBe(to)
        const byId = new Map<string | null, any>(res.body.rules.map((r: any) => [r.ruleId, r]))
        expect(byId.get('an-nudge')).toEqual({
          ruleId: 'an-nudge', name: 'browse nudge', enabled: true,
          signals: 4, planned: 3, suppressed: 1, sent: 1, delivered: 1, opened: 1, clicked: 1, tasksCreated: 0, tasksResolved: 0, outcomes: {},
          suppressedBy: { cooldown: 1 },
          unsent: [
            { status: 'dead', reason: expect.any(String), messages: 1, example: expect.stringMatching(/address/i) },
            { status: 'skipped', reason: 'consent', messages: 1, example: expect.stringMatching(/^consent: /) },
          ],
        })
        expect(byId.get('an-task')).toEqual({
          ruleId: 'an-task', name: 'help task', enabled: true,
          signals: 2, planned: 2, suppressed: 0, sent: 0, delivered: 0, opened: 0, clicked: 0, tasksCreated: 2, tasksResolved: 1, outcomes: { resolved: 1 },
          suppressedBy: {}, unsent: [],
        })
        // The busiest first; rules that noticed nothing are listed with zeros (why didn't it fire?).
        expect(res.body.rules.slice(0, 2).map((r: any) => r.ruleId)).toEqual(['an-nudge', 'an-task'])
        const silent = res.body.rules.slice(2)
        expect(silent.length).toBeGreaterThan(0)
        for (const rule of silent) expect(rule).toMatchObject({ signals: 0, planned: 0, unsent: [] })
      })
    })

    describe('GET /api/analytics/suppressions', () => {
      it('skipped messages by guard and suppressed decisions by reason, per rule', async () => {
        const res = await get('/api/analytics/suppressions?days=1')
        expect(res.status).toBe(200)
        const guards = { consent: 0, quiet_hours: 0, conflict: 0, human_contact: 0, cap_day: 0, cap_channel: 0 }
        const reasons = { cooldown: 0, once: 0, conditions: 0, holdout: 0, stale: 0 }
        const { from, to } = analyticsWindow(clock.now(), 1)
        expect(res.body).toEqual({
          from,
          to,
          guards: { ...guards, consent: 1 },
          reasons: { ...reasons, cooldown: 1 },
          rules: [{ ruleId: 'an-nudge', guards: { ...guards, consent: 1 }, reasons: { ...reasons, cooldown: 1 } }],
        })
      })
    })

    describe('GET /api/analytics/sla', () => {
      it('per queue: tasks, breaches, median and p90 to first claim and first contact', async () => {
        const res = await get('/api/analytics/sla?days=7', KEYS.alice)
        expect(res.status).toBe(200)
        const { from, to } = analyticsWindow(clock.now(), 7)
        expect(res.body).toEqual({
          from,
          to,
          queues: [
            {
              queue: 'an', tasks: 2, breaches: 1, claimed: 1, contacted: 1,
              medianFirstContactMs: 15 * MIN, p90FirstContactMs: 15 * MIN, medianFirstClaimMs: 10 * MIN, p90FirstClaimMs: 10 * MIN,
            },
          ],
        })
      })
    })
  })
}

analyticsApi('chDB', () => startEngine({ clock }))

const clickhouseUrl = process.env['CARELOOP_TEST_CLICKHOUSE_URL']
if (clickhouseUrl) {
  const database = `careloop_api${Date.now()}_${process.pid}`
  afterAll(async () => {
    const admin = createClient({ url: clickhouseUrl })
    try {
      await admin.command({ query: `DROP DATABASE IF EXISTS ${database}` }) // ours, [a-z0-9_] only
    } finally {
      await admin.close()
    }
  })
  analyticsApi('a ClickHouse server', () => startEngine({ clock, clickhouseUrl, clickhouseDatabase: database }))
}
