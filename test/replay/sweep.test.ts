// What-if sweep of the delayed-shipment grace over a hand-built history stored through a real
// engine. Every curve point is worked out by hand below; the API answers the same and names the
// field of bad input.
import Fastify, { type FastifyInstance } from 'fastify'
import fc from 'fast-check'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerErrorHandler } from '../../src/api/errors.ts'
import { authPlugin, parseApiKeys } from '../../src/api/plugins/auth.ts'
import { sweepRoutes } from '../../src/api/routes/sweep.ts'
import { ManualClock } from '../../src/lib/clock.ts'
import { sweep, type SweepResult } from '../../src/replay/sweep.ts'
import { setPointer } from '../../src/replay/sweepPointer.ts'
import { startEngine, type TestEngine } from '../support/careloop.ts'
import { wireTrack } from '../support/events.ts'

const MIN = 60_000
const HOUR = 60 * MIN
const DAY = 24 * HOUR
const FROM = Date.UTC(2026, 2, 1)
/** Every parcel's estimate: 09:00 UTC (the shoppers have no zone: UTC, quiet 21:00–08:00). */
const E = Date.UTC(2026, 2, 5, 9, 0)
const TO = E + 4 * DAY

const msg = wireTrack

/**
 * An order estimated for E, scanned out for delivery at 07:00 (so the noon cut-off stays quiet);
 * promised for E, or a day later (`promiseDays`: then a delivery within that day is on time).
 */
function parcel(userId: string, promiseDays = 0): unknown[] {
  const order = `o-${userId}`
  const est = new Date(E).toISOString()
  return [
    { type: 'identify', messageId: `i-${userId}`, userId, traits: { email: `${userId}@example.com` }, timestamp: new Date(E - 4 * DAY).toISOString() },
    msg(userId, 'Order Completed', { order_id: order, total: 40, promised_delivery_at: new Date(E + promiseDays * DAY).toISOString() }, E - 4 * DAY),
    msg(userId, 'Order Shipped', { order_id: order, estimated_delivery_at: est }, E - 2 * DAY),
    msg(userId, 'Shipment Updated', { order_id: order, status: 'out_for_delivery', estimated_delivery_at: est }, E - 2 * HOUR),
  ]
}

// S1 complains at E+2h; S2 at E+6h; S3 at E+10h (none delivered in the period: late parcels).
// S4 is delivered at E+3h, S5 at E+20h (neither complains; both promised for E + 1 day, so on time).
// S6 is refunded at E+30h (a problem; its parcel never came: late too).
const trace = [
  ...parcel('S1'), msg('S1', 'Complaint Filed', { order_id: 'o-S1', topic: 'late' }, E + 2 * HOUR),
  ...parcel('S2'), msg('S2', 'Complaint Filed', { order_id: 'o-S2', topic: 'late' }, E + 6 * HOUR),
  ...parcel('S3'), msg('S3', 'Complaint Filed', { order_id: 'o-S3', topic: 'late' }, E + 10 * HOUR),
  ...parcel('S4', 1), msg('S4', 'Order Delivered', { order_id: 'o-S4' }, E + 3 * HOUR),
  ...parcel('S5', 1), msg('S5', 'Order Delivered', { order_id: 'o-S5' }, E + 20 * HOUR),
  ...parcel('S6'), msg('S6', 'Order Refunded', { order_id: 'o-S6', total: 40 }, E + 30 * HOUR),
]

// A message goes out 5 min (the allowed lateness) after E + grace. A message to a shopper whose
// parcel is late (S1, S2, S3, S6: promised for E, never delivered) is never needless; to S4 and S5
// (on time by their promise) it is, unless they complain.
//  0h  09:05  before S1, S2, S3 (leads 1h55, 5h55, 9h55); to all six; S4, S5 needless
//  4h  13:05  before S2, S3 (1h55, 5h55); S1 too late; S4 delivered: five; S5 needless
//  8h  17:05  before S3 (1h55); S1, S2 too late; five; S5 needless
// 24h  09:05 next day: none before; S5 delivered: four; none needless
const lead = (h: number, m: number) => h * HOUR + m * MIN
const EXPECTED = [
  { value: '0h', preceded: 3, medianLeadMs: lead(5, 55), sent: 6, needless: 2, misses: { sent_after: 0, held: 0, too_late: 0 } },
  { value: '4h', preceded: 2, medianLeadMs: lead(3, 55), sent: 5, needless: 1, misses: { sent_after: 0, held: 0, too_late: 1 } },
  { value: '8h', preceded: 1, medianLeadMs: lead(1, 55), sent: 5, needless: 1, misses: { sent_after: 0, held: 0, too_late: 2 } },
  { value: '24h', preceded: 0, medianLeadMs: null, sent: 4, needless: 0, misses: { sent_after: 0, held: 0, too_late: 3 } },
]
const POINTER = '/triggers/0/absence/grace'

const clock = new ManualClock(TO + DAY)
let engine: TestEngine
let api: FastifyInstance
let result: SweepResult | undefined

beforeAll(async () => {
  engine = await startEngine({ clock })
  const res = await engine.ingest(trace)
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  await engine.app.tick()
  api = Fastify()
  registerErrorHandler(api)
  const { ops, history } = engine.app
  await api.register(authPlugin, { configured: parseApiKeys('ops-key:ops:olivia,agent-key:agent:alice'), settings: ops.settings })
  await api.register(sweepRoutes, { ops, history, clock, logger: pino({ level: 'silent' }) })
  await api.ready()
  result = await sweep({ ops, history, ruleId: 'delayed-shipment', pointer: POINTER, values: EXPECTED.map((p) => p.value), from: FROM, to: TO })
}, 300_000)

