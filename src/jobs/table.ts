// The periodic jobs of a running engine: what runs and how often (six-field cron, seconds first).
// Due timers and the outbox every second, so a due moment is acted on within about a second;
// scheduled care and the SLA watch once a minute, as their times are whole minutes; rule and
// template edits made through other processes are picked up within five seconds; retention once
// a day at 03:17 (local time), away from the hour when other nightly work starts.
import type { Logger } from 'pino'
import type { Dispatcher } from '../channels/Dispatcher.ts'
import type { TemplateOverrides } from '../channels/templates/overrides.ts'
import type { Engine } from '../stream/Engine.ts'
import type { PipelineWatch } from '../stream/PipelineWatch.ts'
import type { RuleRegistry } from '../stream/RuleRegistry.ts'
import type { EventSource } from '../stream/source/EventSource.ts'
import type { Job } from './JobScheduler.ts'
import { dispatchAll } from './outbox.ts'
import { checkPipeline } from './pipelineCheck.ts'
import type { RetentionJob } from './RetentionJob.ts'
import type { SlaJob } from './SlaJob.ts'

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
  /** Removes records past their retention period (docs/retention.md); absent = keep everything. */
  retention?: RetentionJob
}

export function jobTable(deps: JobDependencies): Job[] {
  const { engine, source, dispatcher, rules, templateOverrides, sla, watch, logger, retention } = deps
  return [
    { name: 'due-timers', schedule: '* * * * * *', run: () => engine.fireDueTimers(source.partitions()) },
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
    ...(retention ? [{ name: 'retention', schedule: '0 17 3 * * *', run: () => retention.run() }] : []),
  ]
}
