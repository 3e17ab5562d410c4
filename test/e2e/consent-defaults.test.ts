// Consent defaults as deployed: a shopper with no recorded preference gets care about their own
// order but no marketing (skipped by the consent guard, with the reason); once they opt in, the
// marketing message goes out and the opt-in shows with its source and time.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { KEYS, startEngine, type TestEngine } from '../support/careloop.ts'
import { startMailSink, type MailSink } from '../support/smtp.ts'

const clock = new ManualClock(Date.UTC(2026, 5, 2, 12))
let mail: MailSink
let engine: TestEngine

beforeAll(async () => {
  mail = await startMailSink()
  engine = await startEngine({ clock, smtpUrl: mail.url })
  const rules = [
    { id: 'promo', name: 'promo', triggers: [{ event: 'Promo Moment' }], actions: [{ nudge: { channel: 'email', template: 'long-dwell', topic: 'marketing' } }] },
    { id: 'order-care', name: 'order care', triggers: [{ event: 'Care Needed' }], actions: [{ nudge: { channel: 'email', template: 'payment-failed', topic: 'care' } }] },
  ]
  for (const doc of rules) {
    const res = await engine.api('POST', '/api/rules', doc, KEYS.ops)
    expect(res.status, JSON.stringify(res.body)).toBe(201)
  }
})
afterAll(async () => {
  await engine?.app.stop()
  await mail?.close()
})

function shopper() {
  const id = `c-${randomUUID().slice(0, 8)}`
  const at = new Date(clock.now()).toISOString()
  return {
    id,
    email: `${id}@example.com`,
    messages: () => [
      { type: 'identify', messageId: randomUUID(), userId: id, traits: { email: `${id}@example.com`, locale: 'en', timezone: 'UTC' }, timestamp: at },
      { type: 'track', messageId: randomUUID(), userId: id, event: 'Promo Moment', properties: { product_id: 'p1' }, timestamp: at },
      { type: 'track', messageId: randomUUID(), userId: id, event: 'Care Needed', properties: { order_id: `${id}-o1` }, timestamp: at },
    ],
  }
}

async function sent(customerId: string) {
  const rows = await engine.app.ops.outbox.list({ customerId })
  return Object.fromEntries(rows.map((r) => [r.ruleId, { status: r.status, error: r.lastError }]))
}

describe('consent defaults', () => {
  it('without a recorded opt-in: the care message goes out, the marketing nudge is skipped with the reason', async () => {
    const s = shopper()
    expect((await engine.ingest(s.messages())).status).toBe(200)
    await engine.app.tick()
    const out = await sent(s.id)
    expect(out['order-care']?.status).toBe('sent')
    expect(out['promo']?.status).toBe('skipped')
    const explained = await engine.api('GET', `/api/customers/${s.id}/explain`, undefined, KEYS.ops)
    const promo = (explained.body.moments as Array<{ ruleId: string; actions: Array<{ status: string; guard?: string; detail?: string }> }>).find((m) => m.ruleId === 'promo')
    expect(promo?.actions[0]).toMatchObject({ status: 'skipped', guard: 'consent' })
    expect(promo?.actions[0]?.detail).toContain('no recorded opt-in to email (marketing)')
    const to = mail.messages.filter((m) => (m.to && 'text' in m.to ? m.to.text : '').includes(s.email))
    expect(to).toHaveLength(1)
  })

  it('after an opt-in (source and time kept and shown) the marketing nudge goes out too', async () => {
    const s = shopper()
    const put = await engine.api('PUT', `/api/customers/${s.id}/preferences`, { channels: { email: { marketing: true } } }, KEYS.ops)
    expect(put.status).toBe(200)
    expect(put.body.choices).toEqual([{ channel: 'email', topic: 'marketing', status: 'opted_in', source: 'api', updatedAt: clock.now() }])
    // Only the promotion: beside a care message within the conflict window it would lose to it.
    const [identify, promo] = s.messages()
    expect((await engine.ingest([identify, promo])).status).toBe(200)
    await engine.app.tick()
    expect(await sent(s.id)).toEqual({ promo: { status: 'sent', error: null } })
  })
})
