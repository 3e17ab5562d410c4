// Firebase Cloud Messaging HTTP v1: the request body and the meaning of its error answers
// ({ error: { code, message, status, details: [{ '@type': …FcmError, errorCode }] } }).
import { stableHash } from '../../lib/hash.ts'
import type { ProviderResponse, Verdict } from '../http.ts'
import type { OutboundMessage } from '../types.ts'

export const FCM_API = 'https://fcm.googleapis.com'

// The deep link a tap opens: the first of these the decision supplied (already click-tracked).
const LINK_ORDER = ['product', 'order', 'checkout'] as const

export function tapUrl(links: Readonly<Record<string, string>> | undefined): string | undefined {
  for (const name of LINK_ORDER) {
    const value = links?.[name]
    if (typeof value === 'string' && /^https?:\/\//i.test(value.trim())) return value.trim()
  }
  return undefined
}

/** Same on every attempt: a resend after a crash replaces the notification instead of stacking. */
export const collapseId = (idempotencyKey: string): string => stableHash(idempotencyKey, 32)

export interface FcmMessage {
  message: {
    token: string
    notification: { title?: string; body: string }
    data: Record<string, string>
    android: { collapse_key: string }
    apns: { headers: Record<string, string> }
  }
}

export function buildFcmMessage(message: OutboundMessage, token: string, title: string | undefined, body: string): FcmMessage {
  const data: Record<string, string> = { outbox_id: message.outboxId, idempotency_key: message.idempotencyKey }
  const url = tapUrl(message.vars.links)
  if (url !== undefined) data.url = url
  // The shop's app offers "Talk to a person" as a notification action that opens this page.
  const talk = message.vars.links?.talkToPerson
  if (typeof talk === 'string' && /^https?:\/\//i.test(talk)) data.talk_url = talk
  const collapse = collapseId(message.idempotencyKey)
  return {
    message: {
      token,
      notification: title ? { title, body } : { body },
      data,
      android: { collapse_key: collapse },
      apns: { headers: { 'apns-collapse-id': collapse } },
    },
  }
}

interface FcmErrorBody {
  error?: { code?: number; message?: string; status?: string; details?: Array<{ errorCode?: string }> }
}

const errorOf = (response: ProviderResponse): NonNullable<FcmErrorBody['error']> =>
  (typeof response.json === 'object' && response.json !== null ? (response.json as FcmErrorBody).error : undefined) ?? {}

export function fcmErrorCode(response: ProviderResponse): string | undefined {
  const error = errorOf(response)
  return error.details?.find((d) => typeof d?.errorCode === 'string')?.errorCode ?? error.status
}

/**
 * UNREGISTERED (the app was uninstalled, the token expired) and INVALID_ARGUMENT (a malformed
 * token or message) never succeed. 401/403 are our credentials or project (ops can fix them, so
 * the message waits); a 404 that is not UNREGISTERED is most likely a wrong project id.
 */
export function classifyFcm(response: ProviderResponse): Verdict | undefined {
  const code = fcmErrorCode(response)
  if (code === 'UNREGISTERED') return 'permanent'
  if (response.status === 401 || response.status === 403 || response.status === 404) return 'transient'
  return undefined
}

export function describeFcm(response: ProviderResponse): string {
  const error = errorOf(response)
  const code = fcmErrorCode(response)
  if (code === undefined && error.message === undefined) return response.text.slice(0, 300) || 'no body'
  return `FCM ${code ?? '?'}: ${error.message ?? ''}`
}
