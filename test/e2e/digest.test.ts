// The care digest end to end: the starter pack on a real engine with real stores and a real SMTP
// server, time from a manual clock. Nudges for one shopper due together go out as one email that
// lists each with its own (signed, working) links; other local days get their own message; an
// opted-out shopper gets nothing and every decision says why; a money message is never held back.
import { randomUUID } from 'node:crypto'
import type { ParsedMail } from 'mailparser'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_GUARD_POLICY } from '../../src/channels/guards/index.ts'
import { ManualClock } from '../../src/lib/clock.ts'
import { KEYS, startEngine, type TestEngine } from '../support/careloop.ts'
import { startMailSink, type MailSink } from '../support/smtp.ts'

const at = (iso: string): number => Date.parse(iso)
const HOUR = 3_600_000
const clock = new ManualClock(at('2026-05-12T09:00:00Z'))
let mail: MailSink
let engine: TestEngine

beforeAll(async () => {
  mail = await startMailSink()
  engine = await startEngine({ clock, smtpUrl: mail.url, guards: { ...DEFAULT_GUARD_POLICY } })
})
afterAll(async () => {
  await engine?.app.stop()
  await mail?.close()
})

function shopper(timezone = 'Europe/Berlin', locale = 'en') {
  const id = `d-${randomUUID().slice(0, 8)}`
  const email = `${id}@example.com`
  const stamp = () => new Date(clock.now()).toISOString()
  return {
    id,
    email,
    identify: () => ({ type: 'identify', messageId: randomUUID(), userId: id, traits: { email, name: 'Ana', locale, timezone }, timestamp: stamp() }),
    track: (event: string, properties: Record<string, unknown>) => ({ type: 'track', messageId: randomUUID(), userId: id, event, properties, timestamp: stamp() }),
    /** An order shipped with an estimate 13 h ago: past the starter rule's 12 h grace already. */
    lateOrder(orderId: string) {
      return this.track('Order Shipped', { order_id: orderId, carrier: 'DHL', tracking_number: `T-${orderId}`, estimated_delivery_at: new Date(clock.now() - 13 * HOUR).toISOString() })
    },
  }
}

async function feed(...messages: unknown[]): Promise<void> {
  const res = await engine.ingest(messages)
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  await engine.app.tick()
}

/** Past the absence settle window: the late-order timers armed already due fire now. */
async function settle(): Promise<void> {
  clock.advance(6 * 60_000)
  await engine.app.tick()
}

const mailTo = (address: string): ParsedMail[] => mail.messages.filter((m) => (m.to && 'text' in m.to ? m.to.text : '').includes(address))

interface Explained {
  moments: Array<{ ruleId: string; entity: string; summary: string; actions: Array<{ action: string; status: string; guard?: string; detail?: string; digestId?: string }> }>
}
async function explain(customerId: string): Promise<Explained> {
  const res = await engine.api('GET', `/api/customers/${customerId}/explain`, undefined, KEYS.ops)
  expect(res.status).toBe(200)
  return res.body as Explained
}

const hrefs = (html: string): string[] => [...html.matchAll(/href="([^"]+)"/g)].map((m) => (m[1] as string).replaceAll('&amp;', '&').replaceAll('&#x3D;', '='))

