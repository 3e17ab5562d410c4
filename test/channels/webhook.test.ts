// The webhook sender against a local receiver; signatures checked with the independent
// standardwebhooks package, as a receiving shop would.
import { randomBytes } from 'node:crypto'
import { Webhook } from 'standardwebhooks'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { TransientSendError } from '../../src/channels/http.ts'
import { PermanentSendError, type OutboundMessage } from '../../src/channels/types.ts'
import { createWebhookSender, webhookIdFor } from '../../src/channels/webhook/index.ts'
import { ManualClock } from '../../src/lib/clock.ts'
import { fullVars } from './support/messages.ts'
import { startWebhookReceiver, type WebhookReceiver } from '../support/providers/webhookReceiver.ts'

const SECRET = `whsec_${randomBytes(32).toString('base64')}`
// standardwebhooks rejects timestamps more than 5 minutes from its own clock: stay near now.
const clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000 + 123)

function hookMessage(over: Partial<OutboundMessage> = {}): OutboundMessage {
  return {
    outboxId: 'ob-hook-1',
    idempotencyKey: 'rule-vip:2:cust-1:evt-9:nudge-0',
    customerId: 'cust-1',
    channel: 'webhook',
    template: 'vip-followup',
    locale: 'zh-CN',
    to: { email: 'mei@example.com', phone: '+8619900001234', name: 'Mei Lin' },
    vars: fullVars(),
    ...over,
  }
}

let receiver: WebhookReceiver
const sender = () => createWebhookSender({ url: receiver.url, secret: SECRET, clock })

beforeAll(async () => {
  receiver = await startWebhookReceiver()
})
afterEach(() => {
  receiver.requests.length = 0
})
afterAll(async () => {
  await receiver.close()
})

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const err = await promise.then(() => undefined, (e: unknown) => e)
  if (!(err instanceof Error)) throw new Error('expected the send to fail')
  return err
}

const headersOf = (req: WebhookReceiver['requests'][number]) => ({
  'webhook-id': String(req.headers['webhook-id']),
  'webhook-timestamp': String(req.headers['webhook-timestamp']),
  'webhook-signature': String(req.headers['webhook-signature']),
})

describe('standard webhooks sender', () => {
  it('posts a signed careloop.nudge that standardwebhooks verifies', async () => {
    const message = hookMessage()
    const result = await sender().send(message)
    const req = receiver.requests[0]!
    expect(req.path).toBe('/hooks/careloop')
    expect(req.headers['content-type']).toBe('application/json')
    expect(req.headers['webhook-timestamp']).toBe(String(Math.floor(clock.now() / 1000)))
    expect(req.headers['webhook-id']).toBe(webhookIdFor(message.idempotencyKey))
    expect(result.providerMessageId).toBe(req.headers['webhook-id'])
    const verified = new Webhook(SECRET).verify(req.rawBody, headersOf(req))
    expect(verified).toEqual({
      type: 'careloop.nudge',
      timestamp: new Date(clock.now()).toISOString(),
      data: {
        outbox_id: 'ob-hook-1',
        idempotency_key: message.idempotencyKey,
        customer_id: 'cust-1',
        template: 'vip-followup',
        locale: 'zh-CN',
        to: message.to,
        vars: JSON.parse(JSON.stringify(message.vars)),
      },
    })
  })

  it('a tampered body, or another secret, fails verification', async () => {
    await sender().send(hookMessage())
    const req = receiver.requests[0]!
    const tampered = req.rawBody.replace('cust-1', 'cust-2')
    expect(tampered).not.toBe(req.rawBody)
    expect(() => new Webhook(SECRET).verify(tampered, headersOf(req))).toThrow()
    expect(() => new Webhook(`whsec_${randomBytes(32).toString('base64')}`).verify(req.rawBody, headersOf(req))).toThrow()
  })

  it('keeps webhook-id across retries so the receiver can dedupe', async () => {
    receiver.failNext(1, 503, { 'retry-after': '12' })
    const err = await rejection(sender().send(hookMessage()))
    expect(err).toBeInstanceOf(TransientSendError)
    expect((err as TransientSendError).retryAfterMs).toBe(12_000)
    clock.advance(30_000)
    await sender().send(hookMessage())
    const [first, second] = receiver.requests
    expect(first!.headers['webhook-id']).toBe(second!.headers['webhook-id'])
    expect(Number(second!.headers['webhook-timestamp'])).toBe(Number(first!.headers['webhook-timestamp']) + 30)
    expect(() => new Webhook(SECRET).verify(second!.rawBody, headersOf(second!))).not.toThrow()
  })

  it.each([410, 400, 404, 422])('%i is permanent', async (status) => {
    receiver.failNext(1, status)
    expect(await rejection(sender().send(hookMessage()))).toBeInstanceOf(PermanentSendError)
  })

  it.each([408, 429, 500, 503])('%i is transient', async (status) => {
    receiver.failNext(1, status)
    const err = await rejection(sender().send(hookMessage()))
    expect(err).toBeInstanceOf(TransientSendError)
    expect(err).not.toBeInstanceOf(PermanentSendError)
  })

  it('rejects a malformed secret or url at construction, with a clear message', () => {
    expect(() => createWebhookSender({ url: receiver.url, secret: 'plain-secret', clock })).toThrow(/whsec_/)
    expect(() => createWebhookSender({ url: receiver.url, secret: 'whsec_not base64!', clock })).toThrow(/base64/)
    expect(() => createWebhookSender({ url: receiver.url, secret: `whsec_${randomBytes(8).toString('base64')}`, clock })).toThrow(/24 to 64 bytes/)
    expect(() => createWebhookSender({ url: 'ftp://x.example/', secret: SECRET, clock })).toThrow(/http/)
  })
})
