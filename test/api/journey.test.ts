// The shopper journey API on a real engine (manual clock): one rule sends an email, another does
// not because a condition fails, and the journey says which condition and what it read; the
// search finds the shopper by id and by email in any case; agents may read it; hostile ids and
// queries never answer 5xx.
import { randomUUID } from 'node:crypto'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { KEYS, startEngine, type TestEngine } from '../support/careloop.ts'
import { encodePathSegment } from '../support/pathSegment.ts'

const clock = new ManualClock(Date.UTC(2026, 6, 1, 9))
let engine: TestEngine

const SENDS = { id: 'jr-thanks', name: 'Thanks after delivery', triggers: [{ event: 'Order Delivered' }], actions: [{ nudge: { channel: 'email', template: 'long-dwell', topic: 'care' } }] }
const BIG_ORDERS = {
  id: 'jr-big-order',
  name: 'Big order care',
  triggers: [{ event: 'Order Delivered', when: { fact: 'properties.total', gt: 0 } }],
  when: { all: [{ fact: 'traits.vip', eq: true }, { fact: 'properties.total', gte: 500 }] },
  actions: [{ task: { queue: 'jr', priority: 'normal', sla: '4h' } }],
}
const NEVER = { id: 'jr-refund', name: 'Refund follow-up', triggers: [{ event: 'Refund Issued' }], actions: [{ task: { queue: 'jr', priority: 'normal', sla: '4h' } }] }

beforeAll(async () => {
  engine = await startEngine({ clock })
  for (const rule of [SENDS, BIG_ORDERS, NEVER]) {
    const res = await engine.api('POST', '/api/rules', rule, KEYS.ops)
    expect(res.status, JSON.stringify(res.body)).toBe(201)
  }
  const ts = new Date(clock.now()).toISOString()
  const res = await engine.ingest([
    { type: 'identify', messageId: randomUUID(), userId: 'jr-mei', traits: { email: 'Mei.Lin@Example.com', name: 'Mei Lin', vip: true }, timestamp: ts },
    { type: 'track', messageId: randomUUID(), userId: 'jr-mei', event: 'Order Placed', properties: { order_id: 'O-2', total: 80 }, timestamp: ts },
    { type: 'track', messageId: 'jr-delivered', userId: 'jr-mei', event: 'Order Delivered', properties: { order_id: 'O-1', total: 120 }, timestamp: ts },
  ])
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  await engine.app.tick()
})
afterAll(async () => {
  await engine?.app.stop()
})

describe('GET /api/customers/:id/journey', () => {
  it('shows the message sent, the open order, and why the other rules did not fire', async () => {
    const res = await engine.api('GET', '/api/customers/jr-mei/journey', undefined, KEYS.alice)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const j = res.body
    expect(j.found).toBe(true)
    expect(j.profile.traits.name).toBe('Mei Lin')
    expect(j.openOrders.map((o: { order_id: string }) => o.order_id)).toEqual(['O-2'])
    expect(j.messages).toHaveLength(1)
    expect(j.messages[0]).toMatchObject({ ruleId: 'jr-thanks', channel: 'email', template: 'long-dwell' })
    expect(['sent', 'pending', 'sending']).toContain(j.messages[0].status)
    expect(j.tasks).toEqual([])
    const byRule = new Map(j.rules.map((r: { ruleId: string }) => [r.ruleId, r]))
    expect(byRule.get('jr-thanks')).toMatchObject({ verdict: 'held', event: { name: 'Order Delivered', messageId: 'jr-delivered' }, checks: [] })
    expect(byRule.get('jr-big-order')).toEqual({
      ruleId: 'jr-big-order',
      version: 1,
      name: 'Big order care',
      verdict: 'failed',
      events: ['Order Delivered'],
      event: { name: 'Order Delivered', ts: clock.now(), messageId: 'jr-delivered' },
      failed: '/when/all/1',
      checks: [
        { path: '/triggers/0/when', condition: { fact: 'properties.total', gt: 0 }, held: true, value: 120 },
        { path: '/when/all/0', condition: { fact: 'traits.vip', eq: true }, held: true, value: true },
        { path: '/when/all/1', condition: { fact: 'properties.total', gte: 500 }, held: false, value: 120 },
      ],
    })
    expect(byRule.get('jr-refund')).toMatchObject({ verdict: 'no_event', events: ['Refund Issued'], checks: [] })
  })

  it('answers an unknown shopper with found: false, and refuses a request without a key', async () => {
    const res = await engine.api('GET', '/api/customers/nobody-here/journey', undefined, KEYS.ops)
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ found: false, profile: null, messages: [], tasks: [], openOrders: [] })
    expect(res.body.rules.every((r: { verdict: string }) => r.verdict === 'no_event')).toBe(true)
    expect((await engine.api('GET', '/api/customers/jr-mei/journey', undefined, '')).status).toBe(401)
  })
})

describe('GET /api/customers?q=', () => {
  it('finds a shopper by exact id or by email in any case, and nothing for a part', async () => {
    const mei = { customerId: 'jr-mei', name: 'Mei Lin', email: 'Mei.Lin@Example.com' }
    expect((await engine.api('GET', '/api/customers?q=jr-mei', undefined, KEYS.alice)).body).toEqual({ matches: [mei] })
    expect((await engine.api('GET', `/api/customers?q=${encodeURIComponent(' mei.lin@example.COM ')}`, undefined, KEYS.ops)).body).toEqual({ matches: [mei] })
    expect((await engine.api('GET', '/api/customers?q=jr-me', undefined, KEYS.ops)).body).toEqual({ matches: [] })
    const empty = await engine.api('GET', '/api/customers?q=', undefined, KEYS.ops)
    expect(empty.status).toBe(400)
    expect(JSON.stringify(empty.body)).toContain('q')
  })
})

const piece = fc.constantFrom('\u0000', '\ud800', '\udfff', '__proto__', 'constructor', 'toString', '/', '%', '?', '#', '..', 'anon:', '@', "'", '"', '\\', ' ', 'x', '😀', 'jr-mei')
const hostile = fc.oneof(fc.array(piece, { minLength: 1, maxLength: 8 }).map((parts) => parts.join('')), fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }))

describe('hostile ids and queries', () => {
  it('never answer 5xx', { timeout: 120_000 }, async () => {
    const get = (url: string) => engine.app.server.inject({ method: 'GET', url, headers: { authorization: `Bearer ${KEYS.ops}` } })
    await fc.assert(
      fc.asyncProperty(hostile, async (text) => {
        const journey = await get(`/api/customers/${encodePathSegment(text)}/journey`)
        expect(journey.statusCode, journey.body).toBeLessThan(500)
        if (journey.statusCode === 200) expect(Array.isArray(journey.json().rules)).toBe(true)
        const search = await get(`/api/customers?q=${encodePathSegment(text)}`)
        expect(search.statusCode, search.body).toBeLessThan(500)
        if (search.statusCode === 400) expect(search.json().errors?.length ?? 0).toBeGreaterThan(0)
      }),
      { numRuns: 60, seed: 18 },
    )
  })
})