describe('care digest', () => {
  it('two late orders and a failed payment on one local day: one email listing all three, each link working', async () => {
    clock.set(at('2026-05-12T09:00:00Z')) // 11:00 in Berlin
    const s = shopper()
    await feed(s.identify(), s.lateOrder('A-1'), s.lateOrder('A-2'))
    expect(mailTo(s.email)).toHaveLength(0)
    clock.advance(6 * 60_000)
    // The failed payment arrives in the same pass as the two late-order moments.
    await feed(s.track('Payment Failed', { order_id: 'P-9', reason: 'card_declined' }))
    const received = mailTo(s.email)
    expect(received).toHaveLength(1)
    const email = received[0] as ParsedMail
    expect(email.subject).toContain('3 updates')
    for (const id of ['A-1', 'A-2', 'P-9']) {
      expect(email.text).toContain(id)
      expect(email.html).toContain(id)
    }
    // Talk to a person once per part (the footer leaves it out when the body offers it).
    expect((email.text ?? '').match(/Talk to a person/g)).toHaveLength(1)

    // Each item's links are click-tracked under its own decision and resolve to its own target.
    const links = hrefs(email.html as string)
    const clicks = links.filter((l) => l.includes('/l/c/'))
    const targets = new Set<string>()
    for (const link of clicks) {
      const res = await fetch(link, { redirect: 'manual' })
      expect(res.status).toBe(302)
      targets.add(res.headers.get('location') as string)
    }
    expect(targets).toEqual(new Set(['https://shop.test/orders/A-1', 'https://shop.test/orders/A-2', 'https://shop.test/orders/P-9/pay']))
    const talk = links.filter((l) => l.includes('/l/t/'))
    expect(new Set(talk).size).toBe(1)
    expect((await fetch(talk[0] as string)).status).toBe(200)

    // The history says which decisions the digest carried: all three, one digest id.
    const moments = (await explain(s.id)).moments
    const sent = moments.flatMap((m) => m.actions).filter((a) => a.digestId !== undefined)
    expect(sent).toHaveLength(3)
    expect(new Set(sent.map((a) => a.digestId)).size).toBe(1)
    expect(sent.every((a) => a.status === 'sent')).toBe(true)
    expect(moments.find((m) => m.ruleId === 'payment-failed')?.summary).toContain('in digest')
  })

  it('nudges on different local days go out as separate messages', async () => {
    clock.set(at('2026-05-13T12:00:00Z'))
    const s = shopper('Asia/Shanghai')
    await feed(s.identify(), s.lateOrder('B-1'))
    await settle()
    expect(mailTo(s.email)).toHaveLength(1)
    clock.set(at('2026-05-14T12:00:00Z')) // the next day in Shanghai
    await feed(s.lateOrder('B-2'))
    await settle()
    const received = mailTo(s.email)
    expect(received).toHaveLength(2)
    expect(received.map((m) => m.subject)).toEqual([expect.stringContaining('B-1'), expect.stringContaining('B-2')])
  })

  it('held by quiet hours across midnight: one digest with everything when the hours end', async () => {
    const s = shopper('Europe/Berlin')
    clock.set(at('2026-05-15T20:30:00Z')) // 22:30 in Berlin
    await feed(s.identify(), s.lateOrder('C-1'))
    await settle()
    await feed(s.track('Payment Failed', { order_id: 'C-P' }))
    clock.set(at('2026-05-15T23:30:00Z')) // 01:30 on the 16th in Berlin
    await feed(s.lateOrder('C-2'))
    await settle()
    expect(mailTo(s.email)).toHaveLength(0)
    clock.set(at('2026-05-16T06:00:00Z')) // 08:00 in Berlin: quiet hours end
    await engine.app.tick()
    const received = mailTo(s.email)
    expect(received).toHaveLength(1)
    expect(received[0]?.subject).toContain('3 updates')
    for (const id of ['C-1', 'C-2', 'C-P']) expect(received[0]?.text).toContain(id)
  })

  it('a nudge due minutes after a message went out stays alone: skipped by the conflict guard, naming the message', async () => {
    clock.set(at('2026-05-17T09:00:00Z'))
    const s = shopper()
    await feed(s.identify(), s.lateOrder('F-1'))
    await settle()
    expect(mailTo(s.email)).toHaveLength(1)
    clock.advance(2 * 60_000)
    await feed(s.track('Payment Failed', { order_id: 'F-P' }))
    expect(mailTo(s.email)).toHaveLength(1)
    const payment = (await explain(s.id)).moments.find((m) => m.ruleId === 'payment-failed')?.actions[0]
    expect(payment).toMatchObject({ status: 'skipped', guard: 'conflict' })
  })

  it('an opted-out shopper gets nothing, and every decision is skipped with the reason', async () => {
    clock.set(at('2026-05-18T09:00:00Z'))
    const s = shopper()
    await feed(s.identify())
    const res = await engine.api('PUT', `/api/customers/${s.id}/preferences`, { channels: { email: { care: false } } }, KEYS.ops)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    await feed(s.lateOrder('D-1'), s.lateOrder('D-2'))
    clock.advance(6 * 60_000)
    await feed(s.track('Payment Failed', { order_id: 'D-P' }))
    expect(mailTo(s.email)).toHaveLength(0)
    const actions = (await explain(s.id)).moments.flatMap((m) => m.actions).filter((a) => a.action === 'nudge')
    // Each order's later late-parcel moment is suppressed by the rule's once-per-order guard; the
    // three decisions that would send are each skipped for consent.
    const planned = actions.filter((a) => a.status !== 'suppressed')
    expect(planned).toHaveLength(3)
    for (const a of planned) expect(a).toMatchObject({ status: 'skipped', guard: 'consent' })
    expect(actions.length - planned.length).toBeLessThanOrEqual(2)
  })

  it('a money message is never held back waiting for companions: it goes in the pass it is decided', async () => {
    clock.set(at('2026-05-19T09:00:00Z'))
    const s = shopper()
    await feed(s.identify(), s.lateOrder('E-1'))
    // The late-order moment waits its settle window; the failed payment does not wait for it.
    await feed(s.track('Payment Failed', { order_id: 'E-P' }))
    const first = mailTo(s.email)
    expect(first).toHaveLength(1)
    expect(first[0]?.subject).toContain('E-P')
    await settle()
    expect(mailTo(s.email)).toHaveLength(2)
  })
  it('refuses a bad digest setting at its field path', async () => {
    const res = await engine.api('PUT', '/api/guard-policy', { digest: { care: { email: { window: 'local-week', maxItems: 1 } } } }, KEYS.ops)
    expect(res.status).toBe(400)
    const paths = (res.body.errors as Array<{ path: string }>).map((e) => e.path)
    expect(paths).toContain('/digest/care/email/maxItems')
    expect(paths).toContain('/digest/care/email/window')
  })
})
