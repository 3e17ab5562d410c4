// The SMS sender against a fake Twilio Messages API over real HTTP: wire format, idempotency,
// and which failures are retried and which are final.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { parseRetryAfter, TransientSendError } from '../../src/channels/http.ts'
import { createTwilioSmsSender, normalizePhone } from '../../src/channels/sms/index.ts'
import { PermanentSendError, type ContentRenderer, type OutboundMessage } from '../../src/channels/types.ts'
import { stableHash } from '../../src/lib/hash.ts'
import { fullVars } from './support/messages.ts'
import { startFakeTwilio, type FakeTwilio } from '../support/providers/twilio.ts'

const ACCOUNT = { accountSid: `AC${'a1'.repeat(16)}`, authToken: 'twilio-auth-token' }
const FROM = '+15005550006'

// Renders from the vars, so the test sees content flow from the message into the request.
const renderer: ContentRenderer = {
  render: (templateId, locale, vars) => {
    if (templateId === 'missing') throw new PermanentSendError('unknown sms template missing')
    if (templateId === 'empty') return { locale, parts: { text: '  ' } }
    return { locale, parts: { text: `[${locale}] Hi ${vars.customer.name}, order ${String(vars.order?.order_id)}: ${vars.links.tracking}` } }
  },
  templateIds: () => ['delayed-shipment', 'empty'],
  locales: () => ['en', 'zh-CN'],
}

function smsMessage(over: Partial<OutboundMessage> = {}): OutboundMessage {
  return {
    outboxId: 'ob-sms-1',
    idempotencyKey: 'rule-late:3:cust-1:evt-42:nudge-0',
    customerId: 'cust-1',
    channel: 'sms',
    template: 'delayed-shipment',
    locale: 'zh-CN',
    to: { phone: '+86 199 0000 1234', name: 'Mei Lin' },
    vars: fullVars(),
    ...over,
  }
}

let twilio: FakeTwilio
const sender = () => createTwilioSmsSender({ ...ACCOUNT, baseUrl: twilio.url, from: FROM, renderer, statusCallback: (id) => `https://care.shop.example/l/cb/twilio-sms/tok-${id}` })

beforeAll(async () => {
  twilio = await startFakeTwilio(ACCOUNT)
})
afterEach(() => {
  twilio.requests.length = 0
  twilio.recover()
})
afterAll(async () => {
  await twilio.close()
})

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const err = await promise.then(() => undefined, (e: unknown) => e)
  if (!(err instanceof Error)) throw new Error('expected the send to fail')
  return err
}

