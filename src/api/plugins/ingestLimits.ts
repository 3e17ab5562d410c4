// Back-pressure for ingest: a token bucket per write key (events per second, with a burst) and a
// bound on the ingest requests being made durable at once. Beyond either, 429 with Retry-After:
// Segment's clients back off and resend, so nothing is lost and the store is not buried.
import type { Clock } from '../../lib/clock.ts'
import { HttpError } from '../errors.ts'

export interface IngestLimitSettings {
  /** Sustained events per second per write key; 0 = no rate limit. */
  ratePerSecond: number
  /** Events a write key may send at once above the sustained rate (the bucket's size). */
  burst: number
  /** Ingest requests being made durable at once (all keys together); 0 = no bound. */
  maxInFlight: number
}

export type Refusal = { reason: 'rate_limit' | 'in_flight'; retryAfterS: number }

interface Bucket {
  tokens: number
  at: number
}

export class IngestLimiter {
  /** Keyed by write key (checked before, yet input): a Map, never a plain object. */
  private readonly buckets = new Map<string, Bucket>()
  private inFlight = 0

  constructor(
    private readonly settings: IngestLimitSettings,
    private readonly clock: Clock,
  ) {}

  get active(): number {
    return this.inFlight
  }

  /**
   * Admits a request of `events` messages for `key`, or says why not and when to retry. On
   * admission the caller must call the returned release() when the request is done.
   */
  admit(key: string, events: number): { ok: true; release: () => void } | ({ ok: false } & Refusal) {
    const { maxInFlight } = this.settings
    if (maxInFlight > 0 && this.inFlight >= maxInFlight) return { ok: false, reason: 'in_flight', retryAfterS: 1 }
    const refusal = this.take(key, Math.max(1, events))
    if (refusal) return { ok: false, ...refusal }
    this.inFlight++
    let released = false
    return {
      ok: true,
      release: () => {
        if (released) return
        released = true
        this.inFlight--
      },
    }
  }

  private take(key: string, events: number): Refusal | undefined {
    const { ratePerSecond, burst } = this.settings
    if (ratePerSecond <= 0) return undefined
    const now = this.clock.now()
    const bucket = this.buckets.get(key) ?? { tokens: burst, at: now }
    // A clock that steps back (NTP) must not drain the bucket: elapsed time is never negative.
    const elapsed = Math.max(0, now - bucket.at)
    bucket.tokens = Math.min(burst, bucket.tokens + (elapsed / 1000) * ratePerSecond)
    bucket.at = now
    this.buckets.set(key, bucket)
    // A request larger than the burst is let through on a full bucket and leaves a debt, so one
    // big batch is never refused forever and the average rate still holds.
    const needed = Math.min(events, burst)
    if (bucket.tokens < needed) {
      return { reason: 'rate_limit', retryAfterS: Math.max(1, Math.ceil((needed - bucket.tokens) / ratePerSecond)) }
    }
    bucket.tokens -= events
    return undefined
  }
}

export function tooManyRequests(refusal: Refusal): HttpError {
  const message =
    refusal.reason === 'rate_limit'
      ? `this write key sends more events than the rate limit allows; retry in ${refusal.retryAfterS} s`
      : `too many ingest requests in flight; retry in ${refusal.retryAfterS} s`
  return new HttpError(429, refusal.reason, message, undefined, { 'retry-after': String(refusal.retryAfterS) })
}
