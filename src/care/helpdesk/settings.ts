// What each helpdesk bridge needs besides its base URL and API token (the endpoint's url and
// secret), checked when the endpoint is configured and read when a task is mirrored.
import type { HelpdeskKind } from '../../model/taskWebhooks.ts'

export interface ChatwootSettings {
  /** The Chatwoot account the conversations go to. */
  accountId: number
  /** An API-channel inbox of that account. */
  inboxId: number
  /** The secret token Chatwoot's webhook URL carries (…?token=…): Chatwoot's stable releases do not sign webhooks. */
  webhookToken: string
}

export interface ZendeskSettings {
  /** The agent whose API token the endpoint's secret is (Basic auth "email/token:secret"). */
  email: string
  /** The signing secret of the Zendesk webhook that reports ticket status changes. */
  webhookSecret: string
}

export type Problem = { path: string; message: string }

const isId = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0
const isText = (v: unknown, min: number): v is string => typeof v === 'string' && v.length >= min && v.length <= 500

export function helpdeskSettingsProblems(kind: HelpdeskKind, settings: Record<string, unknown>): Problem[] {
  const problems: Problem[] = []
  const own = (k: string): unknown => (Object.hasOwn(settings, k) ? settings[k] : undefined)
  if (kind === 'chatwoot') {
    if (!isId(own('accountId'))) problems.push({ path: '/settings/accountId', message: 'must be the Chatwoot account id (a positive integer)' })
    if (!isId(own('inboxId'))) problems.push({ path: '/settings/inboxId', message: 'must be the id of an API-channel inbox (a positive integer)' })
    if (!isText(own('webhookToken'), 16)) problems.push({ path: '/settings/webhookToken', message: 'must be a secret of 16 to 500 characters' })
  } else {
    const email = own('email')
    if (!isText(email, 3) || !email.includes('@')) problems.push({ path: '/settings/email', message: 'must be the email of the Zendesk agent owning the API token' })
    if (!isText(own('webhookSecret'), 16)) problems.push({ path: '/settings/webhookSecret', message: "must be the Zendesk webhook's signing secret (16 to 500 characters)" })
  }
  for (const key of Object.keys(settings)) {
    const known = kind === 'chatwoot' ? ['accountId', 'inboxId', 'webhookToken'] : ['email', 'webhookSecret']
    if (!known.includes(key)) problems.push({ path: `/settings/${key}`, message: 'is not a setting of this helpdesk' })
  }
  return problems
}

export const chatwootSettings = (s: Record<string, unknown>): ChatwootSettings => s as unknown as ChatwootSettings
export const zendeskSettings = (s: Record<string, unknown>): ZendeskSettings => s as unknown as ZendeskSettings
