// Every channel end to end through the real engine: rules decide, the dispatcher sends through
// real SMTP and wire-compatible local providers (Twilio SMS and voice, FCM, a webhook receiver),
// the in-app inbox is read with a shopper token. Provider outages, dead letters, RFC 8058
// unsubscribe between decision and send, the "talk to a person" link and the agent's logged call.
import { randomUUID } from 'node:crypto'
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { KEYS, startEngine, type TestEngine } from '../support/careloop.ts'
import { startFakeFcm, type FakeFcm } from '../support/providers/fcm.ts'
import { startFakeTwilio, type FakeTwilio } from '../support/providers/twilio.ts'
import { startWebhookReceiver, type WebhookReceiver } from '../support/providers/webhookReceiver.ts'
import { startMailSink, type MailSink } from '../support/smtp.ts'

const ACCOUNT = { accountSid: `AC${'1'.repeat(32)}`, authToken: 'twilio-auth-token' }
const FCM = { projectId: 'shop-app', accessToken: 'ya29.test-token' }
const WEBHOOK_SECRET = `whsec_${Buffer.from('a-webhook-secret-of-32-bytes!!!!').toString('base64')}`
const clock = new ManualClock(Date.parse('2026-06-02T10:00:00Z'))

let mail: MailSink
let twilio: FakeTwilio
let fcm: FakeFcm
let hooks: WebhookReceiver
let engine: TestEngine

const CHANNELS = ['email', 'sms', 'push', 'webhook', 'inapp', 'voice'] as const
const TEMPLATE: Record<string, string> = { email: 'payment-failed', sms: 'payment-failed', push: 'payment-failed', webhook: 'payment-failed', inapp: 'payment-failed', voice: 'payment-failed' }

beforeAll(async () => {
  ;[mail, twilio, fcm, hooks] = await Promise.all([startMailSink(), startFakeTwilio(ACCOUNT), startFakeFcm(FCM), startWebhookReceiver()])
  engine = await startEngine({
    clock,
    smtpUrl: mail.url,
    config: {
      twilio: { baseUrl: twilio.url, ...ACCOUNT, smsFrom: '+15005550006', voiceFrom: '+15005550007', careLine: undefined },
      fcm: { baseUrl: fcm.url, ...FCM },
      webhook: { url: hooks.url, secret: WEBHOOK_SECRET },
    },
  })
  // One rule per channel, on one event, chosen by a property: each shopper gets exactly one message.
  for (const channel of CHANNELS) {
    const doc = { id: `via-${channel}`, name: `via ${channel}`, triggers: [{ event: 'Care Needed', when: { fact: 'properties.via', eq: channel } }], actions: [{ nudge: { channel, template: TEMPLATE[channel] } }] }
    const res = await engine.api('POST', '/api/rules', doc, KEYS.ops)
    expect(res.status, JSON.stringify(res.body)).toBe(201)
  }
  const task = { id: 'call-me', name: 'call me', triggers: [{ event: 'Call Requested' }], actions: [{ task: { queue: 'care', priority: 'normal', sla: '1h' } }] }
  expect((await engine.api('POST', '/api/rules', task, KEYS.ops)).status).toBe(201)
})
afterAll(async () => {
  await engine?.app.stop()
  await Promise.all([mail?.close(), twilio?.close(), fcm?.close(), hooks?.close()])
})

let shoppers = 0

function shopper() {
  const id = `ch-${randomUUID().slice(0, 8)}`
  // A number of their own (counted, so no two shoppers of this file share one): SMS bodies carry
  // signed links whose random text could contain any short marker, so messages are told apart by recipient.
  const phone = `+1415${String(2_000_000 + ++shoppers)}`
  const traits = { email: `${id}@example.com`, phone, push_token: `tok-${id}`, name: 'Mei', locale: 'en', timezone: 'UTC' }
  return {
    id,
    phone,
    identify: () => ({ type: 'identify', messageId: randomUUID(), userId: id, traits, timestamp: new Date(clock.now()).toISOString() }),
    track: (event: string, properties: Record<string, unknown> = {}) => ({ type: 'track', messageId: randomUUID(), userId: id, event, properties, timestamp: new Date(clock.now()).toISOString() }),
  }
}

async function ingest(...messages: unknown[]): Promise<void> {
  const res = await engine.ingest(messages)
  expect(res.status, JSON.stringify(res.body)).toBe(200)
}

/** A header as sent (mailparser folds List-* headers into one parsed object). */
const rawHeader = (mail: { headerLines: ReadonlyArray<{ key: string; line: string }> } | undefined, key: string): string =>
  (mail?.headerLines.find((h) => h.key === key)?.line ?? '').replace(/^[^:]+:\s*/, '').replace(/\r?\n\s+/g, '')

