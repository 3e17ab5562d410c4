// Status callbacks from messaging providers: Twilio reports whether an SMS reached the handset and
// how a robot call ended. Each becomes a delivery row; a call's outcome is also fed back as a shop
// event ("Care Call Completed") so rules can react, e.g. open a task when nobody answered.
// The URLs carry a signed token naming the outbox message (links.ts callbackUrl); with the Twilio
// auth token configured, Twilio's own request signature is checked as well.
import { createHmac, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { deliveryRow } from '../../channels/deliveries.ts'
import { LINK_ROUTES, readCallback } from '../../channels/links.ts'
import type { DeliveryStatus, HistoryStore } from '../../store/history/HistoryStore.ts'
import type { OutboxRecord } from '../../store/operational/OutboxStore.ts'
import type { ApiDeps } from '../context.ts'
import { HttpError } from '../errors.ts'

export type ProviderCallbackDeps = ApiDeps<'ops' | 'links' | 'history' | 'sink' | 'clock' | 'twilioAuthToken'>

export const CALL_COMPLETED_EVENT = 'Care Call Completed'

export type CallbackProvider = 'twilio-sms' | 'twilio-voice'

/** Twilio's request signature: base64 HMAC-SHA1 over the URL followed by each POST param (sorted by name) as name+value. */
export function twilioSignature(authToken: string, url: string, params: URLSearchParams): string {
  let data = url
  for (const key of [...new Set(params.keys())].sort()) {
    for (const value of params.getAll(key).sort()) data += key + value
  }
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64')
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

// Provider SIDs are short alphanumerics (SM…, CA…); anything else is not from Twilio.
const SID = /^[A-Za-z0-9]{2,64}$/

interface Outcome {
  status: DeliveryStatus
  detail: string
}

/** Only final answers matter: queued/sending/sent are steps on the way and are acknowledged silently. */
function smsOutcome(params: URLSearchParams, sid: string): Outcome | undefined {
  const status = params.get('MessageStatus') ?? params.get('SmsStatus') ?? ''
  if (status === 'delivered') return { status: 'delivered', detail: `twilio ${sid} delivered` }
  if (status === 'undelivered' || status === 'failed') {
    const code = params.get('ErrorCode')
    const text = params.get('ErrorMessage')
    return { status: 'bounced', detail: `twilio ${sid} ${status}${code ? `: error ${code}` : ''}${text ? ` ${text}` : ''}` }
  }
  return undefined
}

const CALL_FAILURES = new Set(['busy', 'no-answer', 'failed', 'canceled'])

function callOutcome(params: URLSearchParams, sid: string): Outcome | undefined {
  const status = params.get('CallStatus') ?? ''
  if (status === 'completed') {
    const answeredBy = params.get('AnsweredBy') ?? 'unknown'
    return { status: 'delivered', detail: `twilio call ${sid} completed, answered by ${answeredBy}, ${params.get('CallDuration') ?? '0'}s` }
  }
  if (CALL_FAILURES.has(status)) {
    const code = params.get('ErrorCode')
    return { status: 'bounced', detail: `twilio call ${sid} ${status}${code ? `: error ${code}` : ''}` }
  }
  return undefined
}

export async function providerCallbackRoutes(app: FastifyInstance, deps: ProviderCallbackDeps): Promise<void> {
  const { history, sink, clock, twilioAuthToken } = deps
  const { outbox } = deps.ops
  const { secret, publicUrl } = deps.links

  // Twilio posts form bodies; fastify parses only JSON out of the box. Scoped to this plugin.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_request, body, done) => {
    done(null, new URLSearchParams(body as string))
  })

  /** The form, the outbox message the token names, and Twilio's signature checked. */
  async function authenticate(request: FastifyRequest, provider: CallbackProvider): Promise<{ params: URLSearchParams; message: OutboxRecord }> {
    const { token } = request.params as { token: string }
    const claims = readCallback(secret, token)
    if (claims === undefined || claims.provider !== provider) throw new HttpError(404, 'not_found', 'unknown callback')
    if (!(request.body instanceof URLSearchParams)) throw new HttpError(415, 'unsupported_media_type', 'expected an application/x-www-form-urlencoded body')
    const params = request.body
    if (twilioAuthToken) {
      const given = request.headers['x-twilio-signature']
      const url = `${publicUrl().replace(/\/+$/, '')}${request.url}`
      const expected = twilioSignature(twilioAuthToken, url, params)
      if (typeof given !== 'string' || !sameText(given, expected)) throw new HttpError(403, 'forbidden', 'X-Twilio-Signature does not match')
    }
    const message = await outbox.get(claims.outboxId)
    if (message === undefined) throw new HttpError(404, 'not_found', 'unknown message')
    return { params, message }
  }

  function sidOf(params: URLSearchParams, names: string[]): string {
    const sid = names.map((n) => params.get(n)).find((v) => v !== null) ?? ''
    if (!SID.test(sid)) throw new HttpError(400, 'invalid_request', `missing or malformed ${names[0]}`)
    return sid
  }

  // The provider's SID is the discriminator: a repeated callback lands on the same row id.
  const appendDelivery = (message: OutboxRecord, outcome: Outcome, sid: string) =>
    history.append({ deliveries: [deliveryRow(message, outcome.status, outcome.detail, clock.now(), sid)] })

  const schema = (summary: string) => ({
    tags: ['callbacks'],
    summary,
    params: { type: 'object', properties: { token: { type: 'string' } }, required: ['token'] },
  })

  app.post(`${LINK_ROUTES.callback}twilio-sms/:token`, { schema: schema('Twilio SMS status callback') }, async (request, reply) => {
    const { params, message } = await authenticate(request, 'twilio-sms')
    const sid = sidOf(params, ['MessageSid', 'SmsSid'])
    const outcome = smsOutcome(params, sid)
    if (outcome) await appendDelivery(message, outcome, sid)
    return reply.status(204).send()
  })

  app.post(`${LINK_ROUTES.callback}twilio-voice/:token`, { schema: schema('Twilio voice call status callback') }, async (request, reply) => {
    const { params, message } = await authenticate(request, 'twilio-voice')
    const sid = sidOf(params, ['CallSid'])
    const outcome = callOutcome(params, sid)
    if (outcome === undefined) return reply.status(204).send()
    const status = params.get('CallStatus') as string
    const now = clock.now()
    const duration = Number(params.get('CallDuration') ?? 0)
    // Every final outcome, answered or not, goes back in as an event: rules decide what it means.
    const messageId = `call:${sid}:${status}`
    await sink.accept([
      {
        messageId,
        customerId: message.customerId,
        receivedAt: now,
        body: {
          type: 'track',
          event: CALL_COMPLETED_EVENT,
          userId: message.customerId,
          messageId,
          timestamp: new Date(now).toISOString(),
          properties: {
            outbox_id: message.id,
            call_sid: sid,
            status,
            answered_by: params.get('AnsweredBy'),
            duration_s: Number.isFinite(duration) ? duration : 0,
            template: message.template,
          },
        },
      },
    ])
    await appendDelivery(message, outcome, sid)
    return reply.status(204).send()
  })
}
