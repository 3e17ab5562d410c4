// One task transition to a Standard Webhooks receiver: the body, its signature over
// "<webhook-id>.<webhook-timestamp>.<body>", and the POST. The webhook-id is the delivery row's,
// so every attempt of one transition carries the same id and receivers dedupe on it.
import { callProvider } from '../../channels/http.ts'
import { parseWebhookSecret, signWebhook } from '../../channels/webhook/signature.ts'
import type { Clock } from '../../lib/clock.ts'
import type { WebhookDelivery } from '../../store/operational/WebhookStore.ts'

export function taskWebhookBody(delivery: Pick<WebhookDelivery, 'event' | 'occurredAt' | 'payload'>): string {
  return JSON.stringify({ type: delivery.event, timestamp: new Date(delivery.occurredAt).toISOString(), data: delivery.payload })
}

export async function sendStandardWebhook(delivery: WebhookDelivery, endpoint: { url: string; secret: string }, clock: Clock, timeoutMs?: number): Promise<string> {
  const key = parseWebhookSecret(endpoint.secret)
  const timestamp = Math.floor(clock.now() / 1000)
  const body = taskWebhookBody(delivery)
  const response = await callProvider({
    provider: 'task webhook',
    url: endpoint.url,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'careloop-webhooks',
      'webhook-id': delivery.id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signWebhook(key, delivery.id, timestamp, body),
    },
    body,
    clock,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  })
  return `HTTP ${response.status}`
}
