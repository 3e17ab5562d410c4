// Event time decides absences: a wait already due when it is armed gives the events that could
// end it the allowed lateness (settle) to arrive, and an awaited event that happened since the wait
// began ends it even when it arrived first. Real engine and stores; a manual clock.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { startEngine, type TestEngine } from '../support/careloop.ts'

const SEC = 1_000
const MIN = 60 * SEC
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

function shopper() {
  const id = `et-${randomUUID().slice(0, 8)}`
  const msg = (event: string, properties: Record<string, unknown>, at: number) => ({ type: 'track', messageId: randomUUID(), userId: id, event, properties, timestamp: new Date(at).toISOString() })
  const identify = { type: 'identify', messageId: randomUUID(), userId: id, traits: { email: `${id}@example.com` }, timestamp: new Date(clock.now() - 10 * DAY).toISOString() }
  return { id, msg, identify }
}

async function feed(...messages: unknown[]) {
  const res = await engine.ingest(messages)
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  await engine.app.tick()
}

async function effects(customerId: string) {
  const outbox = (await engine.app.ops.outbox.list({ customerId })).map((o) => o.template)
  const tasks = (await engine.app.ops.tasks.list({ customerId })).map((t) => t.queue)
  return { outbox, tasks }
}

/** A big order shipped four days ago with an estimate two days ago: already late when it arrives. */
function pastDueShipment(s: ReturnType<typeof shopper>, order: string) {
  const now = clock.now()
  return [
    s.identify,
    s.msg('Order Completed', { order_id: order, total: 800, currency: 'EUR' }, now - 5 * DAY),
    s.msg('Order Shipped', { order_id: order, estimated_delivery_at: new Date(now - 2 * DAY).toISOString() }, now - 4 * DAY),
  ]
}

