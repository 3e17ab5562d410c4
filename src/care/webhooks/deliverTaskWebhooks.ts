// Sends the due task-webhook deliveries: each transition to each subscribed endpoint, signed,
// retried with exponential backoff and jitter while the receiver fails, dead with the reason after
// the last attempt or at once when the receiver refuses it for good (a 4xx other than 408/429).
import type { Logger } from 'pino'
import { PermanentSendError } from '../../channels/types.ts'
import type { Clock } from '../../lib/clock.ts'
import type { OperationalStore } from '../../store/operational/OperationalStore.ts'
import type { DueDelivery } from '../../store/operational/WebhookStore.ts'
import { sendStandardWebhook } from './sendStandardWebhook.ts'

export interface DeliveryPolicy {
  /** Attempts before a delivery is dead (default 10). */
  maxAttempts: number
  /** First retry delay; doubles each attempt up to maxDelayMs (defaults 5 s and 6 h). */
  baseDelayMs: number
  maxDelayMs: number
  /** How long a taken delivery is held for its sender; a crashed sender's rows come back after it. */
  leaseMs: number
  /** Deliveries taken per run. */
  batch: number
  timeoutMs: number
}

export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = { maxAttempts: 10, baseDelayMs: 5_000, maxDelayMs: 6 * 3_600_000, leaseMs: 60_000, batch: 50, timeoutMs: 10_000 }

/** Sends one delivery to a helpdesk (mirrors the task); resolves with a short detail. */
export type HelpdeskMirror = (delivery: DueDelivery) => Promise<string>

export interface DeliverTaskWebhooksDeps {
  ops: Pick<OperationalStore, 'webhooks'>
  clock: Clock
  logger: Pick<Logger, 'warn'>
  /** The helpdesk bridges; without it helpdesk endpoints' deliveries wait. */
  mirror?: HelpdeskMirror | undefined
  policy?: Partial<DeliveryPolicy> | undefined
  /** 0..1 for the jitter (injectable for tests). */
  random?: (() => number) | undefined
}

export interface DeliveryRun {
  delivered: number
  retried: number
  dead: number
}

/** Exponential backoff with jitter: between half and the whole of base·2^(attempt-1), capped. */
export function retryDelay(policy: Pick<DeliveryPolicy, 'baseDelayMs' | 'maxDelayMs'>, attempt: number, random: () => number): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1))
  return Math.round(step / 2 + (step / 2) * random())
}

export async function deliverTaskWebhooks(deps: DeliverTaskWebhooksDeps): Promise<DeliveryRun> {
  const policy = { ...DEFAULT_DELIVERY_POLICY, ...deps.policy }
  const random = deps.random ?? Math.random
  const { webhooks } = deps.ops
  const now = deps.clock.now()
  const due = await webhooks.claimDue(now, now + policy.leaseMs, policy.batch)
  const run: DeliveryRun = { delivered: 0, retried: 0, dead: 0 }
  await Promise.all(
    due.map(async (delivery) => {
      const { endpoint } = delivery
      try {
        if (endpoint.kind === 'standard') await sendStandardWebhook(delivery, endpoint, deps.clock, policy.timeoutMs)
        else if (deps.mirror) await deps.mirror(delivery)
        else throw new Error(`no helpdesk bridge for ${endpoint.kind} in this process`)
        await webhooks.markDelivered(endpoint.id, delivery.id, deps.clock.now())
        run.delivered++
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err)
        const attempt = delivery.attempts + 1
        if (err instanceof PermanentSendError || attempt >= policy.maxAttempts) {
          await webhooks.markDead(endpoint.id, delivery.id, err instanceof PermanentSendError ? reason : `gave up after ${attempt} attempts: ${reason}`)
          deps.logger.warn({ endpoint: endpoint.id, webhookId: delivery.id, task: delivery.taskId, event: delivery.event, reason }, 'task webhook: dead')
          run.dead++
          return
        }
        await webhooks.markRetry(endpoint.id, delivery.id, deps.clock.now() + retryDelay(policy, attempt, random), reason)
        run.retried++
      }
    }),
  )
  return run
}

/** Runs deliveries until none is due now (the job's one tick). */
export async function deliverAllDue(deps: DeliverTaskWebhooksDeps): Promise<DeliveryRun> {
  const total: DeliveryRun = { delivered: 0, retried: 0, dead: 0 }
  for (;;) {
    const run = await deliverTaskWebhooks(deps)
    total.delivered += run.delivered
    total.retried += run.retried
    total.dead += run.dead
    if (run.delivered + run.retried + run.dead === 0) return total
  }
}
