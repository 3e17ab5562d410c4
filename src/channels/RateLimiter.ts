// Per-channel token buckets (per process): a provider's rate limit is respected by leasing no
// more messages than there are tokens. Time comes from the injected clock.

export interface ChannelLimit {
  /** Messages in flight at once. */
  concurrency: number
  /** Sustained sends per second; also the burst size. */
  perSecond: number
}

export const DEFAULT_CHANNEL_LIMITS: Readonly<Record<string, ChannelLimit>> = {
  // SMTP has no idempotency key: one message in flight per process bounds what a crash between
  // the server's 250 and markSent can send twice to that one message (same Message-ID).
  email: { concurrency: 1, perSecond: 20 },
  sms: { concurrency: 4, perSecond: 10 },
  push: { concurrency: 8, perSecond: 50 },
  voice: { concurrency: 2, perSecond: 1 },
  webhook: { concurrency: 8, perSecond: 50 },
  inapp: { concurrency: 16, perSecond: 500 },
}

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>()

  constructor(private readonly limits: Readonly<Record<string, ChannelLimit>>) {}

  limit(channel: string): ChannelLimit {
    return this.limits[channel] ?? { concurrency: 4, perSecond: 10 }
  }

  /** Whole tokens available now (refilled continuously up to one second's worth). */
  available(channel: string, now: number): number {
    const { perSecond } = this.limit(channel)
    const bucket = this.buckets.get(channel) ?? { tokens: perSecond, at: now }
    bucket.tokens = Math.min(perSecond, bucket.tokens + (Math.max(0, now - bucket.at) / 1000) * perSecond)
    bucket.at = now
    this.buckets.set(channel, bucket)
    return Math.floor(bucket.tokens)
  }

  take(channel: string, n: number, now: number): void {
    this.available(channel, now)
    const bucket = this.buckets.get(channel)
    if (bucket) bucket.tokens = Math.max(0, bucket.tokens - n)
  }
}