describe('event time decides absences', () => {
  it('a delivery arriving seconds after a past-due shipment, in a separate request, sends nothing', async () => {
    const s = shopper()
    await feed(...pastDueShipment(s, 'A1'))
    clock.advance(3 * SEC)
    await feed(s.msg('Order Delivered', { order_id: 'A1' }, clock.now() - 3 * DAY))
    clock.advance(10 * MIN)
    await engine.app.tick()
    expect(await effects(s.id)).toEqual({ outbox: [], tasks: [] })
  })

  it('without the delivery, the same late parcel gets its apology and task once the settle window passed, dated at the due time', async () => {
    const s = shopper()
    await feed(...pastDueShipment(s, 'B1'))
    expect(await effects(s.id)).toEqual({ outbox: [], tasks: [] })
    clock.advance(4 * MIN)
    await engine.app.tick()
    expect((await effects(s.id)).outbox).toEqual([])
    clock.advance(2 * MIN)
    await engine.app.tick()
    expect(await effects(s.id)).toEqual({ outbox: ['delayed-shipment'], tasks: ['delivery-care'] })
    const [task] = await engine.app.ops.tasks.list({ customerId: s.id })
    // The moment is when the parcel was due (estimate + 12 h grace), not when the timer fired.
    expect((task?.signal as { at: number }).at).toBe(clock.now() - 6 * MIN - 2 * DAY + 12 * HOUR)
  })

  it('a late-parcel task closes itself when the parcel is delivered, saying so to the agent', async () => {
    const s = shopper()
    await feed(...pastDueShipment(s, 'E1'))
    clock.advance(6 * MIN)
    await engine.app.tick()
    const [open] = await engine.app.ops.tasks.list({ customerId: s.id })
    expect(open?.status).toBe('open')
    // Another order's delivery leaves it alone.
    await feed(s.msg('Order Delivered', { order_id: 'E2' }, clock.now()))
    expect((await engine.app.ops.tasks.list({ customerId: s.id }))[0]?.status).toBe('open')

    await feed(s.msg('Order Delivered', { order_id: 'E1' }, clock.now()))
    const [closed] = await engine.app.ops.tasks.list({ customerId: s.id })
    expect(closed).toMatchObject({ status: 'resolved', outcome: 'resolved_by_event', resolvedBy: 'careloop' })
    expect(closed?.note).toMatch(/^Order Delivered at /)
    const timeline = await engine.api('GET', `/api/customers/${s.id}/timeline`)
    expect(JSON.stringify(timeline.body)).toContain('resolved_by_event')
  })

  it('the hand-off mentions the apology only when it really went out', async () => {
    const optedOut = shopper()
    const reached = shopper()
    expect((await engine.api('PUT', `/api/customers/${optedOut.id}/preferences`, { channels: { email: { care: false } } })).status).toBe(200)
    await feed(...pastDueShipment(optedOut, 'H1'), ...pastDueShipment(reached, 'H2'))
    clock.advance(6 * MIN)
    await engine.app.tick()
    const opener = async (id: string) => {
      const [task] = await engine.app.ops.tasks.list({ customerId: id })
      const res = await engine.api('GET', `/api/tasks/${task?.id}/context`)
      expect(res.status).toBe(200)
      return res.body.suggestedOpening.text as string
    }
    expect((await engine.app.ops.outbox.list({ customerId: optedOut.id })).map((o) => o.status)).toEqual(['skipped'])
    expect(await opener(optedOut.id)).not.toMatch(/emailed/)
    expect(await opener(reached.id)).toMatch(/emailed you about it/)
  })

  it('a delivery that arrives before its shipment event (out of order) ends the wait before it starts', async () => {
    const s = shopper()
    const [identify, completed, shipped] = pastDueShipment(s, 'C1')
    await feed(identify, completed, s.msg('Order Delivered', { order_id: 'C1' }, clock.now() - 3 * DAY))
    await feed(shipped)
    clock.advance(HOUR)
    await engine.app.tick()
    expect(await effects(s.id)).toEqual({ outbox: [], tasks: [] })
    expect(await engine.app.ops.engine.pendingTimerCount()).toBe(0)
  })

  it('an awaited event from before the wait began does not end it', async () => {
    const s = shopper()
    const now = clock.now()
    await feed(
      s.identify,
      // An earlier delivery of the same order id (a re-shipment follows).
      s.msg('Order Delivered', { order_id: 'D1' }, now - 6 * DAY),
      s.msg('Order Completed', { order_id: 'D1', total: 30 }, now - 7 * DAY),
      s.msg('Order Shipped', { order_id: 'D1', estimated_delivery_at: new Date(now - DAY).toISOString() }, now - 3 * DAY),
    )
    clock.advance(6 * MIN)
    await engine.app.tick()
    expect((await effects(s.id)).outbox).toEqual(['delayed-shipment'])
  })

  it('a late parcel on a 1,200 CNY order (≈ 170 USD in this USD shop) gets the apology but no big-order task; 4,000 CNY does', async () => {
    const small = shopper()
    const large = shopper()
    const now = clock.now()
    for (const [s, total] of [[small, 1200], [large, 4000]] as const) {
      await feed(
        s.identify,
        s.msg('Order Completed', { order_id: `Y${total}`, total, currency: 'CNY' }, now - 5 * DAY),
        s.msg('Order Shipped', { order_id: `Y${total}`, estimated_delivery_at: new Date(now - DAY).toISOString() }, now - 4 * DAY),
      )
    }
    clock.advance(6 * MIN)
    await engine.app.tick()
    expect(await effects(small.id)).toEqual({ outbox: ['delayed-shipment'], tasks: [] })
    expect(await effects(large.id)).toEqual({ outbox: ['delayed-shipment'], tasks: ['delivery-care'] })
  })

  it('validates the settle window at its field', async () => {
    const rule = {
      id: 'settle-check',
      name: 'x',
      triggers: [{ absence: { start: ['A'], awaited: ['B'], entity: 'k', after: '1h', settle: 'later' } }],
      actions: [{ nudge: { channel: 'email', template: 'long-dwell' } }],
    }
    const res = await engine.api('POST', '/api/rules/validate', rule)
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain('/triggers/0/absence/settle')
    const ok = await engine.api('POST', '/api/rules/validate', { ...rule, triggers: [{ absence: { ...rule.triggers[0]?.absence, settle: '0s' } }] })
    expect(ok.body.errors ?? []).toEqual([])
  })
})
