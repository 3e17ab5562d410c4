// SLA watch over open tasks (nobody has picked them up). Near the SLA a task's priority goes up
// one level; past it the task is escalated once to the queue's supervisor queue as urgent and,
// when its rule allowed the bot to stand in, the fallback nudge is queued so the shopper is not
// left waiting. Safe to run in several processes: each step is a conditional UPDATE.
import type { Logger } from 'pino'
import type { Clock } from '../lib/clock.ts'
import { stableHash } from '../lib/hash.ts'
import type { Metrics } from '../lib/metrics.ts'
import { PRIORITY_RANK } from '../model/priority.ts'
import type { HistoryBatch, HistoryStore } from '../store/history/HistoryStore.ts'
import type { OperationalStore } from '../store/operational/OperationalStore.ts'
import type { OutboxInsert } from '../store/operational/OutboxStore.ts'
import { TaskEscalationStore, type EscalatedTask, type SlaCandidate } from '../store/operational/TaskEscalationStore.ts'

export interface SlaJobOptions {
  ops: OperationalStore
  history: HistoryStore
  clock: Clock
  logger: Logger
  metrics?: Metrics
  /** Warn (raise the priority) this long before the SLA; default 15 minutes. */
  warnBefore?: number
  /** Where breached tasks go when their queue names no escalateTo; default 'supervisor'. */
  defaultEscalationQueue?: string
  /** Tasks read per page; default 500. */
  batchSize?: number
}

const LEVELS = ['low', 'normal', 'high', 'urgent'] as const

/** One level up; urgent stays urgent, an unknown priority counts as normal. */
export function bumpPriority(priority: string): string {
  const i = LEVELS.indexOf(priority as (typeof LEVELS)[number])
  return LEVELS[Math.min(LEVELS.length - 1, (i < 0 ? 1 : i) + 1)] as string
}

export class SlaJob {
  private readonly store: TaskEscalationStore
  private readonly warnBefore: number
  private readonly defaultQueue: string
  private readonly batchSize: number

  constructor(private readonly opts: SlaJobOptions) {
    this.store = new TaskEscalationStore(opts.ops.db)
    this.warnBefore = opts.warnBefore ?? 15 * 60_000
    this.defaultQueue = opts.defaultEscalationQueue ?? 'supervisor'
    this.batchSize = opts.batchSize ?? 500
  }

  async run(): Promise<{ warned: number; escalated: number }> {
    const now = this.opts.clock.now()
    const counts = { warned: 0, escalated: 0 }
    const targets = new Map<string, Promise<string>>()
    let after: { slaDueAt: number; id: string } | undefined
    for (;;) {
      const page = await this.store.candidates(now, this.warnBefore, this.batchSize, after)
      for (const task of page) {
        try {
          if (task.slaDueAt < now) {
            if (!targets.has(task.queue)) targets.set(task.queue, this.escalationTarget(task.queue))
            if (await this.escalate(task, now, await (targets.get(task.queue) as Promise<string>))) counts.escalated++
          } else if (await this.warn(task, now)) counts.warned++
        } catch (err) {
          // One bad row (or a failed write) must not stop the others; the next run retries it.
          this.opts.logger.error({ err, task: task.id }, 'sla: could not process task')
        }
      }
      const last = page[page.length - 1]
      if (page.length < this.batchSize || !last) return counts
      after = { slaDueAt: last.slaDueAt, id: last.id }
    }
  }

  private async escalationTarget(queue: string): Promise<string> {
    return (await this.opts.ops.queues.queue(queue))?.escalateTo ?? this.defaultQueue
  }

  private async warn(task: SlaCandidate, now: number): Promise<boolean> {
    const to = bumpPriority(task.priority)
    if (!(await this.store.warn(task.id, now, task.priority, to, PRIORITY_RANK[to] ?? 20))) return false
    this.opts.metrics?.slaWarnings.inc({ queue: task.queue })
    await this.record(
      {
        taskEvents: [
          {
            id: `${task.id}:escalated:warning`,
            task_id: task.id,
            customer_id: task.customerId,
            queue: task.queue,
            kind: 'escalated',
            actor: 'sla',
            outcome: 'warning',
            ts: now,
            details: JSON.stringify({ stage: 'warning', from: task.priority, to, sla_due_at: task.slaDueAt }),
          },
        ],
      },
      task.id,
    )
    return true
  }

  private async escalate(task: SlaCandidate, now: number, toQueue: string): Promise<boolean> {
    const { ops } = this.opts
    // The escalation and its fallback message commit together: no escalation without the nudge.
    const done = await ops.db.transaction(async (tx) => {
      const escalated = await this.store.escalate(task.id, now, task.queue, toQueue, PRIORITY_RANK.urgent ?? 40, tx)
      if (!escalated) return undefined
      const message = escalated.fallback ? fallbackMessage(escalated, now) : undefined
      const queued = message ? (await ops.outbox.insert([message], tx)).size > 0 : false
      return { escalated, message: queued ? message : undefined }
    })
    if (!done) return false
    const { escalated, message } = done
    this.opts.metrics?.slaBreaches.inc({ queue: escalated.fromQueue })
    this.opts.logger.info({ task: task.id, from: escalated.fromQueue, to: escalated.queue, fallback: message?.id }, 'sla breached: task escalated')
    await this.record(
      {
        taskEvents: [
          {
            id: `${task.id}:escalated:breach`,
            task_id: task.id,
            customer_id: escalated.customerId,
            queue: escalated.fromQueue,
            kind: 'escalated',
            actor: 'sla',
            outcome: 'breach',
            ts: now,
            details: JSON.stringify({
              stage: 'breach',
              from_queue: escalated.fromQueue,
              to_queue: escalated.queue,
              overdue_ms: now - escalated.slaDueAt,
              from_priority: task.priority,
              fallback_outbox_id: message?.id ?? null,
            }),
          },
        ],
        ...(message
          ? { deliveries: [{ id: `${message.id}:queued:0`, outbox_id: message.id, customer_id: message.customerId, channel: message.channel, template: message.template, status: 'queued', attempt: 0, detail: 'sla fallback', ts: now }] }
          : {}),
      },
      task.id,
    )
    return true
  }

  /** History is the record, not the source of truth: a failed append is logged, the step stands. */
  private async record(batch: HistoryBatch, taskId: string): Promise<void> {
    try {
      await this.opts.history.append(batch)
    } catch (err) {
      this.opts.logger.error({ err, task: taskId }, 'sla: could not record task event in history')
    }
  }
}

function fallbackMessage(task: EscalatedTask, now: number): OutboxInsert | undefined {
  const f = task.fallback
  if (!f || typeof f.channel !== 'string' || typeof f.template !== 'string') return undefined
  const key = `escalation:${task.id}`
  return {
    id: stableHash(key),
    idempotencyKey: key,
    customerId: task.customerId,
    channel: f.channel,
    template: f.template,
    topic: typeof f.topic === 'string' ? f.topic : 'care',
    priority: 0,
    urgent: false,
    ruleId: task.ruleId,
    ruleVersion: task.ruleVersion,
    payload: f.payload,
    nextAttemptAt: now,
    createdAt: now,
  }
}