afterAll(async () => {
  await api?.close()
  await engine?.app.stop()
})

describe('sweep of the delayed-shipment grace', () => {
  it('returns the expected curve points', () => {
    expect(result?.events).toBe(trace.length)
    expect(result?.rule).toEqual({ id: 'delayed-shipment', version: 1 })
    expect(result?.points.map(({ document: _d, ...p }) => p)).toEqual(EXPECTED)
  })

  it('gives each point the document to save, differing only at the pointer', async () => {
    const stored = (await engine.app.ops.rules.get('delayed-shipment'))?.document as { triggers: Array<{ absence: { grace: string } }> }
    for (const point of result?.points ?? []) {
      const doc = point.document as unknown as typeof stored
      expect(doc.triggers[0]?.absence.grace).toBe(point.value)
      expect({ ...doc, triggers: doc.triggers.slice(1) }).toEqual({ ...stored, triggers: stored.triggers.slice(1) })
    }
  })
})

describe('POST /api/rules/:id/sweep', () => {
  const post = (url: string, payload: unknown, key = 'ops-key') =>
    api.inject({ method: 'POST', url, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, payload: JSON.stringify(payload) })

  it('answers the same points', async () => {
    const res = await post('/api/rules/delayed-shipment/sweep', { pointer: POINTER, values: ['0h', '8h'], from: new Date(FROM).toISOString(), to: TO })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json().points.map((p: { value: string; preceded: number; needless: number }) => [p.value, p.preceded, p.needless])).toEqual([['0h', 3, 2], ['8h', 1, 1]])
  }, 120_000)

  it('names the field of bad input, and is for ops only', async () => {
    const url = '/api/rules/delayed-shipment/sweep'
    const paths = async (body: unknown) => {
      const res = await post(url, body)
      expect(res.statusCode, res.body).toBe(400)
      return [...new Set(res.json().errors.map((e: { path: string }) => e.path))]
    }
    expect(await paths({ pointer: '/triggers/9/absence/grace', values: ['1h'], from: FROM, to: TO })).toEqual(['/pointer'])
    expect(await paths({ pointer: 'triggers', values: ['1h'], from: FROM, to: TO })).toEqual(['/pointer'])
    expect(await paths({ pointer: POINTER, values: ['1h', 'soon', 5], from: FROM, to: TO })).toEqual(['/values/1', '/values/2'])
    expect(await paths({ pointer: '/id', values: ['other'], from: FROM, to: TO })).toEqual(['/pointer'])
    expect(await paths({ pointer: POINTER, values: ['1h'], from: TO, to: FROM })).toEqual(['/from'])
    expect(await paths({ pointer: POINTER, values: ['1h'], follow: 'ever' })).toEqual(['/follow'])
    expect((await post('/api/rules/nope/sweep', { pointer: POINTER, values: ['1h'] })).statusCode).toBe(404)
    expect((await post(url, { pointer: POINTER, values: ['1h'] }, 'agent-key')).statusCode).toBe(403)
  })
})

describe('hostile sweep requests', () => {
  it('answer 4xx, never 5xx', async () => {
    const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 20 }), fc.constantFrom('/__proto__/x', '/constructor', '/triggers/0/absence/__proto__', '/~2', '/triggers/-1', '\u0000', '/when/gte'))
    const body = fc.record(
      {
        pointer: text,
        values: fc.array(fc.oneof(fc.jsonValue(), text), { minLength: 0, maxLength: 3 }),
        document: fc.oneof(fc.constant(undefined), fc.object(), text),
        from: fc.oneof(fc.integer(), text),
        to: fc.oneof(fc.integer(), text),
        follow: text,
        horizon: text,
      },
      { requiredKeys: ['pointer', 'values'] },
    )
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('delayed-shipment', 'nope', '__proto__'), body, async (id, payload) => {
        const res = await api.inject({ method: 'POST', url: `/api/rules/${encodeURIComponent(id)}/sweep`, headers: { authorization: 'Bearer ops-key', 'content-type': 'application/json' }, payload: JSON.stringify(payload) })
        expect(res.statusCode, res.body).toBeLessThan(500)
      }),
      { numRuns: 40, seed: 17 },
    )
  }, 300_000)
})

describe('setPointer', () => {
  it('sets own keys only, on a copy, whatever the segment names', () => {
    fc.assert(
      fc.property(fc.string(), fc.jsonValue(), (key, value) => {
        const doc = { a: { b: [1, 2] } }
        const escaped = key.replace(/~/g, '~0').replace(/\//g, '~1')
        const set = setPointer(doc, `/a/${escaped}`, value)
        expect(set.ok).toBe(true)
        if (!set.ok) return
        const a = (set.document as { a: Record<string, unknown> }).a
        expect(Object.hasOwn(a, key)).toBe(true)
        expect(a[key]).toEqual(value)
        expect(doc).toEqual({ a: { b: [1, 2] } })
        expect(({} as Record<string, unknown>).polluted).toBeUndefined()
      }),
    )
    expect(setPointer({ a: [1] }, '/a/1', 2)).toEqual({ ok: false, error: '/a/1: no such item (the list has 1)' })
    expect(setPointer({ a: 1 }, '/a/b', 2)).toEqual({ ok: false, error: '/a/b: its parent is not an object or a list' })
    expect(setPointer({ a: 1 }, '/x/y', 2)).toEqual({ ok: false, error: '/x: no such field in the rule' })
  })
})
