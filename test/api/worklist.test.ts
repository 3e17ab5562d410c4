// The agents' work list end to end on a real engine (real stores, manual clock): ordering,
// claim / claim-next with queues and skills, release, reassign, snooze, notes, contacts, resolve
// with feedback for ops and a satisfaction survey email.
import { randomUUID } from 'node:crypto'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerErrorHandler } from '../../src/api/errors.ts'
import { authPlugin, parseApiKeys } from '../../src/api/plugins/auth.ts'
import { surveyRoutes } from '../../src/api/routes/surveys.ts'
import { taskRoutes } from '../../src/api/routes/tasks/index.ts'
import { SURVEY_DELAY_MS } from '../../src/care/resolveTask.ts'
import { ManualClock } from '../../src/lib/clock.ts'
import { EmbeddedIngestSink } from '../../src/stream/ingest/IngestSink.ts'
import { EMBEDDED_PARTITION } from '../../src/stream/source/EmbeddedLogSource.ts'
import { KEYS, startEngine, type TestEngine } from '../support/careloop.ts'

const MIN = 60_000
const clock = new ManualClock(Date.UTC(2026, 6, 1, 9))
let engine: TestEngine
let server: FastifyInstance
let base = ''

/**
 * The work-list routes as server.ts registers them with every option (link settings for surveys,
 * the operational store), on the engine's own stores.
 */
async function mountWorkList(e: TestEngine): Promise<{ server: FastifyInstance; url: string }> {
  const { ops, history, links, embedded } = e.app
  const app = Fastify({ ajv: { customOptions: { allErrors: true } } })
  registerErrorHandler(app)
  await app.register(authPlugin, { configured: parseApiKeys(e.config.apiKeys), settings: ops.settings })
  await app.register(taskRoutes, { ops, history, clock, links, shop: { name: 'Test Shop', url: 'https://shop.test' } })
  const sink = new EmbeddedIngestSink(ops.log, EMBEDDED_PARTITION, () => embedded?.notify())
  await app.register(surveyRoutes, { ops, links, history, sink, clock, shop: { name: 'Test Shop', url: 'https://shop.test' } })
  return { server: app, url: await app.listen({ port: 0, host: '127.0.0.1' }) }
}

async function call(method: string, path: string, key: string, body?: unknown): Promise<{ status: number; body: any }> {
  const init: RequestInit = { method, headers: { authorization: `Bearer ${key}` } }
  if (body !== undefined) {
    init.body = JSON.stringify(body)
    ;(init.headers as Record<string, string>)['content-type'] = 'application/json'
  }
  const res = await fetch(base + path, init)
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : undefined }
}

const rule = (id: string, event: string, task: Record<string, unknown>) => ({ id, name: id, triggers: [{ event }], actions: [{ task: { queue: 'wl', sla: '4h', ...task } }] })

/** One event for a shopper, processed; returns the task it created. */
async function taskFor(event: string, customer: string, traits: Record<string, unknown> = {}): Promise<any> {
  const ts = new Date(clock.now()).toISOString()
  const res = await engine.ingest([
    { type: 'identify', messageId: randomUUID(), userId: customer, traits, timestamp: ts },
    { type: 'track', messageId: randomUUID(), userId: customer, event, properties: {}, timestamp: ts },
  ])
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  await engine.app.tick()
  const tasks = (await engine.api('GET', `/api/tasks?customer=${customer}&include=upcoming,snoozed`)).body.tasks
  const task = tasks.find((t: { ruleId: string }) => t.ruleId === `wl-${event.split(' ')[1]!.toLowerCase()}`)
  expect(task, `a task for ${event} / ${customer}`).toBeTruthy()
  return task
}

const ids = (res: { body: { tasks: Array<{ id: string }> } }) => res.body.tasks.map((t) => t.id)

let t: Record<string, any> = {}

