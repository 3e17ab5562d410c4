// Runs the job table (table.ts) on node-cron, each job on its own schedule. A job never overlaps
// itself, and one job's failure is logged without stopping the others. Tests with an injected
// clock drive the same work through Careloop.tick() instead of waiting for the wall clock.
// Besides its schedule a job can be woken: now (the engine just wrote an outbox row) or at a time
// (the earliest pending timer); the schedule stays as the fallback.
import cron, { type ScheduledTask } from 'node-cron'
import type { Logger } from 'pino'

export interface Job {
  name: string
  /** Six-field cron expression (seconds first). */
  schedule: string
  run: () => Promise<unknown>
}

/** Longest a wake-up is set ahead: later ones are set again by the job's next run. */
const MAX_WAKE_AHEAD_MS = 60_000

export class JobScheduler {
  private readonly tasks: ScheduledTask[] = []
  private readonly byName = new Map<string, Job>()
  private readonly running = new Set<string>()
  /** Jobs woken while running: they run once more right after. */
  private readonly again = new Set<string>()
  private readonly alarms = new Map<string, { at: number; handle: NodeJS.Timeout }>()
  private started = false

  constructor(
    private readonly jobs: readonly Job[],
    private readonly logger: Logger,
  ) {
    for (const job of jobs) {
      if (!cron.validate(job.schedule)) throw new Error(`job ${job.name}: invalid cron expression "${job.schedule}"`)
      this.byName.set(job.name, job)
    }
  }

  /** Runs the job as soon as it is not running (no-op before start and after stop). */
  wake(name: string): void {
    const job = this.byName.get(name)
    if (!this.started || job === undefined) return
    if (this.running.has(name)) this.again.add(name)
    else void this.runJob(job)
  }

  /** Wakes the job at wall-clock time `at` (ms); an earlier alarm for the job stands. */
  wakeAt(name: string, at: number, now: number = Date.now()): void {
    if (!this.started) return
    const current = this.alarms.get(name)
    if (current !== undefined && current.at <= at) return
    const delay = at - now
    if (delay > MAX_WAKE_AHEAD_MS) return
    if (current !== undefined) clearTimeout(current.handle)
    const handle = setTimeout(() => {
      this.alarms.delete(name)
      this.wake(name)
    }, Math.max(0, delay))
    handle.unref()
    this.alarms.set(name, { at, handle })
  }

  // A job still running when its next second comes is normal under load: debug, not warn.
  private readonly cronLogger = {
    info: (message: string) => this.logger.debug({ source: 'node-cron' }, message),
    warn: (message: string) => this.logger.debug({ source: 'node-cron' }, message),
    error: (message: string | Error, err?: Error) => this.logger.error({ source: 'node-cron', err: err ?? message }, String(message)),
    debug: (message: string | Error) => this.logger.debug({ source: 'node-cron' }, String(message)),
  }

  start(): void {
    this.started = true
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
    if (this.running.has(job.name)) return
    this.running.add(job.name)
    try {
      do {
        this.again.delete(job.name)
        try {
          await job.run()
        } catch (err) {
          this.logger.error({ err, job: job.name }, 'job failed')
        }
      } while (this.started && this.again.has(job.name))
    } finally {
      this.running.delete(job.name)
    }
  }

  async stop(): Promise<void> {
    this.started = false
    for (const { handle } of this.alarms.values()) clearTimeout(handle)
    this.alarms.clear()
    for (const task of this.tasks.splice(0)) await task.destroy()
  }
}
