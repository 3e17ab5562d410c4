// Each starter rule fires on its scenario and stays quiet on a near miss. Real engine, real
// stores, real SMTP; time is a manual clock.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { startEngine, type TestEngine } from '../support/careloop.ts'
import { startMailSink, type MailSink } from '../support/smtp.ts'

const MIN = 60_000
const HOUR = 60 * MIN
const DAY = 24 * HOUR
const START = Date.UTC(2026, 5, 1, 8, 0, 0)

let mail: MailSink
let engine: TestEngine
const clock = new ManualClock(START)

beforeAll(async () => {
  mail = await startMailSink()
  engine = await startEngine({ clock, smtpUrl: mail.url })
})
afterAll(async () => {
  await engine?.app.stop()
  await mail?.close()
})

/** A shopper with a fresh id, so scenarios never see each other's state. */
function shopper(traits: Record<string, unknown> = {}) {
  const id = `s-${randomUUID().slice(0, 8)}`
  const msg = (event: string, properties: Record<string, unknown>, at: number) => ({
    type: 'track',
    messageId: randomUUID(),
    userId: id,
    event,
    properties,
    timestamp: new Date(at).toISOString(),
  })
  return {
    id,
    identify: (at = clock.now()) => ({ type: 'identify', messageId: randomUUID(), userId: id, traits: { email: `${id}@example.com`, locale: 'en', ...traits }, timestamp: new Date(at).toISOString() }),
    msg,
  }
}

async function feed(...messages: unknown[]): Promise<void> {
  const res = await engine.ingest(messages)
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  await engine.app.tick()
}

async function effectsOf(customerId: string) {
  const outbox = await engine.app.ops.outbox.list({ customerId })
  const tasks = await engine.app.ops.tasks.list({ customerId })
  return { emails: outbox.map((o) => o.template), tasks: tasks.map((t) => `${t.queue}/${t.priority}`), outbox, taskRows: tasks }
}

describe('delayed shipment', () => {
  it('apologises at once when the carrier reports a delay, and does not apologise twice for the order', async () => {
    const s = shopper()
    const t = clock.now()
    await feed(
      s.identify(t),
      s.msg('Order Completed', { order_id: 'D1', total: 80 }, t),
      s.msg('Order Shipped', { order_id: 'D1', estimated_delivery_at: new Date(t + 2 * DAY).toISOString() }, t + HOUR),
      s.msg('Shipment Updated', { order_id: 'D1', status: 'delayed', estimated_delivery_at: new Date(t + 4 * DAY).toISOString() }, t + DAY),
    )
    expect((await effectsOf(s.id)).emails).toEqual(['delayed-shipment'])
    // The new ETA passes too: the per-order "once" guard holds.
    clock.set(t + 5 * DAY)
    await engine.app.tick()
    const fx = await effectsOf(s.id)
    expect(fx.emails).toEqual(['delayed-shipment'])
    expect(fx.tasks).toEqual([]) // small order, not a VIP: the bot handles it
    expect(fx.outbox[0]?.payload.vars.order?.estimated_delivery_at).toBe(t + 4 * DAY)
  })

  it('stays quiet for an in-transit update', async () => {
    const s = shopper()
    const t = clock.now()
    await feed(s.identify(t), s.msg('Order Completed', { order_id: 'D2', total: 80 }, t), s.msg('Shipment Updated', { order_id: 'D2', status: 'in_transit' }, t + HOUR))
    expect((await effectsOf(s.id)).emails).toEqual([])
  })

  it('adds a person for a VIP even on a small order', async () => {
    const s = shopper({ vip: true })
    const t = clock.now()
    await feed(s.identify(t), s.msg('Order Completed', { order_id: 'D3', total: 40 }, t), s.msg('Shipment Updated', { order_id: 'D3', status: 'exception' }, t + HOUR))
    expect(await effectsOf(s.id)).toMatchObject({ emails: ['delayed-shipment'], tasks: ['delivery-care/high'] })
  })
})

