// Works the outbox: lease due messages, check consent at send time, hand each to its channel,
// record the outcome. Transient failures retry with exponential backoff and jitter; permanent
// ones go to the dead letter with the reason.
import type { Logger } from 'pino'
import type { Clock } from '../lib/clock.ts'
import type { Metrics } from '../lib/metrics.ts'
import type { Channel } from '../rules/document.ts'
import type { DeliveryRow, DeliveryStatus, HistoryStore } from '../store/history/HistoryStore.ts'
import type { OperationalStore } from '../store/operational/OperationalStore.ts'
import type { OutboxRecord } from '../store/operational/OutboxStore.ts'
import { PermanentSendError, type ChannelSender, type MessageVars, type Recipient } from './types.ts'

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
}

interface StoredPayload {
  locale: string
  to: Recipient
  vars: MessageVars
}

export interface DispatchStats {
  sent: number
  retried: number
  dead: number
  skipped: number
}

export class Dispatcher {
  readonly stats: DispatchStats = { sent: 0, retried: 0, dead: 0, skipped: 0 }

  constructor(private readonly opts: DispatcherOptions) {}

  /** Sends what is due now. Returns the number of messages handled. */
  async dispatchDue(): Promise<number> {
    const { ops, clock } = this.opts
    const leased = await ops.outbox.lease(clock.now(), this.opts.leaseMs ?? 60_000, this.opts.batchSize ?? 50)
    for (const message of leased) await this.dispatchOne(message)
    return leased.length
  }

  private async dispatchOne(message: OutboxRecord): Promise<void> {
    const { ops, clock, logger } = this.opts
    // Consent is checked now, not when the decision was made: an opt-out in between wins.
    if (await ops.consent.isOptedOut(message.customerId, message.channel, message.topic)) {
      await ops.outbox.markFinal(message.id, 'skipped', clock.now(), 'opted out')
      await this.recordDelivery(message, 'skipped', 'opted out')
      this.stats.skipped++
      return
    }
    const sender = this.opts.senders.get(message.channel)
    if (sender === undefined) {
      await this.dead(message, `no sender configured for channel ${message.channel}`)
      return
    }
    const payload = message.payload as StoredPayload
    try {
      const result = await sender.send({
        outboxId: message.id,
        idempotencyKey: message.idempotencyKey,
        customerId: message.customerId,
        channel: message.channel as Channel,
        template: message.template,
        locale: payload.locale,
        to: payload.to,
        vars: payload.vars,
      })
      await ops.outbox.markSent(message.id, clock.now(), result.providerMessageId)
      await this.recordDelivery(message, 'sent', result.providerMessageId ?? '')
      this.stats.sent++
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err)
      if (err instanceof PermanentSendError || message.attempts >= (this.opts.maxAttempts ?? 8)) {
        await this.dead(message, reason)
        return
      }
      const retryAt = clock.now() + this.backoff(message.attempts)
      await ops.outbox.markRetry(message.id, clock.now(), retryAt, reason)
      await this.recordDelivery(message, 'failed', reason)
      this.stats.retried++
      logger.warn({ outboxId: message.id, attempt: message.attempts, reason }, 'send failed, will retry')
    }
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

  private async recordDelivery(message: OutboxRecord, status: DeliveryStatus, detail: string): Promise<void> {
    this.opts.metrics?.sends.inc({ channel: message.channel, status })
    const row: DeliveryRow = {
      id: `${message.id}:${status}:${message.attempts}`,
      outbox_id: message.id,
      customer_id: message.customerId,
      channel: message.channel,
      template: message.template,
      status,
      attempt: message.attempts,
      detail,
      ts: this.opts.clock.now(),
    }
    try {
      await this.opts.history.append({ deliveries: [row] })
    } catch (err) {
      // The outbox row already holds the outcome; history is best-effort here and logged.
      this.opts.logger.error({ err, outboxId: message.id }, 'could not record delivery in history')
    }
  }
}
