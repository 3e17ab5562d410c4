// Works the outbox: per channel, lease as many due messages as its rate limit allows, run them
// with the channel's concurrency, check the send-time guards (consent, quiet hours, conflicts,
// the contact record and caps), hand each to its channel — with the shopper's other nudges due
// with it as one digest where the policy says so (docs/digest.md) — and record the outcome. Transient
// failures retry with exponential backoff and jitter; permanent ones go to the dead letter.
import type { Logger } from 'pino'
import type { Clock } from '../lib/clock.ts'
import type { Metrics } from '../lib/metrics.ts'
import { CHANNELS, type Channel } from '../model/channel.ts'
import { digestDetail } from '../model/digest.ts'
import type { DeliveryStatus, HistoryStore } from '../store/history/HistoryStore.ts'
import type { OperationalStore } from '../store/operational/OperationalStore.ts'
import type { OutboxRecord } from '../store/operational/OutboxStore.ts'
import { ADDRESS_GUARD, addressMessage, currentCustomerIds, type Addressing } from './addressing.ts'
import { deliveryRow } from './deliveries.ts'
import { digestMessage } from './digest/compose.ts'
import { outranks, type GuardPolicy } from './guards/index.ts'
import { stableHash } from '../lib/hash.ts'
import { decorateLinks, surveyUrl, type LinkSettings } from './links.ts'
import { DEFAULT_CHANNEL_LIMITS, RateLimiter, type ChannelLimit } from './RateLimiter.ts'
import { loadGuardPolicy, SendGuard } from './SendGuard.ts'
import { ChannelUnavailableError, PermanentSendError, type ChannelSender, type OutboundMessage } from './types.ts'

export interface DispatcherOptions {
  ops: OperationalStore
  history: HistoryStore
  senders: ReadonlyMap<string, ChannelSender>
  clock: Clock
  logger: Logger
  batchSize?: number
  leaseMs?: number
  maxAttempts?: number
  baseBackoffMs?: number
  maxBackoffMs?: number
  /** 0..1 random source for jitter (injectable for tests). */
  random?: () => number
  metrics?: Metrics
  channelLimits?: Readonly<Record<string, ChannelLimit>>
  /**
   * How long a nudge waits for an address for its channel before it is skipped (default 24 h);
   * null: messages go to their senders as decided (the replay sandbox records sends without addresses).
   */
  addressWaitMs?: number | null
  /** Unsubscribe, preferences, talk-to-a-person and tracking links; without it links go out as decided. */
  links?: LinkSettings
}

const SURVEY_SCORES = [1, 2, 3, 4, 5] as const
// Wall-clock pauses (not shop time): they only wait for a store to answer again.
const MARK_SENT_MIN_DELAY_MS = 200
const MARK_SENT_MAX_DELAY_MS = 1_000
const MARK_SENT_GIVE_UP_MS = 10 * 60_000
const UNAVAILABLE_MAX_BACKOFF_MS = 60_000

export interface DispatchStats {
  sent: number
  retried: number
  dead: number
  skipped: number
  deferred: number
}

/** Errors may carry the provider's Retry-After. */
const retryAfterOf = (err: unknown): number => {
  const value = (err as { retryAfterMs?: unknown } | null)?.retryAfterMs
  return typeof value === 'number' && value > 0 ? value : 0
}

export class Dispatcher {
  readonly stats: DispatchStats = { sent: 0, retried: 0, dead: 0, skipped: 0, deferred: 0 }
  private readonly limiter: RateLimiter
  private readonly guard: SendGuard

  constructor(private readonly opts: DispatcherOptions) {
    this.limiter = new RateLimiter({ ...DEFAULT_CHANNEL_LIMITS, ...opts.channelLimits })
    this.guard = new SendGuard(opts.ops)
  }

