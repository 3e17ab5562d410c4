// The first slice end to end: a real Segment client → HTTP ingest → engine → real SMTP server.
import { Analytics } from '@segment/analytics-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { startEngine, type TestEngine } from '../support/careloop.ts'
import { startMailSink, type MailSink } from '../support/smtp.ts'

const DAY = 86_400_000

describe('delayed shipment, end to end with a real Segment client and SMTP server', () => {
  let mail: MailSink
  let engine: TestEngine
  const clock = new ManualClock(Date.now())

  beforeAll(async () => {
    mail = await startMailSink()
    engine = await startEngine({ clock, smtpUrl: mail.url })
  })
  afterAll(async () => {
    await engine?.app.stop()
    await mail?.close()
  })

  async function send(fn: (a: Analytics) => void): Promise<void> {
    const analytics = new Analytics({ writeKey: 'test-write-key', host: engine.url, flushInterval: 50, maxRetries: 0 })
    const errors: unknown[] = []
    analytics.on('error', (err) => errors.push(err))
    fn(analytics)
    await analytics.closeAndFlush({ timeout: 10_000 })
    expect(errors).toEqual([])
  }

  it('sends exactly one apology email and opens a delivery-care task for a late 600 order', async () => {
    const now = clock.now()
    await send((a) => {
      a.identify({ userId: 'shopper-1', traits: { email: 'ana@example.com', name: 'Ana', locale: 'en' }, timestamp: new Date(now - 5 * DAY) })
      a.track({ userId: 'shopper-1', event: 'Order Completed', properties: { order_id: 'ORD-600', total: 600, currency: 'EUR' }, timestamp: new Date(now - 4 * DAY) })
      a.track({
        userId: 'shopper-1',
        event: 'Order Shipped',
        properties: { order_id: 'ORD-600', carrier: 'DHL', tracking_number: 'TRK1', estimated_delivery_at: new Date(now - 2 * DAY).toISOString() },
        timestamp: new Date(now - 3 * DAY),
      })
    })
    await engine.app.tick()
    // Already due when it arrived: the wait fires after the allowed lateness.
    clock.advance(6 * 60_000)
    await engine.app.tick()
    const received = await mail.waitFor(1)
    expect(received).toHaveLength(1)
    const email = received[0]!
    expect(email.to && 'text' in email.to ? email.to.text : '').toContain('ana@example.com')
    expect(`${email.subject} ${email.text}`).toContain('ORD-600')
    expect(email.html).toBeTruthy()

    const tasks = await engine.api('GET', '/api/tasks?queue=delivery-care')
    expect(tasks.status).toBe(200)
    expect(tasks.body.tasks).toHaveLength(1)
    const task = tasks.body.tasks[0]
    expect(task).toMatchObject({ customerId: 'shopper-1', priority: 'high', status: 'open', ruleId: 'delayed-shipment' })
    expect(task.context.order).toMatchObject({ order_id: 'ORD-600', total: 600 })
    expect(task.slaDueAt - task.createdAt).toBe(4 * 3_600_000)

    // Nothing more happens on later passes: the timer fired once.
    clock.advance(DAY)
    await engine.app.tick()
    await new Promise((r) => setTimeout(r, 300))
    expect(mail.messages).toHaveLength(1)
    expect((await engine.api('GET', '/api/tasks?queue=delivery-care')).body.tasks).toHaveLength(1)
  })

  it('cancels both the email and the task when the parcel is delivered before the due time', async () => {
    const before = mail.messages.length
    const now = clock.now()
    await send((a) => {
      a.identify({ userId: 'shopper-2', traits: { email: 'bo@example.com', locale: 'zh-CN' }, timestamp: new Date(now - DAY) })
      a.track({ userId: 'shopper-2', event: 'Order Completed', properties: { order_id: 'ORD-700', total: 700 }, timestamp: new Date(now - DAY) })
      a.track({ userId: 'shopper-2', event: 'Order Shipped', properties: { order_id: 'ORD-700', estimated_delivery_at: new Date(now + DAY).toISOString() }, timestamp: new Date(now) })
    })
    await engine.app.tick()
    await send((a) => a.track({ userId: 'shopper-2', event: 'Order Delivered', properties: { order_id: 'ORD-700' }, timestamp: new Date(now + DAY / 2) }))
    await engine.app.tick()
    clock.advance(3 * DAY)
    await engine.app.tick()
    await new Promise((r) => setTimeout(r, 300))
    expect(mail.messages).toHaveLength(before)
    const tasks = await engine.api('GET', '/api/tasks?customer=shopper-2')
    expect(tasks.body.tasks).toEqual([])
    const timeline = await engine.api('GET', '/api/customers/shopper-2/timeline')
    expect(timeline.body.entries.map((e: { title: string }) => e.title)).toContain('Order Delivered')
  })
})
