// The stall watchdog: the engine reports each durable write; readiness asks whether work is
// waiting that nothing has moved for too long, or whether the backlog only ever grows.
// Liveness (/healthz) stays apart: a stalled pipeline needs an operator or a store, not a restart.
import type { Clock } from '../lib/clock.ts'

export interface PipelineWatchOptions {
  clock: Clock
  /** Pending work with no progress for this long, or a backlog growing for this long, is a stall. */
  stallMs: number
  /** Events stored but not processed yet (embedded log or Kafka lag, all owned partitions). */
  backlog: () => Promise<number>
  /** The earliest pending durable timer's due time, if any. */
  earliestTimer: () => Promise<number | undefined>
}

export interface PipelineStatus {
  ready: boolean
  backlog: number
  /** How long work has waited without progress (0 when none waits). */
  waitingMs: number
  /** How late the earliest pending timer is (0 when none is due). */
  timerLateMs: number
  /** Over the last stallMs the backlog rose at every sample. */
  backlogGrowing: boolean
  reason?: string
}

interface Sample {
  at: number
  backlog: number
}

export class PipelineWatch {
  private lastProgressAt: number
  /** Since when the backlog has been non-empty (as far as the samples saw). */
  private pendingSince: number | undefined
  private readonly samples: Sample[] = []
  private last: PipelineStatus | undefined

  constructor(private readonly options: PipelineWatchOptions) {
    this.lastProgressAt = options.clock.now()
  }

  /** A batch, timer sweep or schedule sweep became durable. */
  progressed(at: number = this.options.clock.now()): void {
    this.lastProgressAt = Math.max(this.lastProgressAt, at)
  }

  /** The last status computed by check(), for metrics that must not query the stores. */
  get status(): PipelineStatus | undefined {
    return this.last
  }

  /**
   * Computes the verdict. `sample` adds the backlog to the trend: the periodic job samples at a
   * steady pace; probes (readiness) only read, so their frequency cannot bend the trend.
   */
  async check(options: { sample?: boolean } = {}): Promise<PipelineStatus> {
    const { clock, stallMs } = this.options
    const now = clock.now()
    const [backlog, earliest] = await Promise.all([this.options.backlog(), this.options.earliestTimer()])
    if (backlog === 0) this.pendingSince = undefined
    else this.pendingSince ??= now
    if (options.sample) this.sample(now, backlog)
    const waitingMs = this.pendingSince === undefined ? 0 : now - Math.max(this.lastProgressAt, this.pendingSince)
    // A timer counts as waiting from its due time, or from the last progress if that came later.
    const timerLateMs = earliest === undefined || earliest > now ? 0 : now - Math.max(earliest, this.lastProgressAt)
    const backlogGrowing = this.growing(now)
    let reason: string | undefined
    if (waitingMs > stallMs) reason = `${backlog} events waiting, no progress for ${Math.round(waitingMs / 1000)} s`
    else if (timerLateMs > stallMs) reason = `timers overdue for ${Math.round(timerLateMs / 1000)} s with no progress`
    else if (backlogGrowing) reason = `backlog grew for ${Math.round(stallMs / 1000)} s (now ${backlog})`
    this.last = { ready: reason === undefined, backlog, waitingMs, timerLateMs, backlogGrowing, ...(reason ? { reason } : {}) }
    return this.last
  }

  private sample(now: number, backlog: number): void {
    this.samples.push({ at: now, backlog })
    // Keep what covers the window, plus the one sample just before it.
    while (this.samples.length > 2 && (this.samples[1] as Sample).at <= now - this.options.stallMs) this.samples.shift()
  }

  /** True when the samples span the whole window and the backlog rose at every one of them. */
  private growing(now: number): boolean {
    const first = this.samples[0]
    if (first === undefined || first.at > now - this.options.stallMs || this.samples.length < 3) return false
    for (let i = 1; i < this.samples.length; i++) {
      if ((this.samples[i] as Sample).backlog <= (this.samples[i - 1] as Sample).backlog) return false
    }
    return true
  }
}