  /** Sends what is due now, one lease per channel. Returns the number of messages handled. */
  async dispatchDue(): Promise<number> {
    const { ops, clock } = this.opts
    // One query finds the channels with work (a lease per channel costs as much, found or not).
    const due = await ops.outbox.dueChannels(clock.now())
    if (due.size === 0) return 0
    const policy = await loadGuardPolicy(ops.settings)
    let handled = 0
    for (const channel of CHANNELS) {
      if (!due.has(channel)) continue
      const now = clock.now()
      const tokens = this.opts.senders.has(channel) ? this.limiter.available(channel, now) : (this.opts.batchSize ?? 50)
      if (tokens <= 0) continue
      const leased = await ops.outbox.lease(now, this.opts.leaseMs ?? 60_000, Math.min(tokens, this.opts.batchSize ?? 50), channel)
      if (leased.length === 0) continue
      this.limiter.take(channel, leased.length, now)
      await this.runChannel(channel, leased, policy)
      handled += leased.length
    }
    return handled
  }

  /**
   * One shopper's messages run in turn, highest-ranked first (so a conflict's winner is decided
   * before its rivals look), including those decided under an anonymous id merged into them since;
   * different shoppers run in parallel up to the channel's concurrency.
   */
  private async runChannel(channel: Channel, leased: OutboxRecord[], policy: GuardPolicy): Promise<void> {
    const person = this.opts.addressWaitMs === null ? undefined : await currentCustomerIds(this.opts.ops, leased.map((m) => m.customerId))
    const byCustomer = new Map<string, OutboxRecord[]>()
    for (const m of leased) {
      const key = person?.get(m.customerId) ?? m.customerId
      byCustomer.set(key, [...(byCustomer.get(key) ?? []), m])
    }
    const groups = [...byCustomer.values()].map((g) => g.sort((a, b) => (outranks(a, b) ? -1 : outranks(b, a) ? 1 : 0)))
    const workers = Math.max(1, Math.min(this.limiter.limit(channel).concurrency, groups.length))
    let next = 0
    await Promise.all(
      Array.from({ length: workers }, async () => {
        while (next < groups.length) {
          const group = groups[next++] as OutboxRecord[]
          const handled = new Set<string>()
          for (const message of group) {
            if (handled.has(message.id)) continue
            handled.add(message.id)
            for (const id of await this.dispatchOne(message, policy, group.filter((m) => !handled.has(m.id)))) handled.add(id)
          }
        }
      }),
    )
  }

  /**
   * Guards, then sends `decided`; `rest` are the shopper's leased messages not handled yet, of
   * which those a digest carries along go with it. Returns the ids it carried.
   */
  private async dispatchOne(decided: OutboxRecord, policy: GuardPolicy, rest: readonly OutboxRecord[]): Promise<string[]> {
    const { ops, clock, logger } = this.opts
    let message = decided
    let aliases: string[] = []
    try {
      const addressing = this.opts.addressWaitMs === null ? { verdict: 'send' as const, message: decided, aliases: [] } : await addressMessage(ops, decided, clock.now(), this.opts.addressWaitMs)
      if (addressing.verdict !== 'send') {
        await this.awaitAddress(decided, addressing)
        return []
      }
      message = addressing.message
      aliases = addressing.aliases
      const verdict = await this.guard.check(message, policy, clock.now(), addressing.aliases)
      if (verdict.verdict === 'skip') {
        const detail = `${verdict.guard}: ${verdict.reason}${verdict.suppressedBy ? ` [by ${verdict.suppressedBy}]` : ''}`
        await ops.outbox.markFinal(message.id, 'skipped', clock.now(), detail)
        await this.recordDelivery(message, 'skipped', detail)
        this.stats.skipped++
        return []
      }
      if (verdict.verdict === 'defer') {
        const detail = `${verdict.guard}: ${verdict.reason}`
        await ops.outbox.markDeferred(message.id, clock.now(), verdict.until, detail)
        await this.recordDelivery(message, 'deferred', detail, verdict.until)
        this.stats.deferred++
        return []
      }
    } catch (err) {
      // The guard could not be checked (store hiccup): try again shortly, never send unchecked.
      await ops.outbox.markRetry(decided.id, clock.now(), clock.now() + this.backoff(1), `guard check failed: ${(err as Error).message}`)
      logger.error({ err, outboxId: message.id }, 'guard check failed')
      return []
    }
    let companions: OutboxRecord[] = []
    try {
      companions = await this.guard.companions(message, rest, policy, clock.now(), aliases)
    } catch (err) {
      // The companions keep their own turn; the lead has passed its guards and goes alone.
      logger.error({ err, outboxId: message.id }, 'could not gather a digest')
    }
    await this.send(message, companions)
    return companions.map((m) => m.id)
  }

