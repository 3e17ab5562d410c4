// One HTTP call to a messaging provider (Twilio, FCM, a webhook receiver), with a deadline and the
// answer sorted into "retry later" or "never works". The dispatcher retries plain Errors (honouring
// `retryAfterMs`) and dead-letters PermanentSendError.
import { systemClock, type Clock } from '../lib/clock.ts'
import { PermanentSendError } from './types.ts'

export const DEFAULT_PROVIDER_TIMEOUT_MS = 10_000

/** A failure worth retrying; `retryAfterMs` is the provider's Retry-After, when it gave one. */
export class TransientSendError extends Error {
  override name = 'TransientSendError'
  constructor(
    message: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
    options?: ErrorOptions,
  ) {
    super(message, options)
  }
}

export interface ProviderResponse {
  status: number
  headers: Headers
  text: string
  /** The body parsed as JSON, when it is JSON. */
  json: unknown
}

export type Verdict = 'permanent' | 'transient'

export interface ProviderRequest {
  /** Names the provider in error messages ("twilio sms"). */
  provider: string
  url: string
  method?: string
  headers?: Record<string, string>
  body?: string
  timeoutMs?: number
  /**
   * Overrides the default verdict for a non-2xx answer (e.g. FCM 401 is our credentials, not the
   * message); undefined keeps the default.
   */
  classify?: (response: ProviderResponse) => Verdict | undefined
  /** Turns an error answer into a short reason (provider error code and text). */
  describe?: (response: ProviderResponse) => string
  /** Reads Retry-After dates; default the system clock. */
  clock?: Clock
}

/**
 * Default verdict: a 4xx other than 408/429 is about the request itself. 5xx, 408, 429 are passing
 * trouble, and a redirect means the endpoint moved: setup that ops can fix, so retried too.
 */
export function defaultVerdict(status: number): Verdict {
  return status >= 400 && status < 500 && status !== 408 && status !== 429 ? 'permanent' : 'transient'
}

/** Retry-After as delay-seconds or an HTTP date, in milliseconds; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined
  const text = value.trim()
  if (/^\d+$/.test(text)) return Number(text) * 1000
  const at = Date.parse(text)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

const clip = (text: string, max = 300): string => (text.length > max ? `${text.slice(0, max)}…` : text)

/** Resolves with 2xx answers; throws TransientSendError or PermanentSendError otherwise. */
export async function callProvider(request: ProviderRequest): Promise<ProviderResponse> {
  const timeoutMs = request.timeoutMs ?? DEFAULT_PROVIDER_TIMEOUT_MS
  let response: ProviderResponse
  try {
    // The deadline covers reading the body too: a provider that stalls mid-answer still times out.
    const res = await fetch(request.url, {
      method: request.method ?? 'POST',
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
    })
    const text = await res.text()
    response = { status: res.status, headers: res.headers, text, json: parseJson(text) }
  } catch (err) {
    // Network errors and timeouts say nothing about the message: try again later.
    const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')
    const cause = (err as { cause?: { code?: string; message?: string } }).cause
    const why = timedOut ? `no answer within ${timeoutMs} ms` : (cause?.code ?? cause?.message ?? (err as Error).message)
    throw new TransientSendError(`${request.provider}: request failed: ${why}`, undefined, undefined, { cause: err })
  }
  if (response.status >= 200 && response.status < 300) return response
  const verdict = request.classify?.(response) ?? defaultVerdict(response.status)
  const reason = request.describe?.(response) ?? clip(response.text.trim() || 'no body')
  const message = `${request.provider}: HTTP ${response.status}: ${reason}`
  if (verdict === 'permanent') throw new PermanentSendError(message)
  const now = (request.clock ?? systemClock).now()
  throw new TransientSendError(message, response.status, parseRetryAfter(response.headers.get('retry-after'), now))
}