describe('delayed shipment: earlier signals', () => {
  it('apologises when no out-for-delivery scan came by noon (shopper time) on the estimated day, not before', async () => {
    const s = shopper({ timezone: 'Europe/Berlin' })
    const quiet = shopper({ timezone: 'Europe/Berlin' })
    const t = clock.now()
    const day = Date.UTC(new Date(t).getUTCFullYear(), new Date(t).getUTCMonth(), new Date(t).getUTCDate() + 2)
    const estimate = new Date(day + 19 * HOUR).toISOString() // 21:00 in Berlin (CEST)
    await feed(
      s.identify(t),
      s.msg('Order Completed', { order_id: 'N1', total: 80, promised_delivery_at: estimate }, t),
      s.msg('Order Shipped', { order_id: 'N1', estimated_delivery_at: estimate }, t + HOUR),
      quiet.identify(t),
      quiet.msg('Order Completed', { order_id: 'N2', total: 80, promised_delivery_at: estimate }, t),
      quiet.msg('Order Shipped', { order_id: 'N2', estimated_delivery_at: estimate }, t + HOUR),
    )
    clock.set(day + 7 * HOUR) // 09:00 in Berlin: the van is loaded
    await feed(quiet.msg('Shipment Updated', { order_id: 'N2', status: 'out_for_delivery', estimated_delivery_at: new Date(day + 17 * HOUR).toISOString() }, clock.now()))
    clock.set(day + 10 * HOUR - MIN) // 11:59 in Berlin
    await engine.app.tick()
    expect((await effectsOf(s.id)).emails).toEqual([])
    clock.set(day + 10 * HOUR + 6 * MIN) // noon + the allowed lateness
    await engine.app.tick()
    expect((await effectsOf(s.id)).emails).toEqual(['delayed-shipment'])
    expect((await effectsOf(quiet.id)).emails).toEqual([])
  })

  it('apologises at once for a new estimate past the promise, and not for one within it', async () => {
    const s = shopper()
    const ok = shopper()
    const t = clock.now()
    const promise = t + 3 * DAY
    for (const [who, id] of [[s, 'E1'], [ok, 'E2']] as const) {
      await feed(
        who.identify(t),
        who.msg('Order Completed', { order_id: id, total: 80, promised_delivery_at: new Date(promise).toISOString() }, t),
        who.msg('Order Shipped', { order_id: id, estimated_delivery_at: new Date(promise - DAY).toISOString() }, t + HOUR),
      )
    }
    await feed(
      s.msg('Shipment Updated', { order_id: 'E1', status: 'in_transit', estimated_delivery_at: new Date(promise + 2 * DAY).toISOString() }, t + 2 * HOUR),
      ok.msg('Shipment Updated', { order_id: 'E2', status: 'in_transit', estimated_delivery_at: new Date(promise).toISOString() }, t + 2 * HOUR),
    )
    expect((await effectsOf(s.id)).emails).toEqual(['delayed-shipment'])
    expect((await effectsOf(ok.id)).emails).toEqual([])
  })
})

describe('repeat returns', () => {
  it('opens a returns-care task on the third return within 90 days, without a bot email', async () => {
    const s = shopper()
    const t = clock.now()
    await feed(s.identify(t), s.msg('Return Requested', { order_id: 'R1', product_id: 'p1' }, t), s.msg('Return Requested', { order_id: 'R2', product_id: 'p2' }, t + 20 * DAY))
    expect((await effectsOf(s.id)).tasks).toEqual([])
    await feed(s.msg('Return Requested', { order_id: 'R3', product_id: 'p3' }, t + 40 * DAY))
    expect(await effectsOf(s.id)).toMatchObject({ emails: [], tasks: ['returns-care/normal'] })
  })

  it('does not count returns older than 90 days', async () => {
    const s = shopper()
    const t = clock.now()
    await feed(
      s.identify(t),
      s.msg('Return Requested', { order_id: 'R1' }, t),
      s.msg('Return Requested', { order_id: 'R2' }, t + 95 * DAY),
      s.msg('Return Requested', { order_id: 'R3' }, t + 96 * DAY),
    )
    expect((await effectsOf(s.id)).tasks).toEqual([])
  })
})