  /** No address yet: wait (the first wait is recorded), or skip once the wait is over. */
  private async awaitAddress(message: OutboxRecord, addressing: Exclude<Addressing, { verdict: 'send' }>): Promise<void> {
    const { ops, clock } = this.opts
    const detail = `${ADDRESS_GUARD}: ${addressing.reason}`
    if (addressing.verdict === 'skip') {
      await ops.outbox.markFinal(message.id, 'skipped', clock.now(), detail)
      await this.recordDelivery(message, 'skipped', detail)
      this.stats.skipped++
      return
    }
    await ops.outbox.markDeferred(message.id, clock.now(), addressing.until, detail)
    if (!message.lastError?.startsWith(`${ADDRESS_GUARD}:`)) await this.recordDelivery(message, 'deferred', detail, addressing.until)
    this.stats.deferred++
  }

  /** Sends `message`, alone or as the lead of a digest carrying `companions`; every item shares the outcome. */
  private async send(message: OutboxRecord, companions: readonly OutboxRecord[] = []): Promise<void> {
    const { ops, clock, logger } = this.opts
    const items = [message, ...companions]
    const sender = this.opts.senders.get(message.channel)
    if (sender === undefined) {
      await this.guard.release(message)
      for (const item of items) await this.dead(item, `no sender configured for channel ${message.channel}`)
      return
    }
    let outbound: OutboundMessage
    let digestId: string | undefined
    if (companions.length > 0) {
      ;({ digestId, message: outbound } = digestMessage([message, ...companions], this.opts.links))
    } else {
      const { payload } = message
      const vars = this.opts.links ? { ...payload.vars, links: decorateLinks(this.opts.links, { outboxId: message.id, customerId: message.customerId, channel: message.channel, topic: message.topic }, payload.vars.links) } : payload.vars
      if (payload.survey && this.opts.links) Object.assign(vars.links, await this.surveyLinks(message, this.opts.links))
      outbound = { outboxId: message.id, idempotencyKey: message.idempotencyKey, customerId: message.customerId, channel: message.channel, template: message.template, locale: payload.locale, to: payload.to, vars }
    }
    let result: Awaited<ReturnType<ChannelSender['send']>>
    try {
      result = await sender.send(outbound)
    } catch (err) {
      await this.guard.release(message)
      const reason = err instanceof Error ? err.message : String(err)
      // An unreachable provider says nothing about the message: however long the outage, the
      // message waits (polled at most UNAVAILABLE_MAX_BACKOFF_MS apart, so it goes soon after).
      const unavailable = err instanceof ChannelUnavailableError
      const retryAt = clock.now() + Math.max(unavailable ? Math.min(UNAVAILABLE_MAX_BACKOFF_MS, this.backoff(message.attempts)) : this.backoff(message.attempts), retryAfterOf(err))
      for (const item of items) {
        if (err instanceof PermanentSendError || (!unavailable && item.attempts >= (this.opts.maxAttempts ?? 8))) {
          await this.dead(item, reason)
          continue
        }
        await ops.outbox.markRetry(item.id, clock.now(), retryAt, reason)
        await this.recordDelivery(item, 'failed', reason)
        this.stats.retried++
      }
      logger.warn({ outboxId: message.id, attempt: message.attempts, reason, ...(digestId ? { digestId } : {}) }, 'send failed, will retry')
      return
    }
    for (const item of items) {
      await this.markSent(item, result.providerMessageId)
      await this.recordDelivery(item, 'sent', digestId ? digestDetail(digestId, items.length, result.providerMessageId) : (result.providerMessageId ?? ''))
      this.stats.sent++
    }
  }

