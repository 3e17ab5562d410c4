// Queues and agents API against a real engine: CRUD, validation errors with field paths, the
// queues' live state, and who may change a shift.
import Fastify from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerErrorHandler } from '../../src/api/errors.ts'
import { authPlugin, parseApiKeys } from '../../src/api/plugins/auth.ts'
import { queueRoutes } from '../../src/api/routes/queues.ts'
import { ManualClock } from '../../src/lib/clock.ts'
import { KEYS, startEngine, type TestEngine } from '../support/careloop.ts'

const clock = new ManualClock(Date.parse('2026-03-25T11:00:00Z')) // Wednesday, 12:00 in Berlin
let engine: TestEngine
let api: TestEngine['api']
let closeSide: () => Promise<void> = async () => {}

const weekdays = [['09:00', '18:00']]
const care = {
  name: 'Customer care',
  timezone: 'Europe/Berlin',
  hours: { mon: weekdays, tue: weekdays, wed: weekdays, thu: weekdays, fri: weekdays },
  capacityPerAgent: 3,
  skills: ['care'],
  escalateTo: 'supervisor',
}

beforeAll(async () => {
  engine = await startEngine({ clock })
  api = engine.api
  // Until server.ts registers queueRoutes, serve them beside the engine with the same keys and stores.
  if (!engine.app.server.hasRoute({ method: 'GET', url: '/api/queues' })) {
    const side = Fastify({ ajv: { customOptions: { allErrors: true } } })
    registerErrorHandler(side)
    await side.register(authPlugin, { configured: parseApiKeys(engine.config.apiKeys), settings: engine.app.ops.settings })
    await side.register(queueRoutes, { ops: engine.app.ops, clock })
    await side.ready()
    closeSide = () => side.close()
    api = async (method, path, body, key = KEYS.admin) => {
      const res = await side.inject({
        method: method as 'GET',
        url: path,
        headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
      })
      return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined }
    }
  }
})
afterAll(async () => {
  await closeSide()
  await engine?.app.stop()
})

async function queue(id: string) {
  const res = await api('GET', '/api/queues', undefined, KEYS.alice)
  expect(res.status).toBe(200)
  return (res.body.queues as Array<Record<string, unknown>>).find((q) => q.id === id)
}

describe('queues', () => {
  it('creates, replaces, lists with live state, deletes', async () => {
    expect((await api('PUT', '/api/queues/care', care, KEYS.ops)).status).toBe(201)
    const replaced = await api('PUT', '/api/queues/care', { ...care, capacityPerAgent: 2 }, KEYS.ops)
    expect(replaced.status).toBe(200)
    expect(replaced.body).toMatchObject({ id: 'care', capacityPerAgent: 2 })
    expect(await queue('care')).toMatchObject({
      id: 'care',
      timezone: 'Europe/Berlin',
      open: true,
      nextOpeningAt: '2026-03-25T11:00:00.000Z',
      agentsOnShift: 0,
      openTasks: 0,
      capacity: 0,
    })

    expect((await api('PUT', '/api/queues/weekend', { ...care, name: 'Weekend', hours: { sat: [['10:00', '14:00']] }, escalateTo: null }, KEYS.ops)).status).toBe(201)
    expect(await queue('weekend')).toMatchObject({ open: false, nextOpeningAt: '2026-03-28T09:00:00.000Z' })
    expect((await api('DELETE', '/api/queues/weekend', undefined, KEYS.ops)).status).toBe(204)
    expect((await api('DELETE', '/api/queues/weekend', undefined, KEYS.ops)).status).toBe(404)
    expect(await queue('weekend')).toBeUndefined()
  })

  it('rejects invalid queues with field paths', async () => {
    const paths = async (body: unknown) => {
      const res = await api('PUT', '/api/queues/care', body, KEYS.ops)
      expect(res.status, JSON.stringify(res.body)).toBe(400)
      return (res.body.errors as Array<{ path: string }>).map((e) => e.path)
    }
    expect(await paths({ ...care, hours: { mon: [['18:00', '09:00']] } })).toEqual(['/hours/mon/0'])
    expect(await paths({ ...care, timezone: 'Mars/Olympus' })).toEqual(['/timezone'])
    expect(await paths({ ...care, escalateTo: 'care' })).toEqual(['/escalateTo'])
    expect(await paths({ ...care, hours: { mon: [['25:00', '26:00']] } })).toContain('/hours/mon/0/0')
    const { name: _name, ...nameless } = care
    expect(await paths(nameless)).toContain('/name')
    expect((await api('PUT', '/api/queues/Bad%20Id', care, KEYS.ops)).status).toBe(400)
    expect((await api('PUT', '/api/queues/care', care, KEYS.alice)).status).toBe(403)
    expect((await api('DELETE', '/api/queues/care', undefined, KEYS.alice)).status).toBe(403)
  })
})

