// Never wrongly, at send time: a late-parcel email held overnight by quiet hours is withdrawn
// when, before 08:00, the parcel is scanned out for delivery within its promise (the starter
// rule's withdrawOn) or is delivered (the rule's awaited event) — and still goes out when the
// out-for-delivery scan carries an estimate past the promise. Real SMTP; the clock is injected
// and quiet hours are set, so the test does not depend on the hour it runs at.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { KEYS, startEngine, type TestEngine } from '../support/careloop.ts'
import { startMailSink, type MailSink } from '../support/smtp.ts'

const HOUR = 3_600_000
const DAY = 24 * HOUR
/** Midnight UTC of the delivery day; the shoppers live in UTC with quiet hours 21:00–08:00. */
const D = Date.UTC(2026, 5, 10)
const PROMISE = new Date(D + 18 * HOUR).toISOString()

describe('held late-parcel emails withdrawn when their reason goes away', () => {
  const clock = new ManualClock(D - 4 * DAY)
  let mail: MailSink
  let engine: TestEngine

  const track = (userId: string, event: string, properties: Record<string, unknown>) => ({
    type: 'track', messageId: randomUUID(), userId, event, properties, timestamp: new Date(clock.now()).toISOString(),
  })
  /** Sets the clock, then ingests the messages (stamped with the new time) and runs a tick. */
  const at = async (ms: number, messages: () => unknown[] = () => []) => {
    clock.set(ms)
    const batch = messages()
    if (batch.length > 0) expect((await engine.ingest(batch)).status).toBe(200)
    await engine.app.tick()
  }
  const outbox = async (customerId: string) => (await engine.app.ops.outbox.list({ customerId })).filter((o) => o.ruleId === 'delayed-shipment')

  beforeAll(async () => {
    mail = await startMailSink()
    engine = await startEngine({ clock, smtpUrl: mail.url, guards: { quietHours: { start: '21:00', end: '08:00' }, digest: {} } })
    // Three parcels promised for 18:00 on day D and estimated for it; a carrier exception at 02:00.
    for (const id of ['wd-ofd', 'wd-late', 'wd-delivered']) {
      const order = `o-${id}`
      await at(D - 4 * DAY, () => [
        { type: 'identify', messageId: randomUUID(), userId: id, traits: { email: `${id}@example.com`, timezone: 'UTC' }, timestamp: new Date(clock.now()).toISOString() },
        track(id, 'Order Completed', { order_id: order, total: 40, promised_delivery_at: PROMISE }),
      ])
      await at(D - 2 * DAY, () => [track(id, 'Order Shipped', { order_id: order, estimated_delivery_at: PROMISE })])
    }
    await at(D + 2 * HOUR, () => ['wd-ofd', 'wd-late', 'wd-delivered'].map((id) => track(id, 'Shipment Updated', { order_id: `o-${id}`, status: 'exception', estimated_delivery_at: PROMISE })))
  })
  afterAll(async () => {
    await engine?.app.stop()
    await mail?.close()
  })

  it('holds all three emails at 02:00, then sends only the one whose parcel is still late', async () => {
    for (const id of ['wd-ofd', 'wd-late', 'wd-delivered']) {
      expect((await outbox(id)).map((o) => o.status), id).toEqual(['pending'])
    }
    expect(mail.messages).toHaveLength(0)

    await at(D + 6 * HOUR, () => [track('wd-delivered', 'Order Delivered', { order_id: 'o-wd-delivered' })])
    await at(D + 7 * HOUR + 32 * 60_000, () => [
      track('wd-ofd', 'Shipment Updated', { order_id: 'o-wd-ofd', status: 'out_for_delivery', estimated_delivery_at: PROMISE }),
      track('wd-late', 'Shipment Updated', { order_id: 'o-wd-late', status: 'out_for_delivery', estimated_delivery_at: new Date(D + DAY + 12 * HOUR).toISOString() }),
    ])
    await at(D + 8 * HOUR + 60_000)

    const [sent] = await mail.waitFor(1)
    expect(sent?.to && 'text' in sent.to ? sent.to.text : '').toContain('wd-late@example.com')
    await at(D + 8 * HOUR + 5 * 60_000)
    expect(mail.messages).toHaveLength(1)

    expect(await outbox('wd-late')).toMatchObject([{ status: 'sent' }])
    expect(await outbox('wd-ofd')).toMatchObject([{ status: 'skipped', lastError: expect.stringMatching(/^withdrawn: Shipment Updated at /) }])
    expect(await outbox('wd-delivered')).toMatchObject([{ status: 'skipped', lastError: expect.stringMatching(/^withdrawn: Order Delivered at /) }])
    // The shopper's history says why: the message skipped, with its reason.
    const timeline = (await engine.api('GET', '/api/customers/wd-ofd/timeline', undefined, KEYS.ops)).body.entries as Array<{ kind: string; title: string; data: { detail?: string } }>
    expect(timeline.filter((e) => e.kind === 'delivery' && e.title === 'skipped').map((e) => e.data.detail)).toEqual([expect.stringMatching(/^withdrawn: /)])
  })
})