describe('twilio sms sender', () => {
  it('posts the rendered text to Messages.json with Basic auth, the status callback and an idempotency token', async () => {
    const result = await sender().send(smsMessage())
    expect(result.providerMessageId).toMatch(/^SM[0-9a-f]{32}$/)
    expect(twilio.requests).toHaveLength(1)
    const req = twilio.requests[0]!
    expect(req.path).toBe(`/2010-04-01/Accounts/${ACCOUNT.accountSid}/Messages.json`)
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded')
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from(`${ACCOUNT.accountSid}:${ACCOUNT.authToken}`).toString('base64')}`)
    expect(req.form).toEqual({
      To: '+8619900001234',
      From: FROM,
      Body: '[zh-CN] Hi Mei Lin, order A-1001: https://track.example/SF1234567890',
      StatusCallback: 'https://care.shop.example/l/cb/twilio-sms/tok-ob-sms-1',
    })
    expect(req.headers['i-twilio-idempotency-token']).toBe(stableHash(smsMessage().idempotencyKey, 32))
  })

  it('sends through a Messaging Service when from is an MG sid', async () => {
    const service = `MG${'0f'.repeat(16)}`
    await createTwilioSmsSender({ ...ACCOUNT, baseUrl: twilio.url, from: service, renderer }).send(smsMessage())
    const form = twilio.requests[0]!.form
    expect(form.MessagingServiceSid).toBe(service)
    expect(form.From).toBeUndefined()
    expect(form.StatusCallback).toBeUndefined()
  })

  it('keeps the idempotency token across retries, and Twilio replays the first answer', async () => {
    const s = sender()
    const message = smsMessage({ idempotencyKey: 'retry-key-1' })
    twilio.failNext(1, 503)
    const first = await rejection(s.send(message))
    expect(first).not.toBeInstanceOf(PermanentSendError)
    const second = await s.send(message)
    // A crash after Twilio accepted: the resend is deduplicated, same sid, no second message.
    const third = await s.send(message)
    expect(third.providerMessageId).toBe(second.providerMessageId)
    const tokens = twilio.requests.map((r) => r.headers['i-twilio-idempotency-token'])
    expect(new Set(tokens).size).toBe(1)
    expect(twilio.created.filter((c) => c.sid === second.providerMessageId)).toHaveLength(1)
  })

  it.each([
    [21211, 'invalid To'],
    [21610, 'recipient unsubscribed'],
    [21614, 'not a mobile number'],
  ])('Twilio error %i (%s) is permanent, with the code in the message', async (code) => {
    twilio.failPermanently(code)
    const err = await rejection(sender().send(smsMessage()))
    expect(err).toBeInstanceOf(PermanentSendError)
    expect(err.message).toContain(String(code))
  })

  it('429 and 5xx are transient and carry Retry-After', async () => {
    twilio.failNext(1, 429, undefined, { 'retry-after': '30' })
    const limited = await rejection(sender().send(smsMessage()))
    expect(limited).toBeInstanceOf(TransientSendError)
    expect(limited).not.toBeInstanceOf(PermanentSendError)
    expect((limited as TransientSendError).retryAfterMs).toBe(30_000)
    twilio.failNext(1, 500)
    const down = await rejection(sender().send(smsMessage()))
    expect(down).toBeInstanceOf(TransientSendError)
    expect(down.message).toContain('20500')
  })

  it('bad credentials and a wrong From are setup problems: retried, not dead-lettered', async () => {
    const wrong = createTwilioSmsSender({ ...ACCOUNT, authToken: 'expired', baseUrl: twilio.url, from: FROM, renderer })
    const auth = await rejection(wrong.send(smsMessage()))
    expect(auth).toBeInstanceOf(TransientSendError)
    expect(auth.message).toContain('20003')
    twilio.failPermanently(21606)
    expect(await rejection(sender().send(smsMessage()))).toBeInstanceOf(TransientSendError)
  })

  it.each([
    [{}, /no phone number/],
    [{ phone: '' }, /no phone number/],
    [{ phone: '0151 2345 678' }, /not E\.164/],
    [{ phone: '+1 555 CALL NOW' }, /not E\.164/],
  ])('a missing or malformed number (%o) is permanent, before any HTTP', async (to, reason) => {
    const err = await rejection(sender().send(smsMessage({ to })))
    expect(err).toBeInstanceOf(PermanentSendError)
    expect(err.message).toMatch(reason)
    expect(twilio.requests).toHaveLength(0)
  })

  it('a template that renders nothing or does not exist is permanent, before any HTTP', async () => {
    expect(await rejection(sender().send(smsMessage({ template: 'empty' })))).toBeInstanceOf(PermanentSendError)
    expect(await rejection(sender().send(smsMessage({ template: 'missing' })))).toBeInstanceOf(PermanentSendError)
    expect(twilio.requests).toHaveLength(0)
  })

  it('rejects a broken configuration at construction', () => {
    expect(() => createTwilioSmsSender({ ...ACCOUNT, accountSid: 'nope', from: FROM, renderer })).toThrow(/accountSid/)
    expect(() => createTwilioSmsSender({ ...ACCOUNT, from: 'Acme', renderer })).toThrow(/E\.164/)
    expect(normalizePhone(' +1 (212) 555-0100 ')).toBe('+12125550100')
  })
})

describe('provider HTTP failures', () => {
  let hanging: Server
  let hangingUrl: string
  beforeAll(async () => {
    hanging = createServer(() => {
      /* never answers */
    })
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve))
    hangingUrl = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    hanging.closeAllConnections()
    await new Promise((resolve) => hanging.close(resolve))
  })

  it('a provider that does not answer in time is a transient failure', async () => {
    const s = createTwilioSmsSender({ ...ACCOUNT, baseUrl: hangingUrl, from: FROM, renderer, timeoutMs: 150 })
    const err = await rejection(s.send(smsMessage()))
    expect(err).toBeInstanceOf(TransientSendError)
    expect(err.message).toMatch(/no answer within 150 ms/)
  })

  it('a refused connection is a transient failure', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise((resolve) => closed.close(resolve))
    const s = createTwilioSmsSender({ ...ACCOUNT, baseUrl: `http://127.0.0.1:${port}`, from: FROM, renderer })
    const err = await rejection(s.send(smsMessage()))
    expect(err).toBeInstanceOf(TransientSendError)
    expect(err.message).toContain('ECONNREFUSED')
  })

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.UTC(2026, 0, 1, 12)
    expect(parseRetryAfter('120', now)).toBe(120_000)
    expect(parseRetryAfter(new Date(now + 5_000).toUTCString(), now)).toBe(5_000)
    expect(parseRetryAfter('soon', now)).toBeUndefined()
    expect(parseRetryAfter(null, now)).toBeUndefined()
  })
})
