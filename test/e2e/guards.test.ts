// Guards end to end: a real engine with real stores and a real SMTP server, time from a manual
// clock. Quiet hours and caps per shopper time zone (across the 2026 US DST change), conflict
// priority, the agent's logged call, an RFC 8058 unsubscribe between decision and send, and the
// explain API saying why.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_GUARD_POLICY } from '../../src/channels/guards/index.ts'
import { ManualClock } from '../../src/lib/clock.ts'
import { KEYS, startEngine, type TestEngine } from '../support/careloop.ts'
import { startMailSink, type MailSink } from '../support/smtp.ts'

const at = (iso: string): number => Date.parse(iso)
const clock = new ManualClock(at('2026-03-08T14:00:00Z'))
let mail: MailSink
let engine: TestEngine

function rule(id: string, event: string, priority: number, template: string, extra: Record<string, unknown> = {}) {
  return { id, name: id, priority, triggers: [{ event }], actions: [{ nudge: { channel: 'email', template } }], ...extra }
}

beforeAll(async () => {
  mail = await startMailSink()
  engine = await startEngine({ clock, smtpUrl: mail.url, guards: { ...DEFAULT_GUARD_POLICY } })
  for (const doc of [
    rule('care-ping', 'Care Ping', 50, 'long-dwell'),
    rule('triple-low', 'Triple', 10, 'long-dwell'),
    rule('triple-mid', 'Triple', 50, 'abandoned-checkout'),
    rule('triple-top', 'Triple', 90, 'payment-failed'),
    { id: 'needs-agent', name: 'needs agent', triggers: [{ event: 'Needs Agent' }], actions: [{ task: { queue: 'care', priority: 'normal', sla: '4h' } }] },
  ]) {
    const res = await engine.api('POST', '/api/rules', doc, KEYS.ops)
    expect(res.status, JSON.stringify(res.body)).toBe(201)
  }
})
afterAll(async () => {
  await engine?.app.stop()
  await mail?.close()
})

function shopper(timezone: string) {
  const id = `g-${randomUUID().slice(0, 8)}`
  const email = `${id}@example.com`
  return {
    id,
    email,
    identify: () => ({ type: 'identify', messageId: randomUUID(), userId: id, traits: { email, locale: 'en', timezone }, timestamp: new Date(clock.now()).toISOString() }),
    track: (event: string, properties: Record<string, unknown> = {}) => ({ type: 'track', messageId: randomUUID(), userId: id, event, properties, timestamp: new Date(clock.now()).toISOString() }),
  }
}

async function feed(...messages: unknown[]): Promise<void> {
  const res = await engine.ingest(messages)
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  await engine.app.tick()
}

const mailTo = (address: string) => mail.messages.filter((m) => (m.to && 'text' in m.to ? m.to.text : '').includes(address))

async function tickAt(iso: string): Promise<void> {
  clock.set(at(iso))
  await engine.app.tick()
}

async function explain(customerId: string) {
  const res = await engine.api('GET', `/api/customers/${customerId}/explain`, undefined, KEYS.ops)
  expect(res.status).toBe(200)
  return res.body as { moments: Array<{ ruleId: string; summary: string; actions: Array<{ status: string; guard?: string; detail?: string; template?: string }> }> }
}