describe('long dwell', () => {
  it('offers help at 120 s, not at 119 s, and once per product per 7 days', async () => {
    const s = shopper()
    const t = clock.now()
    await feed(s.identify(t), s.msg('Product Viewed', { product_id: 'P1', dwell_ms: 119_000 }, t))
    expect((await effectsOf(s.id)).emails).toEqual([])
    await feed(s.msg('Product Viewed', { product_id: 'P1', dwell_ms: 120_000 }, t + MIN))
    await feed(s.msg('Product Viewed', { product_id: 'P1', dwell_ms: 300_000 }, t + 2 * DAY))
    await feed(s.msg('Product Viewed', { product_id: 'P2', dwell_ms: 200_000 }, t + 2 * DAY + MIN))
    expect((await effectsOf(s.id)).emails).toEqual(['long-dwell', 'long-dwell'])
    await feed(s.msg('Product Viewed', { product_id: 'P1', dwell_ms: 130_000 }, t + 8 * DAY))
    expect((await effectsOf(s.id)).emails).toHaveLength(3)
  })
})

describe('long dwell derived on the server (no dwell script, docs/dwell.md)', () => {
  const longDwell = async (id: string) => (await effectsOf(id)).outbox.filter((o) => o.ruleId === 'long-dwell')
  const mailTo = (id: string) => mail.messages.filter((m) => m.to && 'text' in m.to && m.to.text.includes(id))
  /** Past the allowed lateness (5 min) after the view's end, when its dwell is decided. */
  const settle = async (end: number) => {
    clock.set(Math.max(clock.now(), end) + 6 * MIN)
    await engine.app.tick()
  }

  it('emails help after a view ended 3 min later by the next event, once the lateness passed, once though everything is sent twice', async () => {
    const s = shopper()
    const t = clock.now()
    const view = s.msg('Product Viewed', { product_id: 'P1', name: 'Walnut desk' }, t)
    const next = s.msg('Product Added', { product_id: 'P1' }, t + 3 * MIN)
    await feed(s.identify(t), view)
    expect(await longDwell(s.id), 'a view alone has no dwell yet').toEqual([])
    clock.set(t + 3 * MIN)
    await feed(next)
    expect(await longDwell(s.id), 'decided only after the allowed lateness').toEqual([])
    await feed(view, next)
    await settle(t + 3 * MIN)
    await feed(view, next)
    await settle(t + 3 * MIN)
    expect(await longDwell(s.id)).toHaveLength(1)
    expect(mailTo(s.id)).toHaveLength(1)
    // The explain API names the derived moment: the view's own id, marked as derived dwell.
    const explained = await engine.api('GET', `/api/customers/${s.id}/explain`)
    expect(explained.status).toBe(200)
    expect(JSON.stringify(explained.body)).toContain(`dwell:${view.messageId}`)
  })

  it('measures again when an event that ends the view sooner, or the script’s own report, arrives late', async () => {
    const s = shopper()
    const t = clock.now()
    await feed(s.identify(t), s.msg('Product Viewed', { product_id: 'P1' }, t))
    clock.set(t + 4 * MIN)
    await feed(s.msg('Checkout Started', { checkout_id: 'K9' }, t + 4 * MIN))
    // Sent before the checkout but arriving a minute after it: the view lasted one minute.
    clock.set(t + 5 * MIN)
    await feed(s.msg('Product Added', { product_id: 'P1' }, t + MIN))
    clock.set(t + 14 * MIN)
    await feed(s.msg('Product Viewed', { product_id: 'P2' }, t + 10 * MIN), s.msg('Product Viewed', { product_id: 'P3' }, t + 14 * MIN))
    // The script's report for the P2 page (20 s visible) arrives after the next page's event.
    clock.set(t + 15 * MIN)
    await feed(s.msg('Product Viewed', { product_id: 'P2', dwell_ms: 20_000, dwell_source: 'script' }, t + 13 * MIN))
    await settle(t + 14 * MIN)
    expect(await longDwell(s.id)).toEqual([])
  })

  it('sends nothing for a short view, a view whose next event is past the session gap, or one the script measured', async () => {
    const s = shopper()
    const t = clock.now()
    await feed(
      s.identify(t),
      s.msg('Product Viewed', { product_id: 'P1' }, t),
      s.msg('Product Viewed', { product_id: 'P2' }, t + MIN),
      s.msg('Product Viewed', { product_id: 'P3' }, t + 40 * MIN),
      s.msg('Product Viewed', { product_id: 'P4' }, t + 80 * MIN),
      // The script's beacon for the P4 page: 20 s visible, although 5 min passed.
      s.msg('Product Viewed', { product_id: 'P4', dwell_ms: 20_000, dwell_source: 'script' }, t + 85 * MIN),
      s.msg('Product Added', { product_id: 'P4' }, t + 86 * MIN),
    )
    await settle(t + 86 * MIN)
    expect(await longDwell(s.id)).toEqual([])
  })
})