beforeAll(async () => {
  engine = await startEngine({ clock })
  ;({ server, url: base } = await mountWorkList(engine))
  for (const doc of [
    rule('wl-normal', 'WL Normal', { priority: 'normal' }),
    rule('wl-high', 'WL High', { priority: 'high', sla: '2h' }),
    rule('wl-chinese', 'WL Chinese', { priority: 'urgent', sla: '1h', skills: ['lang:zh'] }),
    rule('wl-other', 'WL Other', { priority: 'urgent', sla: '1h', queue: 'other' }),
  ]) {
    const res = await engine.api('POST', '/api/rules', doc, KEYS.ops)
    expect(res.status, JSON.stringify(res.body)).toBe(201)
  }
  await engine.app.ops.queues.putAgent({ id: 'alice', displayName: 'Alice', queues: ['wl'], skills: ['refunds'], onShift: true, capacity: null }, clock.now())
  await engine.app.ops.queues.putAgent({ id: 'bob', displayName: 'Bob', queues: ['wl', 'other'], skills: ['lang:zh'], onShift: true, capacity: null }, clock.now())
  t.normal = await taskFor('WL Normal', 'wl-s3')
  clock.advance(MIN)
  t.high1 = await taskFor('WL High', 'wl-s1', { email: 'wl-s1@example.com', name: 'Sam One' })
  clock.advance(MIN)
  t.high2 = await taskFor('WL High', 'wl-s2')
  clock.advance(MIN)
  t.zh = await taskFor('WL Chinese', 'wl-zh', { locale: 'zh-CN' })
  clock.advance(MIN)
  t.other = await taskFor('WL Other', 'wl-o1')
})
afterAll(async () => {
  await server?.close()
  await engine?.app.stop()
})

