// Configuring task-webhook endpoints and helpdesk bridges (admin): create or replace, list,
// delete, read deliveries, redeliver a dead one. Secrets are generated when not given, shown in
// the answer that set them only, and never in lists or the audit log.
import { randomBytes } from 'node:crypto'
import { parseWebhookSecret } from '../../channels/webhook/signature.ts'
import type { Clock } from '../../lib/clock.ts'
import type { EndpointKind, TaskWebhookEvent } from '../../model/taskWebhooks.ts'
import type { Actor } from '../../store/operational/AuditStore.ts'
import type { OperationalStore } from '../../store/operational/OperationalStore.ts'
import type { WebhookEndpoint } from '../../store/operational/WebhookStore.ts'
import { helpdeskSettingsProblems, type Problem } from '../helpdesk/settings.ts'

export interface ConfigureDeps {
  ops: Pick<OperationalStore, 'webhooks'>
  clock: Clock
}

export interface EndpointInput {
  id: string
  kind: EndpointKind
  url: string
  /** standard: whsec_<base64> (generated when absent on create); helpdesks: the API token. Absent on update: kept. */
  secret?: string | undefined
  events: TaskWebhookEvent[]
  enabled: boolean
  settings?: Record<string, unknown> | undefined
}

/** An endpoint as the API shows it: no secret, helpdesk secrets in settings masked. */
export type ShownEndpoint = Omit<WebhookEndpoint, 'secret'>

const SECRET_SETTING = /secret|token/i
/** What lists show in place of a secret setting. */
export const MASKED = '(set)'

export function shown(e: WebhookEndpoint): ShownEndpoint {
  const { secret: _secret, ...rest } = e
  return { ...rest, settings: Object.fromEntries(Object.entries(e.settings).map(([k, v]) => [k, SECRET_SETTING.test(k) ? MASKED : v])) }
}

const generatedSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`

function urlProblems(url: string): Problem[] {
  try {
    const { protocol } = new URL(url)
    return protocol === 'http:' || protocol === 'https:' ? [] : [{ path: '/url', message: `must use http or https, not ${protocol}` }]
  } catch {
    return [{ path: '/url', message: 'is not a valid URL' }]
  }
}

export type PutEndpointResult = { ok: true; created: boolean; endpoint: ShownEndpoint; secret?: string } | { ok: false; problems: Problem[] }

/**
 * The settings to store: a secret setting given back as MASKED (a form that edits what the list
 * showed) keeps the stored value of the same endpoint and kind.
 */
function unmasked(input: EndpointInput, before: WebhookEndpoint | undefined): Record<string, unknown> {
  const given = input.settings ?? {}
  const stored = before?.kind === input.kind ? before.settings : {}
  return Object.fromEntries(
    Object.entries(given).map(([k, v]) => [k, v === MASKED && SECRET_SETTING.test(k) && Object.hasOwn(stored, k) ? stored[k] : v]),
  )
}

export async function putWebhookEndpoint(deps: ConfigureDeps, input: EndpointInput, actor: Actor): Promise<PutEndpointResult> {
  const before = await deps.ops.webhooks.endpoint(input.id)
  const settings = unmasked(input, before)
  const problems = urlProblems(input.url)
  if (input.kind === 'standard') {
    if (Object.keys(settings).length > 0) problems.push({ path: '/settings', message: 'standard endpoints take no settings' })
    if (input.secret !== undefined) {
      try {
        parseWebhookSecret(input.secret)
      } catch (err) {
        problems.push({ path: '/secret', message: (err as Error).message.replace(/^webhook: /, '') })
      }
    }
  } else {
    problems.push(...helpdeskSettingsProblems(input.kind, settings))
    if (input.secret === undefined && before?.kind !== input.kind) problems.push({ path: '/secret', message: `is required: the ${input.kind} API token` })
  }
  if (problems.length > 0) return { ok: false, problems }
  // A kept secret only carries over within the same kind: a whsec_ is no helpdesk token.
  const kept = before?.kind === input.kind ? before.secret : undefined
  const generated = input.secret === undefined && kept === undefined ? generatedSecret() : undefined
  const secret = input.secret ?? kept ?? generated ?? ''
  const { created, endpoint } = await deps.ops.webhooks.putEndpoint(
    { id: input.id, kind: input.kind, url: input.url, secret, events: [...new Set(input.events)], enabled: input.enabled, settings },
    actor,
    deps.clock.now(),
  )
  return { ok: true, created, endpoint: shown(endpoint), ...(generated ? { secret: generated } : {}) }
}

export async function listWebhookEndpoints(deps: ConfigureDeps): Promise<ShownEndpoint[]> {
  return (await deps.ops.webhooks.endpoints()).map(shown)
}

export async function deleteWebhookEndpoint(deps: ConfigureDeps, id: string, actor: Actor): Promise<boolean> {
  return deps.ops.webhooks.deleteEndpoint(id, actor, deps.clock.now())
}

export async function endpointDeliveries(deps: ConfigureDeps, id: string, filter: { status?: 'pending' | 'delivered' | 'dead'; limit?: number }) {
  if (!(await deps.ops.webhooks.endpoint(id))) return undefined
  return deps.ops.webhooks.deliveries(id, filter)
}

/** A dead delivery sent again from the next run on (after the receiver was fixed). */
export function redeliverWebhook(deps: ConfigureDeps, endpointId: string, webhookId: string): Promise<boolean> {
  return deps.ops.webhooks.redeliver(endpointId, webhookId, deps.clock.now())
}
