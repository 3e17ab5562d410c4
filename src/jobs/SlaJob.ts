// SLA watch over open tasks (nobody has picked them up): pages through the tasks near or past
// their SLA and escalates each one (src/care/escalateTask.ts). Safe to run in several processes:
// each step is a conditional UPDATE.
import type { Logger } from 'pino'
import { escalateTask, type EscalateTaskDeps } from '../care/escalateTask.ts'
import type { Clock } from '../lib/clock.ts'
import type { Metrics } from '../lib/metrics.ts'
import type { HistoryStore } from '../store/history/HistoryStore.ts'
import type { OperationalStore } from '../store/operational/OperationalStore.ts'
import { TaskEscalationStore, type SlaCandidate } from '../store/operational/TaskEscalationStore.ts'

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

export class SlaJob {
  private readonly escalation: EscalateTaskDeps
  private readonly warnBefore: number
  private readonly defaultQueue: string
  private readonly batchSize: number

  constructor(private readonly opts: SlaJobOptions) {
    this.escalation = { ops: opts.ops, escalations: new TaskEscalationStore(opts.ops.db), history: opts.history, logger: opts.logger }
    this.warnBefore = opts.warnBefore ?? 15 * 60_000
    this.defaultQueue = opts.defaultEscalationQueue ?? 'supervisor'
    this.batchSize = opts.batchSize ?? 500
  }

  async run(): Promise<{ warned: number; escalated: number }> {
    const now = this.opts.clock.now()
    const counts = { warned: 0, escalated: 0 }
    const targets = new Map<string, Promise<string>>()
    const targetOf = (queue: string): Promise<string> => {
      const known = targets.get(queue)
      if (known) return known
      const target = this.escalationTarget(queue)
      targets.set(queue, target)
      return target
    }
    let after: { slaDueAt: number; id: string } | undefined
    for (;;) {
      const page = await this.escalation.escalations.candidates(now, this.warnBefore, this.batchSize, after)
      for (const task of page) {
        try {
          if (task.slaDueAt < now) {
            if (await this.breach(task, now, await targetOf(task.queue))) counts.escalated++
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
    if (!(await escalateTask(this.escalation, task, now, { stage: 'warning' }))) return false
    this.opts.metrics?.slaWarnings.inc({ queue: task.queue })
    return true
  }

  private async breach(task: SlaCandidate, now: number, toQueue: string): Promise<boolean> {
    const done = await escalateTask(this.escalation, task, now, { stage: 'breach', toQueue })
    if (done?.stage !== 'breach') return false
    const { escalated, fallback } = done
    this.opts.metrics?.slaBreaches.inc({ queue: escalated.fromQueue })
    this.opts.logger.info({ task: task.id, from: escalated.fromQueue, to: escalated.queue, fallback: fallback?.id }, 'sla breached: task escalated')
    return true
  }
}
