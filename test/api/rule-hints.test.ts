// Hints beside the errors when a rule is validated: an event name the shop has not sent in the
// last 30 days, and an event property its trigger's recent events do not carry, each with the
// nearest name that was seen. Hints never refuse a rule, and a shop with no history gets none.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { KEYS, startEngine, type TestEngine } from '../support/careloop.ts'

const clock = new ManualClock(Date.UTC(2026, 6, 1, 10))
let engine: TestEngine

const rule = (event: string, property: string) => ({
  id: 'retry-reminder',
  name: 'Retry reminder',
  triggers: [{ event, entity: 'order_id' }],
  when: { all: [{ fact: `properties.${property}`, gte: 10 }, { count: { event: 'Order Completd', within: '7d' }, eq: 0 }] },
  actions: [{ nudge: { channel: 'email', template: 'payment-failed' } }],
})

beforeAll(async () => {
  engine = await startEngine({ clock })
})
afterAll(async () => {
  await engine?.app.stop()
})

describe('rule hints', () => {
  it('none before the shop has sent anything', async () => {
    const res = await engine.api('POST', '/api/rules/validate', rule('Payment Faild', 'amout'), KEYS.ops)
    expect(res.body).toMatchObject({ valid: true, errors: [], hints: [] })
  })

  it('name unseen events and properties with the nearest seen name; known names get none', async () => {
    const at = new Date(clock.now()).toISOString()
    const userId = `c-${randomUUID()}`
    const sent = await engine.ingest([
      { type: 'track', messageId: randomUUID(), userId, event: 'Payment Failed', properties: { order_id: 'o-1', amount: 25 }, timestamp: at },
      { type: 'track', messageId: randomUUID(), userId, event: 'Order Completed', properties: { order_id: 'o-1', total: 25 }, timestamp: at },
    ])
    expect(sent.status).toBe(200)
    await engine.app.tick()

    const typos = await engine.api('POST', '/api/rules/validate', rule('Payment Faild', 'amout'), KEYS.ops)
    expect(typos.body.valid).toBe(true)
    expect(typos.body.hints).toEqual([
      { path: '/triggers/0/event', message: '"Payment Faild" was not sent in the last 30 days; did you mean "Payment Failed"?' },
      { path: '/when/all/1/count/event', message: '"Order Completd" was not sent in the last 30 days; did you mean "Order Completed"?' },
    ])
    const property = await engine.api('POST', '/api/rules/validate', rule('Payment Failed', 'amout'), KEYS.ops)
    expect(property.body.hints).toContainEqual({ path: '/when/all/0/fact', message: 'recent "Payment Failed" events have no property "amout"; did you mean "properties.amount"?' })
    const fixed = rule('Payment Failed', 'amount')
    fixed.when.all[1] = { count: { event: 'Order Completed', within: '7d' }, eq: 0 }
    expect((await engine.api('POST', '/api/rules/validate', fixed, KEYS.ops)).body).toMatchObject({ valid: true, hints: [] })
    // A hint does not stop saving.
    expect((await engine.api('POST', '/api/rules', rule('Payment Faild', 'amout'), KEYS.ops)).status).toBe(201)
  })
})
