// Task webhooks and helpdesk bridges: the transitions a task goes through that endpoints can
// subscribe to, and the kinds of endpoint (a Standard Webhooks receiver, or a helpdesk mirror).

/** Every transition of a task an endpoint may receive, as the `type` of the webhook body. */
export const TASK_WEBHOOK_EVENTS = [
  'task.created',
  'task.claimed',
  'task.released',
  'task.reassigned',
  'task.snoozed',
  'task.escalated',
  'task.resolved',
] as const
export type TaskWebhookEvent = (typeof TASK_WEBHOOK_EVENTS)[number]

/** standard: signed Standard Webhooks POSTs; chatwoot / zendesk: the task mirrored as a conversation / ticket. */
export const ENDPOINT_KINDS = ['standard', 'chatwoot', 'zendesk'] as const
export type EndpointKind = (typeof ENDPOINT_KINDS)[number]
export type HelpdeskKind = Exclude<EndpointKind, 'standard'>

export const ENDPOINT_ID_PATTERN = '^[a-z0-9][a-z0-9_-]{0,62}$'
