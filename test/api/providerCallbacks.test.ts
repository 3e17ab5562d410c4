// Twilio status callbacks end to end: the real senders place messages and calls on a fake Twilio,
// which then posts signed callbacks to the route, backed by real embedded stores.
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerErrorHandler } from '../../src/api/errors.ts'
import { CALL_COMPLETED_EVENT, providerCallbackRoutes, type ProviderCallbackDeps } from '../../src/api/routes/providerCallbacks.ts'
import { callbackUrl, type LinkSettings } from '../../src/channels/links.ts'
import { createTwilioSmsSender } from '../../src/channels/sms/index.ts'
import type { ContentRenderer, OutboundMessage } from '../../src/channels/types.ts'
import { createTwilioVoiceSender } from '../../src/channels/voice/index.ts'
import { ManualClock } from '../../src/lib/clock.ts'
import { signToken } from '../../src/lib/signedToken.ts'
import type { ClickHouseHistoryStore } from '../../src/store/history/ClickHouseHistoryStore.ts'
import { openHistoryStore } from '../../src/store/history/openHistoryStore.ts'
import { openOperationalStore, type OperationalStore } from '../../src/store/operational/OperationalStore.ts'
import { decodeMessage } from '../../src/stream/decode.ts'
import { EmbeddedIngestSink } from '../../src/stream/ingest/IngestSink.ts'
import { fullVars } from '../channels/support/messages.ts'
import { startFakeTwilio, type FakeTwilio } from '../support/providers/twilio.ts'
import { freshDataDir } from '../support/stores.ts'

const ACCOUNT = { accountSid: `AC${'c3'.repeat(16)}`, authToken: 'callback-auth-token' }
const LINK_SECRET = 'link-secret-for-tests'
const clock = new ManualClock(Date.UTC(2026, 6, 1, 10))
const renderer: ContentRenderer = {
  render: (_t, locale, vars) => ({ locale, parts: { text: `Hi ${vars.customer.name}`, say: `Hello ${vars.customer.name}` } }),
  templateIds: () => ['delayed-shipment'],
  locales: () => ['en'],
}

let ops: OperationalStore
let history: ClickHouseHistoryStore
let twilio: FakeTwilio
let app: FastifyInstance
let unsigned: FastifyInstance
let baseUrl = ''
let unsignedUrl = ''
const links: LinkSettings = { publicUrl: () => baseUrl, secret: LINK_SECRET }

async function startApp(deps: Omit<ProviderCallbackDeps, 'links'>, publicUrl: () => string): Promise<{ app: FastifyInstance; url: string }> {
  const server = Fastify()
  registerErrorHandler(server)
  await server.register(providerCallbackRoutes, { ...deps, links: { secret: LINK_SECRET, publicUrl } })
  const url = await server.listen({ port: 0, host: '127.0.0.1' })
  return { app: server, url }
}

beforeAll(async () => {
  const dir = freshDataDir('careloop-callbacks-')
  ops = await openOperationalStore({ dataDir: join(dir, 'ops') })
  history = await openHistoryStore({ dataDir: dir })
  twilio = await startFakeTwilio(ACCOUNT)
  const deps = { ops, history, sink: new EmbeddedIngestSink(ops.log, 0, () => {}), clock, twilioAuthToken: undefined }
  ;({ app, url: baseUrl } = await startApp({ ...deps, twilioAuthToken: ACCOUNT.authToken }, () => baseUrl))
  ;({ app: unsigned, url: unsignedUrl } = await startApp(deps, () => unsignedUrl))
})
afterAll(async () => {
  await app?.close()
  await unsigned?.close()
  await twilio?.close()
  await history?.close()
  await ops?.close()
})

let counter = 0
/** An outbox row and the message the dispatcher would hand to the sender for it. */
async function queued(channel: 'sms' | 'voice', customerId = 'cust-cb'): Promise<OutboundMessage> {
  const id = `ob-${channel}-${++counter}`
  const message: OutboundMessage = {
    outboxId: id,
    idempotencyKey: `rule-late:1:${customerId}:evt-${counter}:nudge-0`,
    customerId,
    channel,
    template: 'delayed-shipment',
    locale: 'en',
    to: { phone: '+12125550100' },
    vars: fullVars(),
  }
  await ops.outbox.insert([
    { id, idempotencyKey: message.idempotencyKey, customerId, channel, template: message.template, topic: 'care', priority: 0, urgent: false, ruleId: 'rule-late', ruleVersion: 1, payload: { to: message.to, locale: 'en', vars: message.vars }, nextAttemptAt: clock.now(), createdAt: clock.now() },
  ])
  return message
}

