// The periodic jobs of a running engine: what runs and how often (six-field cron, seconds first).
// Due timers and the outbox are also woken (JobWakeups): the outbox as soon as the engine has made
// a message durable, the timers at the earliest pending due time; their one-second schedule is the
// fallback (another process's writes, a missed wake-up);
// scheduled care and the SLA watch once a minute, as their times are whole minutes; rule and
// template edits made through other processes are picked up within five seconds; retention once
// a day at 03:17 (local time), away from the hour when other nightly work starts.
// Task webhooks and helpdesk mirrors every second: their rows are written with the transitions.
import type { Logger } from 'pino'
import type { Clock } from '../lib/clock.ts'
import type { CommittedEffects } from '../stream/engine/commit.ts'
import type { Dispatcher } from '../channels/Dispatcher.ts'
import type { TemplateOverrides } from '../channels/templates/overrides.ts'
import type { Engine } from '../stream/Engine.ts'
import type { PipelineWatch } from '../stream/PipelineWatch.ts'
import type { RuleRegistry } from '../stream/RuleRegistry.ts'
import type { EventSource } from '../stream/source/EventSource.ts'
import type { Job, JobScheduler } from './JobScheduler.ts'
import { dispatchAll } from './outbox.ts'
import { checkPipeline } from './pipelineCheck.ts'
import type { CarrierGraceJob } from './CarrierGraceJob.ts'
import type { RetentionJob } from './RetentionJob.ts'
import type { SlaJob } from './SlaJob.ts'
import type { TaskWebhookJob } from './TaskWebhookJob.ts'

export interface JobDependencies {
  engine: Engine
  /** Timers and schedules fire only for the partitions this process owns. */
  source: Pick<EventSource, 'partitions'>
  dispatcher: Dispatcher
  rules: RuleRegistry
  /** Live stored template versions the senders use instead of the files. */
  templateOverrides: TemplateOverrides
  /** Warns about tasks near their SLA and escalates breached ones. */
  sla: SlaJob
  /** Notices a pipeline that has work and makes no progress (readiness, metrics, log). */
  watch: PipelineWatch
  logger: Logger
  wakeups: JobWakeups
  /** Removes records past their retention period (docs/retention.md); absent = keep everything. */
  retention?: RetentionJob
  /** Learns each carrier's grace from delivery history (rules read carrier.grace); absent = none learned. */
  carrierGrace?: CarrierGraceJob
  /** Task webhooks and helpdesk mirrors (docs/webhooks.md); absent = not sent by this process. */
  taskWebhooks?: TaskWebhookJob
  /** When the timer job should run next: the earliest pending timer of these partitions (Engine.nextTimerWake). */
  nextTimerDue: (partitions: readonly number[]) => Promise<number | undefined>
}

/** Wakes the outbox and timer jobs early; bound to the scheduler once it exists (after the engine). */
export class JobWakeups {
  private scheduler: Pick<JobScheduler, 'wake' | 'wakeAt'> | undefined

  constructor(
    private readonly clock: Clock,
    private readonly enabled = true,
  ) {}

  attach(scheduler: Pick<JobScheduler, 'wake' | 'wakeAt'>): void {
    if (this.enabled) this.scheduler = scheduler
  }

  /** The engine made work durable: send its new messages now, fire its earliest timer on time. */
  readonly committed = (effects: CommittedEffects): void => {
    if (effects.newOutbox > 0) this.scheduler?.wake('outbox')
    if (effects.earliestTimerDue !== undefined) this.timerDueAt(effects.earliestTimerDue)
  }

  timerDueAt(at: number): void {
    this.scheduler?.wakeAt('due-timers', at, this.clock.now())
  }
}

export function jobTable(deps: JobDependencies): Job[] {
  const { engine, source, dispatcher, rules, templateOverrides, sla, watch, logger, wakeups, retention, taskWebhooks } = deps
  const fireDueTimers = async (): Promise<void> => {
    const partitions = source.partitions()
    await engine.fireDueTimers(partitions)
    const next = await deps.nextTimerDue(partitions)
    if (next !== undefined) wakeups.timerDueAt(next)
  }
  return [
    { name: 'due-timers', schedule: '* * * * * *', run: fireDueTimers },
    { name: 'outbox', schedule: '* * * * * *', run: () => dispatchAll(dispatcher) },
    {
      name: 'rules-refresh',
      schedule: '*/5 * * * * *',
      run: async () => {
        await rules.refresh()
        await templateOverrides.refresh()
      },
    },
    { name: 'sla', schedule: '0 * * * * *', run: () => sla.run() },
    { name: 'scheduled-care', schedule: '5 * * * * *', run: () => engine.fireSchedules(source.partitions()) },
    { name: 'pipeline-watch', schedule: '*/5 * * * * *', run: () => checkPipeline(watch, logger) },
    ...(deps.carrierGrace ? [{ name: 'carrier-grace', schedule: '0 41 * * * *', run: async () => void (await deps.carrierGrace?.run()) }] : []),
    ...(taskWebhooks ? [{ name: 'task-webhooks', schedule: '* * * * * *', run: () => taskWebhooks.run() }] : []),
    ...(retention ? [{ name: 'retention', schedule: '0 17 3 * * *', run: () => retention.run() }] : []),
  ]
}
