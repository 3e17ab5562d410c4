// What the helpdesks tell us, read from their documented webhook payloads: Chatwoot's
// `conversation_status_changed` (the conversation object with its new status) and Zendesk's
// ticket status-change event (`detail.id`, `detail.status`), signed by Zendesk as
// base64(HMAC-SHA256(timestamp + body)) with the webhook's signing secret.
import { createHmac, timingSafeEqual } from 'node:crypto'
import { TASK_OUTCOMES, type TaskOutcome } from '../../store/operational/TaskStore.ts'

/** A ticket's news: resolved there (with the outcome, when the agent gave one) or anything else. */
export interface HelpdeskStatus {
  externalId: string
  resolved: boolean
  outcome: TaskOutcome
  /** Who resolved it there, when the helpdesk says. */
  who: string | undefined
}

type Obj = Record<string, unknown>
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {})
const own = (o: Obj, k: string): unknown => (Object.hasOwn(o, k) ? o[k] : undefined)
const outcomeOf = (v: unknown): TaskOutcome | undefined => TASK_OUTCOMES.find((o) => o === v)
const idText = (v: unknown): string | undefined => (typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : typeof v === 'string' && /^\d{1,20}$/.test(v) ? v : undefined)

/** undefined: not a status change of a conversation (other events are acknowledged and ignored). */
export function chatwootStatus(body: Obj): HelpdeskStatus | undefined {
  if (own(body, 'event') !== 'conversation_status_changed') return undefined
  const externalId = idText(own(body, 'id'))
  if (!externalId) return undefined
  const attributes = obj(own(body, 'custom_attributes'))
  const assignee = obj(own(obj(own(body, 'meta')), 'assignee'))
  const name = own(assignee, 'name')
  return {
    externalId,
    resolved: own(body, 'status') === 'resolved',
    outcome: outcomeOf(own(attributes, 'careloop_outcome')) ?? 'resolved',
    who: typeof name === 'string' && name.length > 0 ? name.slice(0, 200) : undefined,
  }
}

const ZENDESK_RESOLVED = new Set(['solved', 'closed'])
const OUTCOME_TAG = 'careloop_outcome_'

export function zendeskStatus(body: Obj): HelpdeskStatus | undefined {
  const type = own(body, 'type')
  if (typeof type !== 'string' || !type.startsWith('zen:event-type:ticket.')) return undefined
  const detail = obj(own(body, 'detail'))
  const externalId = idText(own(detail, 'id'))
  const status = own(detail, 'status')
  if (!externalId || typeof status !== 'string') return undefined
  const tags = own(detail, 'tags')
  const tagged = (Array.isArray(tags) ? tags : typeof tags === 'string' ? tags.split(' ') : []).find((t): t is string => typeof t === 'string' && t.startsWith(OUTCOME_TAG))
  return { externalId, resolved: ZENDESK_RESOLVED.has(status.toLowerCase()), outcome: outcomeOf(tagged?.slice(OUTCOME_TAG.length)) ?? 'resolved', who: undefined }
}

/** Zendesk's signature check; false for anything missing or malformed. */
export function zendeskSignatureValid(secret: string, timestamp: string | undefined, rawBody: string, signature: string | undefined): boolean {
  if (!timestamp || !signature) return false
  const expected = Buffer.from(createHmac('sha256', secret).update(timestamp + rawBody).digest('base64'))
  const given = Buffer.from(signature)
  return expected.length === given.length && timingSafeEqual(expected, given)
}

/** The token in Chatwoot's webhook URL, compared in constant time. */
export function sameSecret(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false
  const a = Buffer.from(expected)
  const b = Buffer.from(given)
  return a.length === b.length && timingSafeEqual(a, b)
}