describe('quiet hours and caps in the shopper time zone, across a DST change', () => {
  const shanghai = shopper('Asia/Shanghai')
  const la = shopper('America/Los_Angeles')

  it('holds both at night and sends each at 08:00 local: Los Angeles after its clocks sprang forward, Shanghai 9 hours later', async () => {
    // 14:00 UTC on 8 March 2026: 22:00 in Shanghai; 07:00 in Los Angeles, where DST began at 10:00 UTC.
    clock.set(at('2026-03-08T14:00:00Z'))
    await feed(shanghai.identify(), la.identify(), shanghai.track('Care Ping'), la.track('Care Ping'))
    expect(mailTo(shanghai.email)).toHaveLength(0)
    expect(mailTo(la.email)).toHaveLength(0)
    const held = (await explain(la.id)).moments[0]?.actions[0]
    expect(held).toMatchObject({ status: 'deferred', guard: 'quiet_hours' })
    expect(held?.detail).toContain('2026-03-08 08:00 PDT')

    await tickAt('2026-03-08T14:59:00Z')
    expect(mailTo(la.email)).toHaveLength(0)
    await tickAt('2026-03-08T15:00:00Z') // 08:00 PDT
    expect(mailTo(la.email)).toHaveLength(1)
    expect(mailTo(shanghai.email)).toHaveLength(0) // 23:00 in Shanghai
    await tickAt('2026-03-09T00:00:00Z') // 08:00 in Shanghai
    expect(mailTo(shanghai.email)).toHaveLength(1)
  })

  it('caps per calendar day in each shopper’s own day', async () => {
    const res = await engine.api('PUT', '/api/guard-policy', { quietHours: null, caps: { perDay: 5, perChannel: { email: 1 } } }, KEYS.ops)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    // 06:00 UTC on 9 March is still 8 March (23:00 PDT) in Los Angeles: its one email of the day went out.
    clock.set(at('2026-03-09T06:00:00Z'))
    await feed(la.track('Care Ping'))
    expect(mailTo(la.email)).toHaveLength(1)
    const capped = (await explain(la.id)).moments[0]?.actions[0]
    expect(capped).toMatchObject({ status: 'skipped', guard: 'cap_channel' })
    // 07:30 UTC is 00:30 on 9 March there: a new day.
    clock.set(at('2026-03-09T07:30:00Z'))
    await feed(la.track('Care Ping'))
    expect(mailTo(la.email)).toHaveLength(2)
    // Shanghai's 9 March (it got its email at 08:00) ends at 16:00 UTC.
    clock.set(at('2026-03-09T15:30:00Z'))
    await feed(shanghai.track('Care Ping'))
    expect(mailTo(shanghai.email)).toHaveLength(1)
    clock.set(at('2026-03-09T16:30:00Z'))
    await feed(shanghai.track('Care Ping'))
    expect(mailTo(shanghai.email)).toHaveLength(2)
  })
})

describe('conflict priority and the contact record', () => {
  it('three rules firing together send exactly one message; the other two are explained', async () => {
    // Without a digest for care email they compete (with one, they go out together: test/e2e/digest.test.ts).
    await engine.api('PUT', '/api/guard-policy', { quietHours: null, caps: DEFAULT_GUARD_POLICY.caps, digest: {} }, KEYS.ops)
    clock.set(at('2026-03-10T12:00:00Z'))
    const s = shopper('Europe/Berlin')
    await feed(s.identify(), s.track('Triple', { checkout_id: 'K1' }))
    const received = mailTo(s.email)
    expect(received).toHaveLength(1)
    expect(received[0]?.subject).toMatch(/payment/i)
    const moments = (await explain(s.id)).moments
    const byRule = new Map(moments.map((m) => [m.ruleId, m]))
    expect(byRule.get('triple-top')?.actions[0]).toMatchObject({ status: 'sent' })
    const winner = (await engine.app.ops.outbox.list({ customerId: s.id })).find((o) => o.ruleId === 'triple-top')
    for (const loser of ['triple-low', 'triple-mid']) {
      const action = byRule.get(loser)?.actions[0]
      expect(action).toMatchObject({ status: 'skipped', guard: 'conflict' })
      expect(action?.detail).toContain(`[by ${winner?.id}]`)
      expect(byRule.get(loser)?.summary).toContain('triple-top')
    }
  })

  it('after an agent logged a call today, the bot stays quiet until the shopper’s next day', async () => {
    clock.set(at('2026-03-11T09:00:00Z'))
    const s = shopper('UTC')
    await feed(s.identify(), s.track('Needs Agent'))
    const task = (await engine.api('GET', `/api/tasks?customer=${s.id}`, undefined, KEYS.alice)).body.tasks[0]
    expect((await engine.api('POST', `/api/tasks/${task.id}/claim`, undefined, KEYS.alice)).status).toBe(200)
    const logged = await engine.api('POST', `/api/tasks/${task.id}/contacts`, { via: 'call', outcome: 'reached', note: 'explained the delay' }, KEYS.alice)
    expect(logged.status, JSON.stringify(logged.body)).toBe(201)
    clock.set(at('2026-03-11T15:00:00Z'))
    await feed(s.track('Care Ping'))
    expect(mailTo(s.email)).toHaveLength(0)
    const action = (await explain(s.id)).moments.find((m) => m.ruleId === 'care-ping')?.actions[0]
    expect(action).toMatchObject({ status: 'skipped', guard: 'human_contact' })
    expect(action?.detail).toContain('alice')
    clock.set(at('2026-03-12T09:00:00Z'))
    await feed(s.track('Care Ping'))
    expect(mailTo(s.email)).toHaveLength(1)
  })

  it('rejects a bad policy with the field path', async () => {
    const res = await engine.api('PUT', '/api/guard-policy', { quietHours: { start: '25:00', end: '08:00' } }, KEYS.ops)
    expect(res.status).toBe(400)
    expect(res.body.errors[0].path).toBe('/quietHours/start')
    expect((await engine.api('PUT', '/api/guard-policy', { quietHours: null }, KEYS.alice)).status).toBe(403)
  })
})
