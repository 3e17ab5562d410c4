// The processing loop: decode → per-customer state → timers → rules → decisions → effects.
// Three kinds of step change customer state: event batches (engine/events.ts), due timers
// (engine/timers.ts) and scheduled-care sweeps (engine/scheduleSweep.ts). Each writes its effects
// to the history store, then to the operational store in one transaction together with its
// position (engine/commit.ts); only then is the step done.
import type { SourceBatch, SourceRecord } from './source/EventSource.ts'
import type { EngineStats } from './engine/commit.ts'
import { EngineCore, type EngineOptions } from './engine/EngineCore.ts'
import { EventBatches, type StepGate } from './engine/events.ts'
import { FiringsSweep } from './engine/firingsSweep.ts'
import { ScheduleSweep } from './engine/scheduleSweep.ts'
import { TimerFiring } from './engine/timers.ts'

/** Records one event step takes at most when several batches wait (default). */
export const DEFAULT_MAX_STEP_RECORDS = 10_000

interface WaitingBatch {
  batch: SourceBatch
  resolve: () => void
  reject: (err: unknown) => void
}

export class Engine {
  private readonly core: EngineCore
  private readonly events: EventBatches
  private readonly timers: TimerFiring
  private readonly schedules: ScheduleSweep
  private readonly firings: FiringsSweep
  private queue: Promise<unknown> = Promise.resolve()
  /** Event batches waiting for a step; see handleBatch. */
  private waiting: WaitingBatch[] = []

  constructor(opts: EngineOptions) {
    this.core = new EngineCore(opts)
    this.events = new EventBatches(this.core)
    this.timers = new TimerFiring(this.core)
    this.schedules = new ScheduleSweep(this.core)
    this.firings = new FiringsSweep(this.core)
  }

  /** Customer states held in memory (bounded by EngineOptions.stateCacheSize). */
  get cachedStates(): number {
    return this.core.cachedStates
  }

  /** What this engine has written since it started. */
  get stats(): EngineStats {
    return this.core.commit.stats
  }

  /**
   * Steps run one at a time: each changes customer state, and this process is the only writer
   * of the customers it owns.
   */
  private serial<T>(fn: () => Promise<T>, urgent = false): Promise<T> {
    if (urgent) this.core.stepsWaiting++
    const start = (): Promise<T> => {
      if (urgent) this.core.stepsWaiting--
      return fn()
    }
    const run = this.queue.then(start, start).then((result) => {
      this.core.trimStates()
      return result
    })
    this.queue = run.then(
      () => undefined,
      () => undefined,
    )
    return run
  }