const smsSender = (publicUrl = () => baseUrl) =>
  createTwilioSmsSender({ ...ACCOUNT, baseUrl: twilio.url, from: '+15005550006', renderer, statusCallback: (id) => callbackUrl({ ...links, publicUrl }, 'twilio-sms', id) })
const voiceSender = () => createTwilioVoiceSender({ ...ACCOUNT, baseUrl: twilio.url, from: '+15005550006', renderer, statusCallback: (id) => callbackUrl(links, 'twilio-voice', id) })

const deliveries = async (customerId: string, outboxId: string) =>
  (await history.timeline(customerId)).filter((e) => e.kind === 'delivery' && e.data.outbox_id === outboxId)
const events = async () => (await ops.log.read(0, 0, 1000)).map((r) => r.body as Record<string, any>)

describe('twilio sms callbacks', () => {
  it('the URL the sender gives Twilio is the route', async () => {
    const message = await queued('sms')
    await smsSender().send(message)
    expect(twilio.requests.at(-1)!.form.StatusCallback).toMatch(new RegExp(`^${baseUrl}/l/cb/twilio-sms/[\\w-]+\\.[\\w-]+$`))
  })

  it('delivered becomes one delivery row, even when Twilio repeats it; progress reports are ignored', async () => {
    const message = await queued('sms')
    const { providerMessageId: sid } = await smsSender().send(message)
    expect((await twilio.statusCallback(sid!, 'sent')).status).toBe(204)
    expect(await deliveries(message.customerId, message.outboxId)).toHaveLength(0)
    const res = await twilio.statusCallback(sid!, 'delivered')
    expect(res.status).toBe(204)
    expect(await res.text()).toBe('')
    expect((await twilio.statusCallback(sid!, 'delivered')).status).toBe(204)
    const rows = await deliveries(message.customerId, message.outboxId)
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ id: `${message.outboxId}:delivered:${sid}`, title: 'delivered', ts: clock.now() })
    expect(rows[0]!.data).toMatchObject({ channel: 'sms', template: 'delayed-shipment', detail: expect.stringContaining(sid!) })
  })

  it('undelivered and failed become bounced, with the error code', async () => {
    const message = await queued('sms')
    const { providerMessageId: sid } = await smsSender().send(message)
    expect((await twilio.statusCallback(sid!, 'undelivered', { ErrorCode: '30003' })).status).toBe(204)
    const rows = await deliveries(message.customerId, message.outboxId)
    expect(rows.map((r) => r.title)).toEqual(['bounced'])
    expect(rows[0]!.data.detail).toContain('30003')
  })

  it('a bad X-Twilio-Signature is 403 and records nothing', async () => {
    const message = await queued('sms')
    const { providerMessageId: sid } = await smsSender().send(message)
    expect((await twilio.statusCallback(sid!, 'delivered', {}, { signWith: 'someone-elses-token' })).status).toBe(403)
    // Params changed after signing (a replay with a forged status) fail too.
    const url = twilio.created.find((c) => c.sid === sid)!.form.StatusCallback!
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `MessageSid=${sid}&MessageStatus=delivered` })
    expect(res.status).toBe(403)
    expect(await deliveries(message.customerId, message.outboxId)).toHaveLength(0)
  })

  it('a forged or foreign token is 404', async () => {
    const message = await queued('sms')
    const { providerMessageId: sid } = await smsSender().send(message)
    const forged = signToken('not-our-secret', 'callback', { outboxId: message.outboxId, provider: 'twilio-sms' })
    expect((await twilio.statusCallback(sid!, 'delivered', {}, { url: `${baseUrl}/l/cb/twilio-sms/${forged}` })).status).toBe(404)
    expect((await twilio.statusCallback(sid!, 'delivered', {}, { url: `${baseUrl}/l/cb/twilio-sms/garbage` })).status).toBe(404)
    // A genuine voice token does not open the sms route.
    const voiceToken = callbackUrl(links, 'twilio-voice', message.outboxId).split('/').pop()
    expect((await twilio.statusCallback(sid!, 'delivered', {}, { url: `${baseUrl}/l/cb/twilio-sms/${voiceToken}` })).status).toBe(404)
    // A genuine token for a message that does not exist.
    expect((await twilio.statusCallback(sid!, 'delivered', {}, { url: callbackUrl(links, 'twilio-sms', 'ob-unknown') })).status).toBe(404)
    expect(await deliveries(message.customerId, message.outboxId)).toHaveLength(0)
  })

  it('without a Twilio auth token configured, the signed URL alone is enough', async () => {
    const message = await queued('sms')
    const { providerMessageId: sid } = await smsSender(() => unsignedUrl).send(message)
    expect((await twilio.statusCallback(sid!, 'delivered', {}, { signWith: 'anything' })).status).toBe(204)
    expect(await deliveries(message.customerId, message.outboxId)).toHaveLength(1)
  })

  it('a JSON body is 415', async () => {
    const message = await queued('sms')
    const res = await fetch(callbackUrl(links, 'twilio-sms', message.outboxId), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"MessageStatus":"delivered"}' })
    expect(res.status).toBe(415)
  })
})

