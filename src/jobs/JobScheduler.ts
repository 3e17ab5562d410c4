// Runs the job table (table.ts) on node-cron, each job on its own schedule. A job never overlaps
// itself, and one job's failure is logged without stopping the others. Tests with an injected
// clock drive the same work through Careloop.tick() instead of waiting for the wall clock.
import cron, { type ScheduledTask } from 'node-cron'
import type { Logger } from 'pino'

export interface Job {
  name: string
  /** Six-field cron expression (seconds first). */
  schedule: string
  run: () => Promise<unknown>
}

export class JobScheduler {
  private readonly tasks: ScheduledTask[] = []

  constructor(
    private readonly jobs: readonly Job[],
    private readonly logger: Logger,
  ) {
    for (const job of jobs) {
      if (!cron.validate(job.schedule)) throw new Error(`job ${job.name}: invalid cron expression "${job.schedule}"`)
    }
  }

  // A job still running when its next second comes is normal under load: debug, not warn.
  private readonly cronLogger = {
    info: (message: string) => this.logger.debug({ source: 'node-cron' }, message),
    warn: (message: string) => this.logger.debug({ source: 'node-cron' }, message),
    error: (message: string | Error, err?: Error) => this.logger.error({ source: 'node-cron', err: err ?? message }, String(message)),
    debug: (message: string | Error) => this.logger.debug({ source: 'node-cron' }, String(message)),
  }

  start(): void {
    for (const job of this.jobs) {
      const task = cron.schedule(job.schedule, () => this.runJob(job), {
        name: job.name,
        noOverlap: true,
        suppressMissedWarning: true,
        logger: this.cronLogger,
      })
      this.tasks.push(task)
    }
  }

  private async runJob(job: Job): Promise<void> {
    try {
      await job.run()
    } catch (err) {
      this.logger.error({ err, job: job.name }, 'job failed')
    }
  }

  async stop(): Promise<void> {
    for (const task of this.tasks.splice(0)) await task.destroy()
  }
}
