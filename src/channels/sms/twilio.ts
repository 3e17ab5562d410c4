// What the Twilio SMS and voice senders share: the REST API's auth, idempotency header and error
// JSON ({ code, message, more_info, status }), and the verdict on each kind of failure.
import { stableHash } from '../../lib/hash.ts'
import type { ProviderResponse, Verdict } from '../http.ts'
import { isE164, normalizePhone } from './phone.ts'

export const TWILIO_API = 'https://api.twilio.com'

/** Same token on every attempt of one message, so Twilio drops a resend after a crash. */
export const TWILIO_IDEMPOTENCY_HEADER = 'I-Twilio-Idempotency-Token'

export interface TwilioAccount {
  /** Default https://api.twilio.com; tests point it at a local fake. */
  baseUrl?: string
  accountSid: string
  authToken: string
}

export function checkAccount(channel: string, account: TwilioAccount): void {
  if (!/^AC[0-9a-zA-Z]{32}$/.test(account.accountSid ?? '')) throw new Error(`${channel}: accountSid must look like AC followed by 32 characters`)
  if (!account.authToken) throw new Error(`${channel}: authToken is required`)
}

/** Validated caller id: E.164 number (or, for SMS only, a Messaging Service SID). */
export function checkFrom(channel: string, from: string, allowService: boolean): { from: string; isService: boolean } {
  const value = (from ?? '').trim()
  if (allowService && /^MG[0-9a-zA-Z]{32}$/.test(value)) return { from: value, isService: true }
  const phone = normalizePhone(value)
  if (isE164(phone)) return { from: phone, isService: false }
  throw new Error(`${channel}: from must be an E.164 number${allowService ? ' or a Messaging Service SID (MG…)' : ''}, got ${JSON.stringify(from)}`)
}

export function twilioUrl(account: TwilioAccount, resource: 'Messages' | 'Calls'): string {
  const base = (account.baseUrl ?? TWILIO_API).replace(/\/+$/, '')
  return `${base}/2010-04-01/Accounts/${encodeURIComponent(account.accountSid)}/${resource}.json`
}

export function twilioHeaders(account: TwilioAccount, idempotencyKey: string): Record<string, string> {
  return {
    authorization: `Basic ${Buffer.from(`${account.accountSid}:${account.authToken}`).toString('base64')}`,
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
    [TWILIO_IDEMPOTENCY_HEADER]: stableHash(idempotencyKey, 32),
  }
}

interface TwilioErrorBody {
  code?: number
  message?: string
  more_info?: string
}

const errorOf = (response: ProviderResponse): TwilioErrorBody =>
  typeof response.json === 'object' && response.json !== null ? (response.json as TwilioErrorBody) : {}

// 400s that are about our own sender setup (the From number or service), not the shopper: every
// message would fail the same way until ops fix the configuration, so they are retried. Twilio
// warns its codes shift over time; anything unlisted keeps the default verdict.
const SETUP_CODES = new Set([
  21210, // caller id (From) not verified for voice
  21212, // invalid From number
  21603, // From is required
  21606, // From is not a message-capable number of this account
])

/**
 * 401/403/404: our credentials or account sid (ops can fix them; do not kill the message).
 * Other 4xx (21211 invalid To, 21610 unsubscribed, 21614 not a mobile …) are about this message.
 */
export function classifyTwilio(response: ProviderResponse): Verdict | undefined {
  if (response.status === 401 || response.status === 403 || response.status === 404) return 'transient'
  const code = errorOf(response).code
  if (response.status === 400 && code !== undefined && SETUP_CODES.has(code)) return 'transient'
  return undefined
}

export function describeTwilio(response: ProviderResponse): string {
  const error = errorOf(response)
  if (error.code === undefined && error.message === undefined) return response.text.slice(0, 300) || 'no body'
  return `Twilio error ${error.code ?? '?'}: ${error.message ?? ''}${error.more_info ? ` (${error.more_info})` : ''}`
}

/** The resource SID from a 2xx answer. A 2xx without one is odd but the message went out. */
export function sidOf(response: ProviderResponse): { sid?: string; status?: string } {
  const body = typeof response.json === 'object' && response.json !== null ? (response.json as { sid?: unknown; status?: unknown }) : {}
  return { sid: typeof body.sid === 'string' ? body.sid : undefined, status: typeof body.status === 'string' ? body.status : undefined }
}