  /**
   * The provider took the message: only the outbox does not know yet. A store outage here must
   * not count as a failed send (that would send it again), so keep trying, about once a second so
   * this process marks it before any other sender can lease it again once the store is back.
   * This process's own outbox job waits meanwhile (jobs never overlap). Only a crash, or an outage
   * longer than MARK_SENT_GIVE_UP_MS, leaves it to be sent again (the documented window).
   */
  private async markSent(message: OutboxRecord, providerMessageId: string | undefined): Promise<void> {
    const { ops, clock, logger } = this.opts
    const giveUpAt = Date.now() + Math.max(this.opts.leaseMs ?? 60_000, MARK_SENT_GIVE_UP_MS)
    for (let attempt = 1; ; attempt++) {
      try {
        await ops.outbox.markSent(message.id, clock.now(), providerMessageId)
        return
      } catch (err) {
        const delay = Math.min(MARK_SENT_MAX_DELAY_MS, MARK_SENT_MIN_DELAY_MS * 2 ** (attempt - 1))
        if (Date.now() + delay > giveUpAt) throw err
        if (attempt === 1 || attempt % 30 === 0) logger.error({ err, outboxId: message.id, attempt }, 'sent, but could not mark it sent; retrying')
        await new Promise((resolve) => setTimeout(resolve, delay))
      }
    }
  }

  /**
   * A nudge that asks for satisfaction: one survey per message (id from the outbox id, so a retry
   * reuses it), links to answer 1–5 in one click, and one to a page that asks.
   */
  private async surveyLinks(message: OutboxRecord, links: LinkSettings): Promise<Record<string, string>> {
    const surveyId = stableHash(`survey:${message.id}`)
    await this.opts.ops.surveys.create({ id: surveyId, customerId: message.customerId, taskId: null, outboxId: message.id, ruleId: message.ruleId, createdAt: this.opts.clock.now() })
    return { survey: surveyUrl(links, surveyId), ...Object.fromEntries(SURVEY_SCORES.map((score) => [`survey${score}`, surveyUrl(links, surveyId, score)])) }
  }

  /** Exponential backoff with full jitter between half and the whole step. */
  backoff(attempt: number): number {
    const base = this.opts.baseBackoffMs ?? 2_000
    const cap = this.opts.maxBackoffMs ?? 3_600_000
    const step = Math.min(cap, base * 2 ** Math.max(0, attempt - 1))
    const random = this.opts.random ?? Math.random
    return Math.round(step / 2 + random() * (step / 2))
  }

  private async dead(message: OutboxRecord, reason: string): Promise<void> {
    await this.opts.ops.outbox.markFinal(message.id, 'dead', this.opts.clock.now(), reason)
    await this.recordDelivery(message, 'dead', reason)
    this.stats.dead++
    this.opts.logger.error({ outboxId: message.id, reason }, 'message dead-lettered')
  }

  /** Writes the delivery history row for this outcome (and counts it). */
  private async recordDelivery(message: OutboxRecord, status: DeliveryStatus, detail: string, discriminator?: number): Promise<void> {
    this.opts.metrics?.sends.inc({ channel: message.channel, status })
    try {
      await this.opts.history.append({ deliveries: [deliveryRow(message, status, detail, this.opts.clock.now(), discriminator)] })
    } catch (err) {
      // The outbox row already holds the outcome; history is best-effort here and logged.
      this.opts.logger.error({ err, outboxId: message.id }, 'could not record delivery in history')
    }
  }
}