  /**
   * Handles one source batch; resolves when its effects are durable. Batches that arrive while a
   * step runs (a source handing over several partitions at once) are taken together by the next
   * step, up to `maxStepRecords`: one history append and one transaction for all of them. With
   * `gatherBatches` a batch arriving at an idle engine waits one turn of the event loop for the
   * others of its fetch.
   */
  handleBatch(batch: SourceBatch): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const first = this.waiting.length === 0
      this.waiting.push({ batch, resolve, reject })
      if (!first) return
      const step = () => void this.serial(() => this.nextEventStep()).catch(() => undefined)
      if (this.core.opts.gatherBatches) setImmediate(step)
      else step()
    })
  }

  private async nextEventStep(): Promise<void> {
    // A timer firing or sweep queued after this step goes first (see EventBatches.givesWayAt).
    if (this.core.stepsWaiting > 0 && this.waiting.length > 0) {
      void this.serial(() => this.nextEventStep()).catch(() => undefined)
      return
    }
    const limit = this.core.opts.maxStepRecords ?? DEFAULT_MAX_STEP_RECORDS
    const taken: WaitingBatch[] = []
    let records = 0
    while (this.waiting.length > 0 && (taken.length === 0 || records + (this.waiting[0] as WaitingBatch).batch.records.length <= limit)) {
      const next = this.waiting.shift() as WaitingBatch
      taken.push(next)
      records += next.batch.records.length
    }
    if (taken.length === 0) return
    // The rest waits for a step of its own, queued behind this one.
    if (this.waiting.length > 0) void this.serial(() => this.nextEventStep()).catch(() => undefined)
    try {
      const left = new Set(await this.events.process(taken.map((w) => w.batch)))
      if (left.size === 0) for (const w of taken) w.resolve()
      else this.continueLater(taken, left)
    } catch (err) {
      for (const w of taken) w.reject(err)
    }
  }

  /**
   * The step gave way before these records: they go first in the next event step, queued behind
   * the steps that were waiting; a batch resolves once all its records are durable.
   */
  private continueLater(taken: readonly WaitingBatch[], left: ReadonlySet<SourceRecord>): void {
    const rest: WaitingBatch[] = []
    for (const w of taken) {
      const records = w.batch.records.filter((r) => left.has(r))
      if (records.length === 0) w.resolve()
      else rest.push({ ...w, batch: { ...w.batch, records } })
    }
    const idle = this.waiting.length === 0
    this.waiting.unshift(...rest)
    if (idle) void this.serial(() => this.nextEventStep()).catch(() => undefined)
  }

  /**
   * One step over records of one partition that may span several moments; `gate.admit` decides,
   * before each record after the first, whether it joins the step (see EventBatches.processPrefix).
   * Resolves with how many records the step took, once their effects are durable. For a replay
   * sandbox, whose clock follows event time; sources use handleBatch.
   */
  stepThrough(batch: SourceBatch, gate: StepGate): Promise<number> {
    return this.serial(() => this.events.processPrefix(batch, gate))
  }

  /** Scheduled care for the owned partitions (see engine/scheduleSweep.ts). Returns the moments decided on. */
  /** Grace learned per carrier (ms) and share of parcels scanned out for delivery, for the rules' carrier.grace and carrier.out_for_delivery; replace the previous tables. */
  setCarrierGrace(grace: ReadonlyMap<string, number>, outForDelivery: ReadonlyMap<string, number> = new Map()): void {
    this.core.carrierGrace = grace
    this.core.carrierOutForDelivery = outForDelivery
  }

  fireSchedules(partitions: readonly number[]): Promise<number> {
    return this.serial(() => this.schedules.sweep(partitions), true)
  }

  /**
   * Fires due absence timers of the owned partitions. Returns how many fired. Event steps give
   * way to it only when a timer may be due (not to the every-second poll finding none).
   */
  fireDueTimers(partitions: readonly number[]): Promise<number> {
    return this.serial(() => this.timers.fireDue(partitions), this.core.timerMayBeDue(partitions))
  }

  /**
   * Forgets cached customer state. Called when partitions are assigned or revoked: another
   * process may have changed those customers meanwhile, so state is read again from the store.
   */
  forgetState(): Promise<void> {
    return this.serial(async () => this.core.forgetStates())
  }

  /** Retention: drops the owned customers' cooldown firings no rule can consult any more. Returns how many. */
  pruneFirings(partitions: readonly number[], orphanMs: number): Promise<number> {
    return this.serial(() => this.firings.sweep(partitions, orphanMs))
  }

  /** Earliest pending timer, to schedule the next sweep. */
  nextTimerDue(partitions: readonly number[]): Promise<number | undefined> {
    return this.core.opts.ops.engine.nextTimerDue(partitions)
  }

  /**
   * When to wake the timer loop: the earliest pending timer as the last firing step read it
   * (lowered by timers armed since, so never later than the stored one; an earlier wake only
   * finds nothing due), else read from the store.
   */
  async nextTimerWake(partitions: readonly number[]): Promise<number | undefined> {
    const known = this.core.knownNextTimerDue(partitions)
    return known === undefined ? this.core.opts.ops.engine.nextTimerDue(partitions) : known.at
  }
}