describe('payment failed', () => {
  it('emails a retry link on the first failure and hands the second within 24 h to payments', async () => {
    const s = shopper()
    const t = clock.now()
    await feed(s.identify(t), s.msg('Payment Failed', { order_id: 'F1', reason: 'card_declined' }, t))
    const first = await effectsOf(s.id)
    expect(first.emails).toEqual(['payment-failed'])
    expect((first.outbox[0]?.payload as { vars: { links: Record<string, string> } }).vars.links.retryPayment).toContain('/orders/F1/pay')
    await feed(s.msg('Payment Failed', { order_id: 'F1', reason: 'card_declined' }, t + 3 * HOUR))
    expect(await effectsOf(s.id)).toMatchObject({ emails: ['payment-failed'], tasks: ['payments/high'] })
  })

  it('treats a failure 25 h later as a new first failure', async () => {
    const s = shopper()
    const t = clock.now()
    await feed(s.identify(t), s.msg('Payment Failed', { order_id: 'F2' }, t), s.msg('Payment Failed', { order_id: 'F3' }, t + 25 * HOUR))
    expect(await effectsOf(s.id)).toMatchObject({ emails: ['payment-failed', 'payment-failed'], tasks: [] })
  })
})

describe('abandoned checkout', () => {
  it('reminds after an hour without an order', async () => {
    const s = shopper()
    const t = clock.now()
    await feed(s.identify(t), s.msg('Checkout Started', { checkout_id: 'K1', value: 120, products: [{ product_id: 'p1', name: 'Lamp', price: 120, quantity: 1 }] }, t))
    clock.set(t + 59 * MIN)
    await engine.app.tick()
    expect((await effectsOf(s.id)).emails).toEqual([])
    // An hour, then the allowed lateness (5 min) for an order that happened in time to arrive.
    clock.set(t + 61 * MIN)
    await engine.app.tick()
    expect((await effectsOf(s.id)).emails).toEqual([])
    clock.set(t + 66 * MIN)
    await engine.app.tick()
    expect((await effectsOf(s.id)).emails).toEqual(['abandoned-checkout'])
    await mail.waitFor(1)
  })

  it('stays quiet when the order completes within the hour', async () => {
    const s = shopper()
    const t = clock.now()
    await feed(s.identify(t), s.msg('Checkout Started', { checkout_id: 'K2', value: 50 }, t), s.msg('Order Completed', { order_id: 'O2', checkout_id: 'K2', total: 50 }, t + 20 * MIN))
    clock.set(t + 2 * HOUR)
    await engine.app.tick()
    expect((await effectsOf(s.id)).emails).toEqual([])
  })
})

describe('money complaint', () => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ['payment security topic', { topic: 'payment_security', text: 'Someone used my card' }],
    ['English text about a double charge', { topic: 'other', text: 'I was charged twice for one order' }],
    ['Chinese text about a double charge', { topic: 'other', text: '我被重复扣款了，请尽快处理' }],
    ['Traditional Chinese text about a refund', { topic: 'other', text: '退款還沒到帳' }],
  ]
  for (const [name, properties] of cases) {
    it(`goes to a person first: ${name}`, async () => {
      const s = shopper()
      await feed(s.identify(), s.msg('Complaint Filed', { order_id: 'C1', ...properties }, clock.now()))
      const fx = await effectsOf(s.id)
      expect(fx).toMatchObject({ emails: [], tasks: ['priority-care/urgent'] })
      expect(fx.taskRows[0]!.slaDueAt - fx.taskRows[0]!.createdAt).toBe(HOUR)
    })
  }

  it('does not treat a damaged-parcel complaint as a money matter', async () => {
    const s = shopper()
    await feed(s.identify(), s.msg('Complaint Filed', { order_id: 'C2', topic: 'damaged', text: 'The box arrived crushed' }, clock.now()))
    expect(await effectsOf(s.id)).toMatchObject({ emails: [], tasks: [] })
  })
})