describe('the work list', () => {
  it('orders by priority, then SLA; agents see their queues, ops see all', async () => {
    expect(t.zh).toMatchObject({ priority: 'urgent', skills: ['lang:zh'], language: 'zh-CN', availableAt: expect.any(Number), snoozedUntil: null, firstContactAt: null })
    expect(ids(await call('GET', '/api/tasks', KEYS.alice))).toEqual([t.zh.id, t.high1.id, t.high2.id, t.normal.id])
    expect(ids(await call('GET', '/api/tasks', KEYS.ops))).toEqual([t.zh.id, t.other.id, t.high1.id, t.high2.id, t.normal.id])
    expect(ids(await call('GET', '/api/tasks?queue=other', KEYS.bob))).toEqual([t.other.id])
    expect(ids(await call('GET', '/api/tasks?queue=other', KEYS.alice))).toEqual([]) // not her queue
    expect(ids(await call('GET', '/api/tasks?queue=other,wl&status=open&limit=2', KEYS.ops))).toEqual([t.zh.id, t.other.id])
    expect(ids(await call('GET', '/api/tasks?queue=other&queue=nope', KEYS.ops))).toEqual([t.other.id])
    const bad = await call('GET', '/api/tasks?include=everything', KEYS.alice)
    expect(bad.status).toBe(400)
    expect(bad.body.errors[0].path).toMatch(/^\/include/)
  })

  it('claim-next: two agents at once get two different tasks, within their queues and skills', async () => {
    const [a, b] = await Promise.all([call('POST', '/api/tasks/claim-next', KEYS.alice), call('POST', '/api/tasks/claim-next', KEYS.bob, { queues: ['wl', 'other'] })])
    expect(a.body).toMatchObject({ id: t.high1.id, status: 'claimed', claimedBy: 'alice' }) // the Chinese task needs lang:zh
    expect(b.body).toMatchObject({ id: t.zh.id, status: 'claimed', claimedBy: 'bob' })
    expect((await call('POST', '/api/tasks/claim-next', KEYS.alice, { queues: ['other'] })).status).toBe(204)
    expect((await call('POST', '/api/tasks/claim-next', KEYS.bob, { queues: ['other'] })).body).toMatchObject({ id: t.other.id, claimedBy: 'bob' })
    expect((await call('POST', '/api/tasks/claim-next', KEYS.alice)).body.id).toBe(t.high2.id)
    expect((await call('POST', '/api/tasks/claim-next', KEYS.alice)).body.id).toBe(t.normal.id)
    expect((await call('POST', '/api/tasks/claim-next', KEYS.alice)).status).toBe(204)
    expect(ids(await call('GET', '/api/tasks?mine=true', KEYS.alice))).toEqual([t.high1.id, t.high2.id, t.normal.id])
    expect((await call('POST', '/api/tasks/claim-next', KEYS.ops)).status).toBe(403)
  })

  it('claim: exactly one winner; the loser gets a clear 409; unknown tasks 404', async () => {
    const taken = await call('POST', `/api/tasks/${t.high1.id}/claim`, KEYS.bob)
    expect(taken.status).toBe(409)
    expect(taken.body).toMatchObject({ error: 'conflict', message: `task ${t.high1.id} is already claimed by alice` })
    expect((await call('POST', '/api/tasks/nope/claim', KEYS.bob)).status).toBe(404)
  })

  it('release: by the holder or a supervisor, back to open', async () => {
    const notYours = await call('POST', `/api/tasks/${t.normal.id}/release`, KEYS.bob)
    expect(notYours.status).toBe(403)
    expect(notYours.body.message).toContain('claimed by alice')
    expect((await call('POST', `/api/tasks/${t.normal.id}/release`, KEYS.alice)).body).toMatchObject({ status: 'open', claimedBy: null })
    expect((await call('POST', `/api/tasks/${t.normal.id}/release`, KEYS.alice)).status).toBe(409)
    expect((await call('POST', '/api/tasks/nope/release', KEYS.alice)).status).toBe(404)
  })

  it('reassign: the holder hands over to an agent, ops move a task to another queue', async () => {
    expect((await call('POST', `/api/tasks/${t.high2.id}/reassign`, KEYS.alice, { agent: 'bob' })).body).toMatchObject({ status: 'claimed', claimedBy: 'bob', queue: 'wl' })
    expect((await call('POST', `/api/tasks/${t.high2.id}/reassign`, KEYS.alice, { agent: 'alice' })).status).toBe(403)
    expect((await call('POST', `/api/tasks/${t.normal.id}/reassign`, KEYS.ops, { queue: 'other' })).body).toMatchObject({ status: 'open', claimedBy: null, queue: 'other' })
    const empty = await call('POST', `/api/tasks/${t.normal.id}/reassign`, KEYS.ops, {})
    expect(empty.status).toBe(400)
    expect((await call('POST', `/api/tasks/${t.normal.id}/reassign`, KEYS.ops, { queue: 'Not A Queue' })).body.errors[0].path).toBe('/queue')
    const timeline = await engine.api('GET', '/api/customers/wl-s2/timeline', undefined, KEYS.ops)
    const kinds = timeline.body.entries.filter((e: { kind: string }) => e.kind === 'task').map((e: { title: string }) => e.title)
    expect(kinds).toEqual(expect.arrayContaining(['created', 'claimed', 'released']))
  })

  it('snooze: hidden until the time, then back by itself; the time must be in the future', async () => {
    const until = clock.now() + 30 * MIN
    expect((await call('POST', `/api/tasks/${t.high2.id}/snooze`, KEYS.alice, { until })).status).toBe(403) // bob holds it now
    const past = await call('POST', `/api/tasks/${t.high2.id}/snooze`, KEYS.bob, { until: new Date(clock.now() - MIN).toISOString() })
    expect(past.status).toBe(400)
    expect(past.body.errors).toEqual([{ path: '/until', message: expect.stringContaining('must be in the future') }])
    expect((await call('POST', `/api/tasks/${t.high2.id}/snooze`, KEYS.bob, { until: 'tomorrow' })).body.errors[0].path).toBe('/until')
    expect((await call('POST', `/api/tasks/${t.high2.id}/snooze`, KEYS.bob, { until: new Date(until).toISOString() })).body).toMatchObject({ snoozedUntil: until, claimedBy: 'bob' })
    expect(ids(await call('GET', '/api/tasks?mine=true', KEYS.bob))).not.toContain(t.high2.id)
    expect(ids(await call('GET', '/api/tasks?mine=true&include=snoozed', KEYS.bob))).toContain(t.high2.id)
    clock.advance(30 * MIN)
    expect(ids(await call('GET', '/api/tasks?mine=true', KEYS.bob))).toContain(t.high2.id)
  })

  it('notes: per task, and the shopper’s earlier notes for the next hand-off', async () => {
    const added = await call('POST', `/api/tasks/${t.high1.id}/notes`, KEYS.alice, { body: 'Prefers a call after 6 pm <b>not</b> email' })
    expect(added.status).toBe(201)
    expect(added.body).toMatchObject({ taskId: t.high1.id, customerId: 'wl-s1', author: 'alice' })
    expect((await call('POST', `/api/tasks/${t.high1.id}/notes`, KEYS.alice, { body: '' })).status).toBe(400)
    expect((await call('POST', '/api/tasks/nope/notes', KEYS.alice, { body: 'x' })).status).toBe(404)
    clock.advance(MIN)
    const later = (t.later = await taskFor('WL Normal', 'wl-s1', { email: 'wl-s1@example.com' }))
    const notes = await call('GET', `/api/tasks/${later.id}/notes`, KEYS.bob)
    expect(notes.body).toMatchObject({ notes: [], earlier: [{ taskId: t.high1.id, body: 'Prefers a call after 6 pm <b>not</b> email' }] })
    expect((await engine.app.ops.notes.forCustomer('wl-s1')).map((n) => n.author)).toEqual(['alice'])
  })

  it('contacts: the first one sets firstContactAt and records the time to first contact', async () => {
    const first = await call('POST', `/api/tasks/${t.high1.id}/contacts`, KEYS.alice, { via: 'call', outcome: 'reached' })
    expect(first.status).toBe(201)
    const firstAt = clock.now()
    clock.advance(MIN)
    await call('POST', `/api/tasks/${t.high1.id}/contacts`, KEYS.alice, { via: 'email' })
    expect((await call('GET', `/api/tasks/${t.high1.id}`, KEYS.alice)).body.firstContactAt).toBe(firstAt)
    const timeline = await engine.api('GET', '/api/customers/wl-s1/timeline', undefined, KEYS.ops)
    const contacts = timeline.body.entries.filter((e: { kind: string; title: string }) => e.kind === 'task' && e.title === 'contact')
    expect(contacts).toHaveLength(2)
    expect(contacts.map((c: any) => c.data.details.timeToFirstContactMs).filter((v: unknown) => v !== undefined)).toEqual([firstAt - t.high1.availableAt])
  })

  it('what an agent logs with a contact is a note the next agent reads in the task context', async () => {
    const logged = await call('POST', `/api/tasks/${t.high1.id}/contacts`, KEYS.alice, { via: 'call', outcome: 'reached', note: 'Wants the parcel redirected to her office' })
    expect(logged.status).toBe(201)
    expect((await call('POST', `/api/tasks/${t.high1.id}/contacts`, KEYS.alice, { via: 'sms', note: '   ' })).status).toBe(201)
    const notes = (await engine.app.ops.notes.forTask(t.high1.id)).map((n) => `${n.author}: ${n.body}`)
    expect(notes).toContain('alice: Phone call (reached): Wants the parcel redirected to her office')
    expect(notes.filter((n) => n.includes('Text message'))).toEqual([])
    const read = await call('GET', `/api/tasks/${t.high1.id}/notes`, KEYS.bob)
    expect(read.body.notes.map((n: { body: string }) => n.body)).toContain('Phone call (reached): Wants the parcel redirected to her office')
  })

  it('resolve with should_be_automated and a suggestion: ops see it in /api/feedback', async () => {
    const res = await call('POST', `/api/tasks/${t.high2.id}/resolve`, KEYS.bob, { outcome: 'should_be_automated', note: 'only needed the tracking link', suggestion: 'send the tracking link by SMS' })
    expect(res.body).toMatchObject({ status: 'resolved', outcome: 'should_be_automated', resolvedBy: 'bob' })
    expect((await call('POST', `/api/tasks/${t.high2.id}/resolve`, KEYS.bob, { outcome: 'resolved' })).status).toBe(409)
    expect((await call('GET', '/api/feedback', KEYS.alice)).status).toBe(403)
    const feedback = await call('GET', '/api/feedback', KEYS.ops)
    expect(feedback.body.rules).toEqual([
      {
        ruleId: 'wl-high',
        template: null,
        shouldBeAutomated: { count: 1, items: [{ id: `${t.high2.id}:should_be_automated`, taskId: t.high2.id, author: 'bob', body: 'only needed the tracking link', createdAt: clock.now(), handledAt: null, handledBy: null }] },
        suggestions: { count: 1, items: [{ id: `${t.high2.id}:suggestion`, taskId: t.high2.id, author: 'bob', body: 'send the tracking link by SMS', createdAt: clock.now(), handledAt: null, handledBy: null }] },
      },
    ])
  })

  it('resolve with a survey: a csat-survey email with five signed score links, sent by the dispatcher', async () => {
    const noEmail = await call('POST', `/api/tasks/${t.zh.id}/resolve`, KEYS.bob, { outcome: 'resolved', survey: true })
    expect(noEmail.status).toBe(400)
    expect(noEmail.body.errors[0].path).toBe('/survey')
    expect((await call('GET', `/api/tasks/${t.zh.id}`, KEYS.bob)).body.status).toBe('claimed') // nothing half-done
    expect((await call('POST', `/api/tasks/${t.high1.id}/resolve`, KEYS.bob, { outcome: 'resolved', survey: true })).status).toBe(409) // alice holds it
    const res = await call('POST', `/api/tasks/${t.high1.id}/resolve`, KEYS.alice, { outcome: 'compensated', note: 'voucher', survey: true })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ status: 'resolved', outcome: 'compensated', survey: { id: expect.any(String), outboxId: expect.any(String) } })
    const message = await engine.app.ops.outbox.get(res.body.survey.outboxId)
    expect(message).toMatchObject({ idempotencyKey: `survey:${t.high1.id}`, channel: 'email', template: 'csat-survey', topic: 'care', priority: 0, urgent: false, ruleId: 'wl-high', status: 'pending' })
    const payload = message!.payload as any
    expect(payload.to).toMatchObject({ email: 'wl-s1@example.com', name: 'Sam One' })
    expect(Object.keys(payload.vars.links).sort()).toEqual(['survey1', 'survey2', 'survey3', 'survey4', 'survey5'])
    expect(payload.vars.links.survey3).toMatch(/\/l\/s\/[\w-]+\.[\w-]+$/)
    // Alice called the shopper today: the survey waits a day instead of breaking the quiet day.
    expect(message!.nextAttemptAt).toBe(clock.now() + SURVEY_DELAY_MS)
    await engine.app.tick()
    expect((await engine.app.ops.outbox.get(res.body.survey.outboxId))?.status).toBe('pending')
    clock.advance(SURVEY_DELAY_MS)
    await engine.app.tick()
    expect((await engine.app.ops.outbox.get(res.body.survey.outboxId))?.status).toBe('sent')
  })

  it('400 for a bad outcome, 404 for an unknown task', async () => {
    expect((await call('POST', `/api/tasks/${t.zh.id}/resolve`, KEYS.bob, { outcome: 'sorted' })).body.errors[0].path).toBe('/outcome')
    expect((await call('POST', '/api/tasks/nope/resolve', KEYS.bob, { outcome: 'resolved' })).status).toBe(404)
    expect((await call('GET', '/api/tasks/nope', KEYS.bob)).status).toBe(404)
  })

  it("the engine's own server serves the new routes with the stores it already passes", async () => {
    const next = await engine.api('POST', '/api/tasks/claim-next', undefined, KEYS.alice)
    expect(next.body).toMatchObject({ id: t.later.id, claimedBy: 'alice' })
    expect((await engine.api('POST', `/api/tasks/${t.later.id}/notes`, { body: 'ok' }, KEYS.alice)).status).toBe(201)
    expect((await engine.api('POST', `/api/tasks/${t.later.id}/release`, undefined, KEYS.alice)).body.status).toBe('open')
  })
})