describe('agents and shifts', () => {
  it('an agent going on shift shows in the queue’s live state, with open tasks and capacity', async () => {
    await api('PUT', '/api/queues/care', care, KEYS.ops)
    const put = await api('PUT', '/api/agents/alice', { displayName: 'Alice', queues: ['care'], skills: ['refunds', 'lang:de'], onShift: false }, KEYS.ops)
    expect(put.status, JSON.stringify(put.body)).toBe(201)
    expect(put.body).toEqual({ id: 'alice', displayName: 'Alice', queues: ['care'], skills: ['refunds', 'lang:de'], onShift: false, capacity: null })
    expect((await api('PUT', '/api/agents/bob', { displayName: 'Bob', queues: ['care'], skills: [], onShift: false, capacity: 5 }, KEYS.ops)).status).toBe(201)
    const agents = await api('GET', '/api/agents', undefined, KEYS.bob)
    expect(agents.body.agents.map((a: { id: string }) => a.id)).toEqual(['alice', 'bob'])

    const on = await api('POST', '/api/agents/alice/shift', { onShift: true }, KEYS.alice)
    expect(on.status, JSON.stringify(on.body)).toBe(200)
    expect(on.body).toMatchObject({ id: 'alice', onShift: true })
    expect(await queue('care')).toMatchObject({ agentsOnShift: 1, capacity: 3, openTasks: 0 })

    const now = clock.now()
    await engine.app.ops.tasks.insert([
      { id: 't-1', idempotencyKey: 't-1', customerId: 'c-1', queue: 'care', priority: 'normal', priorityRank: 20, title: 'Call back', ruleId: 'r', ruleVersion: 1, signal: {}, context: {}, slaDueAt: now + 3_600_000, createdAt: now },
      { id: 't-2', idempotencyKey: 't-2', customerId: 'c-2', queue: 'care', priority: 'normal', priorityRank: 20, title: 'Later', ruleId: 'r', ruleVersion: 1, signal: {}, context: {}, slaDueAt: now + 90_000_000, createdAt: now, availableAt: now + 86_400_000 },
    ])
    expect((await api('POST', '/api/agents/bob/shift', { onShift: true }, KEYS.ops)).status).toBe(200)
    // Bob holds 5 (his own capacity), Alice the queue's 3; the task available tomorrow is not counted yet.
    expect(await queue('care')).toMatchObject({ agentsOnShift: 2, capacity: 8, openTasks: 1 })
  })

  it('live load: unclaimed, claimed and past-SLA tasks per queue, the tasks each agent holds', async () => {
    const now = clock.now()
    const task = (id: string, slaDueAt: number) => ({ id, idempotencyKey: id, customerId: `c-${id}`, queue: 'care', priority: 'normal', priorityRank: 20, title: 'Call', ruleId: 'r', ruleVersion: 1, signal: {}, context: {}, slaDueAt, createdAt: now })
    await engine.app.ops.tasks.insert([task('load-1', now - 60_000), task('load-2', now + 3_600_000)])
    expect((await engine.app.ops.tasks.claim('load-1', 'bob', now)).ok).toBe(true)
    // t-1 of the test before is open too (due in an hour); load-1 is claimed and past its SLA.
    expect(await queue('care')).toMatchObject({ openTasks: 3, unclaimed: 2, claimed: 1, pastSla: 1 })
    const agents = (await api('GET', '/api/agents', undefined, KEYS.alice)).body.agents as Array<{ id: string; claimedTasks: number }>
    expect(agents.map((a) => [a.id, a.claimedTasks])).toEqual([['alice', 0], ['bob', 1]])
  })

  it('an agent may change only their own shift', async () => {
    const res = await api('POST', '/api/agents/alice/shift', { onShift: false }, KEYS.bob)
    expect(res.status).toBe(403)
    expect((await api('POST', '/api/agents/alice/shift', { onShift: false }, KEYS.ops)).status).toBe(200)
    expect((await api('POST', '/api/agents/alice/shift', { onShift: true }, KEYS.admin)).status).toBe(200)
    expect((await api('POST', '/api/agents/nobody/shift', { onShift: true }, KEYS.ops)).status).toBe(404)
    expect((await api('POST', '/api/agents/alice/shift', { onShift: 'maybe' }, KEYS.alice)).status).toBe(400)
    expect((await api('PUT', '/api/agents/bob', { displayName: 'Bob', queues: [], skills: [], onShift: true }, KEYS.bob)).status).toBe(403)
  })
})
