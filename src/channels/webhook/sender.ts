// The webhook channel: hand the decided nudge to the shop's own system (a CRM, a chat tool) as a
// signed Standard Webhooks POST. Nothing is rendered: the receiver gets the template id and vars.
import { stableHash } from '../../lib/hash.ts'
import type { Clock } from '../../lib/clock.ts'
import { callProvider } from '../http.ts'
import { PermanentSendError, type ChannelSender, type OutboundMessage, type SendResult } from '../types.ts'
import { parseWebhookSecret, signWebhook } from './signature.ts'

export const WEBHOOK_EVENT_TYPE = 'careloop.nudge'

export interface WebhookSenderOptions {
  /** The receiver's endpoint (http or https). */
  url: string
  /** `whsec_` + base64 key, shared with the receiver. */
  secret: string
  /** Drives webhook-timestamp and the body's timestamp (time is injected). */
  clock: Clock
  timeoutMs?: number
}

export interface WebhookSender extends ChannelSender {
  readonly channel: 'webhook'
}

/** Same id on every attempt of one message: receivers dedupe on webhook-id. */
export const webhookIdFor = (idempotencyKey: string): string => `msg_${stableHash(idempotencyKey, 32)}`

export function webhookBody(message: OutboundMessage, now: number): string {
  return JSON.stringify({
    type: WEBHOOK_EVENT_TYPE,
    timestamp: new Date(now).toISOString(),
    data: {
      outbox_id: message.outboxId,
      idempotency_key: message.idempotencyKey,
      customer_id: message.customerId,
      template: message.template,
      locale: message.locale,
      to: message.to,
      vars: message.vars,
    },
  })
}

export function createWebhookSender(options: WebhookSenderOptions): WebhookSender {
  const key = parseWebhookSecret(options.secret)
  let protocol: string
  try {
    protocol = new URL(options.url).protocol
  } catch {
    throw new Error(`webhook: url is not a valid URL: ${JSON.stringify(options.url)}`)
  }
  if (protocol !== 'http:' && protocol !== 'https:') throw new Error(`webhook: url must use http or https, got ${protocol}`)
  if (!options.clock) throw new Error('webhook: a clock is required')

  async function send(message: OutboundMessage): Promise<SendResult> {
    if (message.channel !== 'webhook') throw new PermanentSendError(`webhook sender cannot send a ${message.channel} message`)
    const now = options.clock.now()
    const id = webhookIdFor(message.idempotencyKey)
    const timestamp = Math.floor(now / 1000)
    const body = webhookBody(message, now)
    // Default verdicts fit the spec: 410 Gone and other 4xx are final, 408/429/5xx are retried.
    const response = await callProvider({
      provider: 'webhook',
      url: options.url,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'careloop-webhooks',
        'webhook-id': id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signWebhook(key, id, timestamp, body),
      },
      body,
      timeoutMs: options.timeoutMs,
      clock: options.clock,
    })
    return { providerMessageId: id, detail: `webhook ${response.status}` }
  }

  return { channel: 'webhook', send }
}
