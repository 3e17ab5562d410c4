// Holdout and lift end to end: a rule with a 10 % holdout on 2,000 shoppers in a world where being
// contacted halves complaints. The lift report finds the reduction with an interval excluding 0,
// and held-out shoppers get nothing. Real engine and stores, manual clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { inHoldout } from '../../src/rules/index.ts'
import { KEYS, startEngine, type TestEngine } from '../support/careloop.ts'

const T0 = Date.parse('2026-05-04T10:00:00Z')
const DAY = 86_400_000
const SHOPPERS = 2_000
const clock = new ManualClock(T0)
let engine: TestEngine

/** mulberry32: a seeded generator, so the trace is the same on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const ids = Array.from({ length: SHOPPERS }, (_, i) => `hold-${String(i).padStart(4, '0')}`)
const held = new Set(ids.filter((id) => inHoldout('late-apology', id, 0.1)))

beforeAll(async () => {
  engine = await startEngine({ clock })
  const rule = {
    id: 'late-apology',
    name: 'Apologise for a late parcel',
    holdout: 0.1,
    triggers: [{ event: 'Shipment Updated', when: { fact: 'properties.status', eq: 'delayed' } }],
    actions: [{ nudge: { channel: 'email', template: 'delayed-shipment' } }],
  }
  expect((await engine.api('POST', '/api/rules', rule, KEYS.ops)).status).toBe(201)
  const next = random(42)
  const iso = (ms: number) => new Date(ms).toISOString()
  const messages: unknown[] = []
  ids.forEach((id, i) => {
    messages.push({ type: 'identify', messageId: `id-${id}`, userId: id, traits: { email: `${id}@example.com` }, timestamp: iso(T0) })
    messages.push({ type: 'track', messageId: `late-${id}`, userId: id, event: 'Shipment Updated', properties: { order_id: `O-${i}`, status: 'delayed' }, timestamp: iso(T0 + i * 1000) })
    // The world: a contacted shopper complains half as often as one left in the dark.
    if (next() < (held.has(id) ? 0.3 : 0.15)) {
      messages.push({ type: 'track', messageId: `complaint-${id}`, userId: id, event: 'Complaint Filed', properties: { order_id: `O-${i}`, topic: 'delivery', text: 'still waiting' }, timestamp: iso(T0 + 3 * DAY) })
    }
  })
  for (let i = 0; i < messages.length; i += 500) expect((await engine.ingest(messages.slice(i, i + 500))).status).toBe(200)
  await engine.app.tick()
  clock.set(T0 + 20 * DAY)
}, 120_000)
afterAll(async () => {
  await engine?.app.stop()
})

describe('holdout lift', () => {
  it('shows fewer complaints among contacted shoppers, with a 95 % interval below zero', async () => {
    const res = await engine.api('GET', '/api/analytics/lift?rule=late-apology&outcome=Complaint%20Filed&within=14d&days=30', undefined, KEYS.ops)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const report = res.body
    expect(report.heldOut.n).toBe(held.size)
    expect(report.contacted.n).toBe(SHOPPERS - held.size)
    expect(report.heldOut.n / SHOPPERS).toBeGreaterThan(0.08)
    expect(report.heldOut.n / SHOPPERS).toBeLessThan(0.12)
    expect(report.difference).toBeLessThan(0)
    expect(report.interval[1]).toBeLessThan(0)
    expect(report.significant).toBe(true)
  })

  it('sends nothing to held-out shoppers and records why', async () => {
    const outbox = await engine.app.ops.outbox.list({ limit: 5000 })
    const contactedIds = new Set(outbox.filter((o) => o.ruleId === 'late-apology').map((o) => o.customerId))
    expect(contactedIds.size).toBe(SHOPPERS - held.size)
    for (const id of held) expect(contactedIds.has(id)).toBe(false)
    const sample = [...held][0] as string
    const moments = (await engine.api('GET', `/api/customers/${sample}/explain`, undefined, KEYS.ops)).body.moments
    expect(moments[0]).toMatchObject({ ruleId: 'late-apology', outcome: 'suppressed', reason: 'holdout' })
  })

  it('needs an outcome and is for ops', async () => {
    expect((await engine.api('GET', '/api/analytics/lift?rule=late-apology', undefined, KEYS.ops)).status).toBe(400)
    expect((await engine.api('GET', '/api/analytics/lift?rule=late-apology&outcome=x', undefined, KEYS.alice)).status).toBe(403)
  })
})