describe('twilio voice callbacks', () => {
  it('a completed call is delivered and comes back as a Care Call Completed event', async () => {
    const message = await queued('voice', 'cust-voice-1')
    const { providerMessageId: sid } = await voiceSender().send(message)
    const res = await twilio.statusCallback(sid!, 'completed', { AnsweredBy: 'human', CallDuration: '42', Duration: '1' })
    expect(res.status).toBe(204)
    const rows = await deliveries(message.customerId, message.outboxId)
    expect(rows.map((r) => r.title)).toEqual(['delivered'])
    expect(rows[0]!.data.detail).toMatch(/human.*42/)
    const event = (await events()).find((e) => e.messageId === `call:${sid}:completed`)
    expect(event).toEqual({
      type: 'track',
      event: CALL_COMPLETED_EVENT,
      userId: 'cust-voice-1',
      messageId: `call:${sid}:completed`,
      timestamp: new Date(clock.now()).toISOString(),
      properties: { outbox_id: message.outboxId, call_sid: sid, status: 'completed', answered_by: 'human', duration_s: 42, template: 'delayed-shipment' },
    })
    // The engine reads it like any shop event.
    const decoded = decodeMessage(event, clock.now())
    expect(decoded.ok && decoded.event).toMatchObject({ name: CALL_COMPLETED_EVENT, customerId: 'cust-voice-1' })
  })

  it.each(['no-answer', 'busy', 'failed', 'canceled'])('%s is bounced and still fed back as an event, once', async (status) => {
    const message = await queued('voice', `cust-voice-${status}`)
    const { providerMessageId: sid } = await voiceSender().send(message)
    expect((await twilio.statusCallback(sid!, status, { CallDuration: '0' })).status).toBe(204)
    expect((await twilio.statusCallback(sid!, status, { CallDuration: '0' })).status).toBe(204)
    const rows = await deliveries(message.customerId, message.outboxId)
    expect(rows.map((r) => r.title)).toEqual(['bounced'])
    expect(rows[0]!.data.detail).toContain(status)
    const fed = (await events()).filter((e) => e.properties?.call_sid === sid)
    expect(fed).toHaveLength(1)
    expect(fed[0]!.properties).toMatchObject({ status, answered_by: null, duration_s: 0 })
  })

  it('progress reports (ringing) are acknowledged without rows or events', async () => {
    const message = await queued('voice', 'cust-voice-ringing')
    const { providerMessageId: sid } = await voiceSender().send(message)
    expect((await twilio.statusCallback(sid!, 'ringing')).status).toBe(204)
    expect(await deliveries(message.customerId, message.outboxId)).toHaveLength(0)
    expect((await events()).filter((e) => e.properties?.call_sid === sid)).toHaveLength(0)
  })

  it('a bad signature is 403 and feeds nothing back', async () => {
    const message = await queued('voice', 'cust-voice-forged')
    const { providerMessageId: sid } = await voiceSender().send(message)
    expect((await twilio.statusCallback(sid!, 'completed', {}, { signWith: 'wrong' })).status).toBe(403)
    expect((await events()).filter((e) => e.properties?.call_sid === sid)).toHaveLength(0)
  })
})
