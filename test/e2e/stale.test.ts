// Old moments stay quiet: a moment older than its rule's maximum age (a shop loading its
// history, a backlog after an outage) is recorded as stale — visible in the explain API and the
// suppression figures — and nothing is sent; it does not count against a later, fresh moment.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { startEngine, type TestEngine } from '../support/careloop.ts'

const MIN = 60_000
const HOUR = 60 * MIN
const DAY = 24 * HOUR
const clock = new ManualClock(Date.UTC(2026, 5, 20, 10, 0, 0))
let engine: TestEngine

beforeAll(async () => {
  engine = await startEngine({ clock })
})
afterAll(async () => {
  await engine?.app.stop()
})

function msg(userId: string, event: string, properties: Record<string, unknown>, at: number) {
  return { type: 'track', messageId: randomUUID(), userId, event, properties, timestamp: new Date(at).toISOString() }
}

async function feed(...messages: unknown[]) {
  const res = await engine.ingest(messages)
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  await engine.app.tick()
}

const templates = async (customerId: string) => (await engine.app.ops.outbox.list({ customerId })).map((o) => o.template)

describe('maximum age', () => {
  it('records a month-old failed payment as stale and sends nothing; a fresh one the next day is sent', async () => {
    const id = `st-${randomUUID().slice(0, 8)}`
    await feed(msg(id, 'Payment Failed', { order_id: 'o1' }, clock.now() - 30 * DAY))
    expect(await templates(id)).toEqual([])
    const explained = await engine.api('GET', `/api/customers/${id}/explain`)
    expect(explained.status).toBe(200)
    const moment = explained.body.moments.find((m: { ruleId: string }) => m.ruleId === 'payment-failed')
    expect(moment.reason).toBe('stale')
    expect(moment.summary).toMatch(/stale — the moment is older than the rule's maximum age/)

    await feed(msg(id, 'Payment Failed', { order_id: 'o2' }, clock.now() - 5 * MIN))
    expect(await templates(id)).toEqual(['payment-failed'])
  })

  it('an absence already past its maximum age when its timer fires is stale (a loaded history sends nothing)', async () => {
    const id = `st-${randomUUID().slice(0, 8)}`
    await feed(msg(id, 'Checkout Started', { checkout_id: 'k1', value: 50 }, clock.now() - 3 * DAY))
    clock.advance(2 * HOUR)
    await engine.app.tick()
    expect(await templates(id)).toEqual([])
    const explained = await engine.api('GET', `/api/customers/${id}/explain`)
    expect(explained.body.moments.map((m: { ruleId: string; reason: string }) => `${m.ruleId}:${m.reason}`)).toContain('abandoned-checkout:stale')
  })

  it('uses the rule’s own maxAge over the default for its tag', async () => {
    const rule = {
      id: `old-dwell-${randomUUID().slice(0, 6)}`,
      name: 'Dwell, even a day late',
      triggers: [{ event: 'Product Viewed' }],
      when: { fact: 'properties.dwell_ms', gte: 1 },
      actions: [{ nudge: { channel: 'email', template: 'long-dwell' } }],
      tags: ['browsing'],
      maxAge: '2d',
    }
    const created = await engine.api('POST', '/api/rules', rule)
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    expect((await engine.api('POST', `/api/rules/${rule.id}/enable`)).status).toBe(200)
    const id = `st-${randomUUID().slice(0, 8)}`
    // 20 h old: past the starter long-dwell rule's browsing default (2 h), within this rule's 2 d.
    await feed(msg(id, 'Product Viewed', { product_id: 'p1', dwell_ms: 200_000 }, clock.now() - 20 * HOUR))
    const rows = await engine.app.ops.outbox.list({ customerId: id })
    expect(rows.map((o) => `${o.ruleId}:${o.template}`)).toEqual([`${rule.id}:long-dwell`])
    expect((await engine.api('POST', '/api/rules/validate', { ...rule, maxAge: 'soon' })).body.errors).toEqual([expect.objectContaining({ path: '/maxAge' })])
  })
})
