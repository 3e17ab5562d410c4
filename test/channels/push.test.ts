// The push sender against a fake FCM HTTP v1 endpoint over real HTTP.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { TransientSendError } from '../../src/channels/http.ts'
import { collapseId, createFcmPushSender } from '../../src/channels/push/index.ts'
import { PermanentSendError, type ContentRenderer, type OutboundMessage } from '../../src/channels/types.ts'
import { fullVars } from './support/messages.ts'
import { startFakeFcm, type FakeFcm } from '../support/providers/fcm.ts'

const PROJECT = 'acme-shop-7'
const ACCESS_TOKEN = 'ya29.test-access-token'
const DEVICE = 'fcm-device-token:APA91bH_abcdefghijklmnop'

const renderer: ContentRenderer = {
  render: (templateId, locale, vars) =>
    templateId === 'bodyless'
      ? { locale, parts: { title: 'Hi', body: '' } }
      : { locale, parts: { title: `${vars.shop.name}`, body: `${vars.customer.name}, ${String(vars.event.properties.name)} is waiting (${locale})` } },
  templateIds: () => ['abandoned-checkout', 'bodyless'],
  locales: () => ['en'],
}

function pushMessage(over: Partial<OutboundMessage> = {}): OutboundMessage {
  return {
    outboxId: 'ob-push-1',
    idempotencyKey: 'rule-cart:1:cust-1:evt-7:nudge-0',
    customerId: 'cust-1',
    channel: 'push',
    template: 'abandoned-checkout',
    locale: 'en',
    to: { pushToken: DEVICE },
    vars: fullVars(),
    ...over,
  }
}

let fcm: FakeFcm
const sender = (token: () => Promise<string> | string = async () => ACCESS_TOKEN) => createFcmPushSender({ baseUrl: fcm.url, projectId: PROJECT, accessToken: token, renderer })

beforeAll(async () => {
  fcm = await startFakeFcm({ projectId: PROJECT, accessToken: ACCESS_TOKEN })
})
afterEach(() => {
  fcm.requests.length = 0
})
afterAll(async () => {
  await fcm.close()
})

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const err = await promise.then(() => undefined, (e: unknown) => e)
  if (!(err instanceof Error)) throw new Error('expected the send to fail')
  return err
}

describe('fcm push sender', () => {
  it('sends the rendered notification with data, collapse ids and a bearer token', async () => {
    const message = pushMessage()
    const result = await sender().send(message)
    expect(result.providerMessageId).toMatch(new RegExp(`^projects/${PROJECT}/messages/`))
    const req = fcm.requests[0]!
    expect(req.path).toBe(`/v1/projects/${PROJECT}/messages:send`)
    expect(req.headers.authorization).toBe(`Bearer ${ACCESS_TOKEN}`)
    expect(req.headers['content-type']).toMatch(/^application\/json/)
    const collapse = collapseId(message.idempotencyKey)
    expect(req.json).toEqual({
      message: {
        token: DEVICE,
        notification: { title: 'Acme Home', body: 'Mei Lin, Linen Shirt is waiting (en)' },
        // The first of product/order/checkout links becomes the tap target; the app's "Talk to a
        // person" action opens talk_url.
        data: { outbox_id: 'ob-push-1', idempotency_key: message.idempotencyKey, url: 'https://shop.example/p/P-77', talk_url: 'https://shop.example/care/talk?c=cust-1' },
        android: { collapse_key: collapse },
        apns: { headers: { 'apns-collapse-id': collapse } },
      },
    })
    expect(collapse).toHaveLength(32)
  })

  it('keeps the same collapse ids on a retry, and takes a fresh token each time', async () => {
    let calls = 0
    const s = sender(() => {
      calls++
      return ACCESS_TOKEN
    })
    fcm.failNext(1, { status: 503, retryAfter: '7' })
    const err = await rejection(s.send(pushMessage()))
    expect(err).toBeInstanceOf(TransientSendError)
    expect((err as TransientSendError).retryAfterMs).toBe(7_000)
    await s.send(pushMessage())
    const [a, b] = fcm.requests.map((r) => r.json.message)
    expect(a.android.collapse_key).toBe(b.android.collapse_key)
    expect(a.apns.headers['apns-collapse-id']).toBe(b.apns.headers['apns-collapse-id'])
    expect(calls).toBe(2)
  })

  it('omits the url when the message has no product, order or checkout link', async () => {
    await sender().send(pushMessage({ vars: { ...fullVars(), links: { unsubscribe: 'https://x.example/u' } } }))
    expect(fcm.requests[0]!.json.message.data).toEqual({ outbox_id: 'ob-push-1', idempotency_key: pushMessage().idempotencyKey })
  })

  it('UNREGISTERED is permanent', async () => {
    const token = 'fcm-device-token:uninstalled-app-0001'
    fcm.unregister(token)
    const err = await rejection(sender().send(pushMessage({ to: { pushToken: token } })))
    expect(err).toBeInstanceOf(PermanentSendError)
    expect(err.message).toContain('UNREGISTERED')
  })

  it('INVALID_ARGUMENT (a malformed token) is permanent', async () => {
    const err = await rejection(sender().send(pushMessage({ to: { pushToken: 'short' } })))
    expect(err).toBeInstanceOf(PermanentSendError)
    expect(err.message).toContain('INVALID_ARGUMENT')
  })

  it('bad credentials (401, 403) are transient: ops fix the config, the message waits', async () => {
    const err = await rejection(sender(() => 'expired-token').send(pushMessage()))
    expect(err).toBeInstanceOf(TransientSendError)
    expect(err.message).toContain('401')
    fcm.failNext(1, { status: 403, body: { error: { code: 403, message: 'SenderId mismatch', status: 'PERMISSION_DENIED', details: [{ errorCode: 'SENDER_ID_MISMATCH' }] } } })
    expect(await rejection(sender().send(pushMessage()))).toBeInstanceOf(TransientSendError)
    const failing = await rejection(sender(async () => Promise.reject(new Error('metadata server down'))).send(pushMessage()))
    expect(failing).toBeInstanceOf(TransientSendError)
    expect(failing.message).toContain('metadata server down')
  })

  it('429 and 500 are transient', async () => {
    fcm.failNext(1, { status: 429, retryAfter: '60' })
    const limited = await rejection(sender().send(pushMessage()))
    expect(limited).toBeInstanceOf(TransientSendError)
    expect((limited as TransientSendError).retryAfterMs).toBe(60_000)
    fcm.failNext(1, { status: 500 })
    expect(await rejection(sender().send(pushMessage()))).toBeInstanceOf(TransientSendError)
  })

  it('no push token, or a template without a body, is permanent without HTTP', async () => {
    const none = await rejection(sender().send(pushMessage({ to: { phone: '+12125550100' } })))
    expect(none).toBeInstanceOf(PermanentSendError)
    expect(none.message).toMatch(/no push token/)
    expect(await rejection(sender().send(pushMessage({ template: 'bodyless' })))).toBeInstanceOf(PermanentSendError)
    expect(fcm.requests).toHaveLength(0)
  })

  it('rejects a broken configuration at construction', () => {
    expect(() => createFcmPushSender({ projectId: 'Bad Project', accessToken: () => 't', renderer })).toThrow(/projectId/)
  })
})
