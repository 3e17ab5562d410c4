export { createWebhookSender, webhookBody, webhookIdFor, WEBHOOK_EVENT_TYPE } from './sender.ts'
export type { WebhookSender, WebhookSenderOptions } from './sender.ts'
export { parseWebhookSecret, signWebhook } from './signature.ts'
