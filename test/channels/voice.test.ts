// The phone robot against a fake Twilio Calls API over real HTTP, and its TwiML.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { TransientSendError } from '../../src/channels/http.ts'
import { buildTwiml, createTwilioVoiceSender, sayLanguage } from '../../src/channels/voice/index.ts'
import { PermanentSendError, type ContentRenderer, type OutboundMessage } from '../../src/channels/types.ts'
import { stableHash } from '../../src/lib/hash.ts'
import { fullVars } from './support/messages.ts'
import { startFakeTwilio, type FakeTwilio } from '../support/providers/twilio.ts'

const ACCOUNT = { accountSid: `AC${'b2'.repeat(16)}`, authToken: 'voice-auth-token' }
const FROM = '+15005550006'

// German has no voice template: it falls back to en, and the voice must follow the fallback.
const renderer: ContentRenderer = {
  render: (templateId, locale, vars) => {
    if (templateId === 'long') return { locale: 'en', parts: { say: 'blah '.repeat(1000) } }
    const used = locale.startsWith('zh') ? locale : 'en'
    return { locale: used, parts: { say: `Hello ${vars.customer.name}.\n\nYour order ${String(vars.order?.order_id)} is late.` } }
  },
  templateIds: () => ['delayed-shipment', 'long'],
  locales: () => ['en', 'zh-CN', 'zh-TW'],
}

function callMessage(over: Partial<OutboundMessage> = {}): OutboundMessage {
  return {
    outboxId: 'ob-call-1',
    idempotencyKey: 'rule-late:3:cust-1:evt-42:nudge-1',
    customerId: 'cust-1',
    channel: 'voice',
    template: 'delayed-shipment',
    locale: 'en',
    to: { phone: '+12125550100' },
    vars: fullVars(),
    ...over,
  }
}

let twilio: FakeTwilio
const sender = () => createTwilioVoiceSender({ ...ACCOUNT, baseUrl: twilio.url, from: FROM, renderer, statusCallback: (id) => `https://care.shop.example/l/cb/twilio-voice/tok-${id}` })

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

describe('twiml', () => {
  it('escapes XML special characters in the script', () => {
    const twiml = buildTwiml(`Tom & Jerry's <b>"deal"</b>`, 'en')
    expect(twiml).toBe(`<Response><Say language="en-US">Tom &amp; Jerry&apos;s &lt;b&gt;&quot;deal&quot;&lt;/b&gt;</Say></Response>`)
    expect(twiml).not.toMatch(/<b>|"deal"/)
  })

  it('says each line separately with a pause between, skipping blank lines', () => {
    expect(buildTwiml('First,  spaced\tout.\r\n\n\nSecond.\n \nThird.\n', 'zh-CN')).toBe(
      '<Response><Say language="cmn-CN">First, spaced out.</Say><Pause length="1"/><Say language="cmn-CN">Second.</Say><Pause length="1"/><Say language="cmn-CN">Third.</Say></Response>',
    )
  })

  it.each([
    ['en', 'en-US'],
    ['en-GB', 'en-GB'],
    ['zh-CN', 'cmn-CN'],
    ['zh-TW', 'cmn-TW'],
    ['zh-Hant', 'cmn-TW'],
    ['zh', 'cmn-CN'],
    ['fr', 'en-US'],
  ])('locale %s is read in %s', (locale, language) => {
    expect(sayLanguage(locale)).toBe(language)
  })
})

describe('twilio voice sender', () => {
  it('places a call with inline TwiML, the status callback and an idempotency token', async () => {
    const result = await sender().send(callMessage({ locale: 'zh-TW' }))
    expect(result.providerMessageId).toMatch(/^CA[0-9a-f]{32}$/)
    const req = twilio.requests[0]!
    expect(req.path).toBe(`/2010-04-01/Accounts/${ACCOUNT.accountSid}/Calls.json`)
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from(`${ACCOUNT.accountSid}:${ACCOUNT.authToken}`).toString('base64')}`)
    expect(req.headers['i-twilio-idempotency-token']).toBe(stableHash(callMessage().idempotencyKey, 32))
    expect(req.form).toEqual({
      To: '+12125550100',
      From: FROM,
      Twiml: '<Response><Say language="cmn-TW">Hello Mei Lin.</Say><Pause length="1"/><Say language="cmn-TW">Your order A-1001 is late.</Say></Response>',
      StatusCallback: 'https://care.shop.example/l/cb/twilio-voice/tok-ob-call-1',
      StatusCallbackEvent: 'completed',
      StatusCallbackMethod: 'POST',
    })
  })

  it('speaks in the language the script fell back to', async () => {
    await sender().send(callMessage({ locale: 'de' }))
    expect(twilio.requests[0]!.form.Twiml).toContain('<Say language="en-US">')
  })

  it('a retried call reuses the token and Twilio does not place a second call', async () => {
    const s = sender()
    const message = callMessage({ idempotencyKey: 'call-retry' })
    twilio.failNext(1, 503)
    expect(await rejection(s.send(message))).toBeInstanceOf(TransientSendError)
    const first = await s.send(message)
    const again = await s.send(message)
    expect(again.providerMessageId).toBe(first.providerMessageId)
    expect(new Set(twilio.requests.map((r) => r.headers['i-twilio-idempotency-token'])).size).toBe(1)
  })

  it('an invalid number is permanent; 5xx is transient', async () => {
    twilio.failPermanently(21211)
    const bad = await rejection(sender().send(callMessage()))
    expect(bad).toBeInstanceOf(PermanentSendError)
    expect(bad.message).toContain('21211')
    twilio.recover()
    twilio.failNext(1, 502)
    expect(await rejection(sender().send(callMessage()))).toBeInstanceOf(TransientSendError)
  })

  it('no phone, a non-E.164 phone or an over-long script fail permanently without calling Twilio', async () => {
    expect(await rejection(sender().send(callMessage({ to: { email: 'x@y.example' } })))).toBeInstanceOf(PermanentSendError)
    expect(await rejection(sender().send(callMessage({ to: { phone: '2125550100' } })))).toBeInstanceOf(PermanentSendError)
    const long = await rejection(sender().send(callMessage({ template: 'long' })))
    expect(long).toBeInstanceOf(PermanentSendError)
    expect(long.message).toMatch(/too long/)
    expect(twilio.requests).toHaveLength(0)
  })

  it('refuses a messaging service as caller id', () => {
    expect(() => createTwilioVoiceSender({ ...ACCOUNT, from: `MG${'0'.repeat(32)}`, renderer })).toThrow(/E\.164/)
  })

  it('puts the shopper through to the care line after the script when one is configured', () => {
    expect(buildTwiml('Hello.', 'en', '+4930123456')).toBe('<Response><Say language="en-US">Hello.</Say><Dial>+4930123456</Dial></Response>')
    expect(buildTwiml('Hello.', 'en')).not.toContain('<Dial>')
  })
})