const outboxOf = async (customerId: string) => engine.app.ops.outbox.list({ customerId })
const deliveries = async (customerId: string) =>
  (await engine.app.history.timeline(customerId)).filter((e) => e.kind === 'delivery').map((e) => e.title).sort()

describe('each channel delivers to its receiver', () => {
  it('email over SMTP, with RFC 8058 headers and signed links', async () => {
    const s = shopper()
    await ingest(s.identify(), s.track('Care Needed', { via: 'email', order_id: 'E1' }))
    await engine.app.tick()
    const received = mail.messages.filter((m) => m.to && 'text' in m.to && m.to.text.includes(s.id))
    expect(received).toHaveLength(1)
    expect(rawHeader(received[0], 'list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click')
    expect(rawHeader(received[0], 'list-unsubscribe')).toMatch(new RegExp(`^<${engine.url}/l/u/[^>]+>$`))
    expect(String(received[0]?.html)).toContain(`${engine.url}/l/t/`)
  })

  it('SMS through the Twilio Messages API, delivery report signed like Twilio back into history', async () => {
    const s = shopper()
    await ingest(s.identify(), s.track('Care Needed', { via: 'sms', order_id: 'S1' }))
    await engine.app.tick()
    const sent = twilio.created.filter((r) => r.resource === 'Messages' && r.form.To === s.phone)
    expect(sent).toHaveLength(1)
    expect(sent[0]?.form).toMatchObject({ To: s.phone, From: '+15005550006' })
    expect(sent[0]?.form.Body).toContain('S1')
    expect(sent[0]?.form.Body).toMatch(/payment/i)
    const callback = await twilio.statusCallback(sent[0]!.sid, 'delivered')
    expect(callback.status).toBe(204)
    expect(await deliveries(s.id)).toEqual(['delivered', 'queued', 'sent'])
  })

  it('the phone robot: a Twilio call reading the script; the outcome comes back as an event', async () => {
    const s = shopper()
    await ingest(s.identify(), s.track('Care Needed', { via: 'voice', order_id: 'V1' }))
    await engine.app.tick()
    const call = twilio.created.find((r) => r.resource === 'Calls' && r.form.To === s.phone)
    expect(call?.form.Twiml).toContain('V1')
    expect(call?.form.Twiml).toMatch(/^<Response><Say language="en-US">Hello Mei\./)
    expect((await twilio.statusCallback(call!.sid, 'no-answer')).status).toBe(204)
    await engine.app.tick()
    const events = (await engine.app.history.timeline(s.id)).filter((e) => e.kind === 'event').map((e) => e.title)
    expect(events).toContain('Care Call Completed')
    expect(await deliveries(s.id)).toEqual(['bounced', 'queued', 'sent'])
  })

  it('push through FCM HTTP v1, to the shopper’s device token', async () => {
    const s = shopper()
    await ingest(s.identify(), s.track('Care Needed', { via: 'push', order_id: 'P1' }))
    await engine.app.tick()
    const request = fcm.requests.find((r) => (r.json as { message?: { token?: string } }).message?.token === `tok-${s.id}`)
    expect(request?.headers.authorization).toBe(`Bearer ${FCM.accessToken}`)
    expect((request?.json as { message: { notification: { title: string } } }).message.notification.title).toMatch(/payment/i)
  })

  it('a webhook signed per Standard Webhooks, verified by the reference implementation', async () => {
    const s = shopper()
    await ingest(s.identify(), s.track('Care Needed', { via: 'webhook', order_id: 'W1' }))
    await engine.app.tick()
    const request = hooks.requests.find((r) => r.rawBody.includes(s.id))
    expect(request).toBeDefined()
    // The receiver's clock agrees with careloop's (injected) one; the library reads Date.now().
    vi.useFakeTimers({ now: clock.now(), toFake: ['Date'] })
    try {
      const payload = new Webhook(WEBHOOK_SECRET).verify(request!.rawBody, request!.headers as Record<string, string>) as { type: string; data: { customer_id: string } }
      expect(payload).toMatchObject({ type: 'careloop.nudge', data: { customer_id: s.id } })
      expect(() => new Webhook(WEBHOOK_SECRET).verify(request!.rawBody.replace(s.id, 'someone-else'), request!.headers as Record<string, string>)).toThrow()
    } finally {
      vi.useRealTimers()
    }
  })

  it('the in-app inbox, read, marked read and dismissed by the shopper with a signed token', async () => {
    const s = shopper()
    await ingest(s.identify(), s.track('Care Needed', { via: 'inapp', order_id: 'I1' }))
    await engine.app.tick()
    const minted = await engine.api('POST', '/api/shopper-tokens', { customerId: s.id }, KEYS.ops)
    expect(minted.status).toBe(200)
    const shopperApi = (method: string, path: string) => engine.api(method, path, undefined, '', { authorization: `Bearer ${minted.body.token}` })
    const inbox = await shopperApi('GET', '/v1/inbox')
    expect(inbox.body.unread).toBe(1)
    const [message] = inbox.body.messages
    expect(message.title).toMatch(/payment/i)
    expect((await shopperApi('POST', `/v1/inbox/${message.id}/read`)).body.unread).toBe(0)
    expect((await shopperApi('POST', `/v1/inbox/${message.id}/dismiss`)).status).toBe(200)
    expect((await shopperApi('GET', '/v1/inbox')).body.messages).toHaveLength(0)
    expect((await engine.api('GET', '/v1/inbox', undefined, '')).status).toBe(401)
  })
})

describe('provider failures', () => {
  it('an SMS provider failing 3 times, then recovering, delivers exactly once', async () => {
    const s = shopper()
    twilio.failNext(3, 503)
    await ingest(s.identify(), s.track('Care Needed', { via: 'sms', order_id: 'R3' }))
    for (let i = 0; i < 4; i++) {
      await engine.app.tick()
      clock.advance(60_000) // past each backoff step
    }
    expect(twilio.created.filter((r) => r.form.To === s.phone)).toHaveLength(1)
    expect(twilio.requests.filter((r) => r.form.To === s.phone)).toHaveLength(4)
    const [row] = await outboxOf(s.id)
    expect(row).toMatchObject({ status: 'sent', attempts: 4 })
    expect((await deliveries(s.id)).filter((d) => d === 'failed')).toHaveLength(3)
  })

  it('a permanent provider error goes to the dead letter with the reason', async () => {
    const s = shopper()
    twilio.failPermanently(21614)
    try {
      await ingest(s.identify(), s.track('Care Needed', { via: 'sms', order_id: 'D1' }))
      await engine.app.tick()
    } finally {
      twilio.recover()
    }
    const [row] = await outboxOf(s.id)
    expect(row?.status).toBe('dead')
    expect(row?.lastError).toContain('21614')
    expect(await deliveries(s.id)).toEqual(['dead', 'queued'])
  })
})

describe('consent and the way to a person', () => {
  it('an RFC 8058 one-click unsubscribe, without a login, stops a message already decided', async () => {
    const s = shopper()
    await ingest(s.identify(), s.track('Care Needed', { via: 'email', order_id: 'U1' }))
    await engine.app.tick()
    const first = mail.messages.find((m) => m.to && 'text' in m.to && m.to.text.includes(s.id))
    const unsubscribe = /<([^>]+)>/.exec(rawHeader(first, 'list-unsubscribe'))?.[1] as string
    expect(unsubscribe).toContain('/l/u/')

    // A second decision is made, then the shopper clicks "unsubscribe" in their mail client…
    clock.advance(60_000)
    await ingest(s.track('Care Needed', { via: 'email', order_id: 'U2' }))
    await engine.app.embedded!.drain((batch) => engine.app.engine.handleBatch(batch))
    const res = await fetch(unsubscribe, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' })
    expect(res.status).toBe(200)
    // …so the already decided message is not sent.
    await engine.app.tick()
    const later = await outboxOf(s.id)
    expect(later.map((o) => o.status)).toEqual(['sent', 'skipped'])
    expect(later[1]?.lastError).toMatch(/^consent: opted out of email/)
    expect(mail.messages.filter((m) => m.to && 'text' in m.to && m.to.text.includes(s.id))).toHaveLength(1)
  })

  it('"talk to a person" opens exactly one task with the nudge’s context, however often it is clicked', async () => {
    const s = shopper()
    await ingest(s.identify(), s.track('Care Needed', { via: 'email', order_id: 'T1' }))
    await engine.app.tick()
    const html = String(mail.messages.find((m) => m.to && 'text' in m.to && m.to.text.includes(s.id))?.html)
    const link = new RegExp(`href="(${engine.url}/l/t/[^"]+)"`).exec(html)?.[1] as string
    expect(link).toBeDefined()
    expect((await fetch(link)).status).toBe(200) // the page asks; a GET changes nothing
    expect(await engine.app.ops.tasks.list({ customerId: s.id })).toHaveLength(0)
    for (let i = 0; i < 2; i++) {
      const res = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'message=Where+is+my+refund' })
      expect(res.status).toBe(200)
    }
    const tasks = await engine.app.ops.tasks.list({ customerId: s.id })
    expect(tasks).toHaveLength(1)
    expect(JSON.stringify(tasks[0]?.context)).toContain('T1')
  })

  it('"talk to a person" from push, the in-app inbox and the phone robot: one task per message each', async () => {
    const askTwice = async (url: string, init: RequestInit) => {
      for (let i = 0; i < 2; i++) expect((await fetch(url, init)).status).toBe(200)
    }
    const form = (body: string): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body })

    // Push: the notification's data carries the talk page for the app's "Talk to a person" action.
    const p = shopper()
    await ingest(p.identify(), p.track('Care Needed', { via: 'push', order_id: 'TP1' }))
    await engine.app.tick()
    const push = fcm.requests.find((r) => (r.json as { message?: { token?: string } }).message?.token === `tok-${p.id}`)
    const talkUrl = (push?.json as { message: { data: Record<string, string> } }).message.data.talk_url as string
    expect(talkUrl).toMatch(new RegExp(`^${engine.url}/l/t/`))
    await askTwice(talkUrl, form('message=About+my+payment'))
    expect(await engine.app.ops.tasks.list({ customerId: p.id })).toHaveLength(1)

    // In-app: the inbox message carries the same link; the widget shows it beside the message.
    const a = shopper()
    await ingest(a.identify(), a.track('Care Needed', { via: 'inapp', order_id: 'TA1' }))
    await engine.app.tick()
    const minted = await engine.api('POST', '/api/shopper-tokens', { customerId: a.id }, KEYS.ops)
    const inbox = await engine.api('GET', '/v1/inbox', undefined, '', { authorization: `Bearer ${minted.body.token}` })
    const inboxTalk = inbox.body.messages[0].data.links.talkToPerson as string
    expect(inboxTalk).toMatch(new RegExp(`^${engine.url}/l/t/`))
    await askTwice(inboxTalk, form(''))
    expect(await engine.app.ops.tasks.list({ customerId: a.id })).toHaveLength(1)

    // Voice: without a care line the robot offers "press 1"; Twilio posts the key to the signed URL.
    const v = shopper()
    await ingest(v.identify(), v.track('Care Needed', { via: 'voice', order_id: 'TV1' }))
    await engine.app.tick()
    const twiml = twilio.created.find((r) => r.resource === 'Calls' && r.form.To === v.phone)?.form.Twiml as string
    const gather = /<Gather numDigits="1" timeout="6" method="POST" action="([^"]+)"><Say language="en-US">If you would like a person from our team to call you back, press 1 now\.<\/Say><\/Gather><\/Response>$/.exec(twiml)
    expect(gather, twiml).not.toBeNull()
    const action = (gather?.[1] as string).replaceAll('&amp;', '&')
    const other = await fetch(action, form('Digits=2&CallSid=CA1'))
    expect(await other.text()).toBe('<Response><Say language="en-US">Goodbye.</Say></Response>')
    expect(await engine.app.ops.tasks.list({ customerId: v.id })).toHaveLength(0)
    for (let i = 0; i < 2; i++) {
      const pressed = await fetch(action, form('Digits=1&CallSid=CA1'))
      expect(pressed.headers.get('content-type')).toMatch(/^text\/xml/)
      expect(await pressed.text()).toContain('A person from our team will call you back soon.')
    }
    const tasks = await engine.app.ops.tasks.list({ customerId: v.id })
    expect(tasks).toHaveLength(1)
    expect(JSON.stringify(tasks[0]?.context)).toContain('pressed 1')
    expect((await fetch(action.replace(/\/l\/tp\/.*/, '/l/tp/forged-token'), form('Digits=1'))).status).toBe(404)
  })

  it('an agent’s logged call keeps the automated SMS away the same day', async () => {
    const s = shopper()
    await ingest(s.identify(), s.track('Call Requested'))
    await engine.app.tick()
    const [task] = await engine.app.ops.tasks.list({ customerId: s.id })
    expect((await engine.api('POST', `/api/tasks/${task!.id}/claim`, undefined, KEYS.bob)).status).toBe(200)
    expect((await engine.api('POST', `/api/tasks/${task!.id}/contacts`, { via: 'call', outcome: 'reached' }, KEYS.bob)).status).toBe(201)
    clock.advance(3 * 3_600_000)
    await ingest(s.track('Care Needed', { via: 'sms', order_id: 'H1' }))
    await engine.app.tick()
    expect(twilio.created.filter((r) => r.form.To === s.phone)).toHaveLength(0)
    const [sms] = await outboxOf(s.id)
    expect(sms).toMatchObject({ channel: 'sms', status: 'skipped' })
    expect(sms?.lastError).toMatch(/^human_contact: bob contacted the shopper by voice today/)
  })
})
