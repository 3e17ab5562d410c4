// What the engine's three kinds of step (event batches, due timers, schedule sweeps) share: the
// owner's copy of customer state, the rule set, queue staffing, deciding on a moment, poison
// isolation and the commit.
import type { Logger } from 'pino'
import type { Clock } from '../../lib/clock.ts'
import type { Metrics } from '../../lib/metrics.ts'
import { createMoney, type Money } from '../../lib/money.ts'
import { emptyCustomerState, getOwn, type CustomerState } from '../../model/customer.ts'
import type { ShopEvent } from '../../model/event.ts'
import type { HandoffRecord } from '../../model/identity.ts'
import type { ShopInfo } from '../../model/outbox.ts'
import { availability, type QueueLoad } from '../../model/queue.ts'
import { decide, type EvalContext, type Moment, type RuleSet, type Staffing } from '../../rules/index.ts'
import type { HistoryStore } from '../../store/history/HistoryStore.ts'
import type { DeadLetter } from '../../store/operational/DeadLetterStore.ts'
import type { OperationalStore } from '../../store/operational/OperationalStore.ts'
import { addDecisionEffects } from '../effects.ts'
import { nextTurn } from '../ingest/IngestPressure.ts'
import type { RuleRegistry } from '../RuleRegistry.ts'
import type { SourceRecord } from '../source/EventSource.ts'
import { NEVER_DUE, ScheduleDue } from './schedules.ts'
import { defaultRetention, type RetentionPolicy } from '../state/reducer.ts'
import type { BatchWork } from './BatchWork.ts'
import { BatchCommit, type CommittedEffects } from './commit.ts'
import { buildIsolated } from './isolation.ts'
import { StateCache } from './StateCache.ts'

export interface EngineOptions {
  ops: OperationalStore
  history: HistoryStore
  rules: RuleRegistry
  clock: Clock
  logger: Logger
  shop: ShopInfo
  sourceName: string
  /** Max timers fired per sweep step. */
  timerBatch?: number
  metrics?: Metrics
  /**
   * Called with a batch's dead letters before its position is committed (Kafka mode forwards
   * them to a dead-letter topic); the store's dead_letters table keeps them in every mode.
   */
  onDeadLetters?: (letters: readonly DeadLetter[], source: readonly SourceRecord[]) => Promise<void>
  /** Hand-offs to other customers' owners (Kafka mode: produce to the events topic); see commit.ts. */
  handOff?: (records: readonly HandoffRecord[]) => Promise<void>
  /** Currency conversion for money conditions (default: a USD shop with the built-in rates). */
  money?: Money
  /** Allowed lateness of absences whose rule does not set `settle` (default 5 min). */
  settleMs?: number
  /** Called after each batch, timer or schedule write became durable (the stall watchdog). */
  onProgress?: (now: number) => void
  /** Called after each durable write with what it left to do soon (wake-ups; see jobs/table.ts). */
  onCommitted?: (effects: CommittedEffects) => void
  /**
   * A source hands over several partitions' batches at once (Kafka): a batch arriving at an idle
   * engine waits one event-loop turn so that they share a step (see Engine.handleBatch).
   */
  gatherBatches?: boolean
  /** Records one event step takes at most when several batches wait (default 10,000). */
  maxStepRecords?: number
  /** Server stores: history is appended while the operational transaction is built (see commit.ts). */
  overlapHistory?: boolean
  /**
   * Customer states kept in memory between steps; beyond it the least recently used are dropped
   * and read again from the store when next needed (every step leaves them durable). Default: all.
   */
  stateCacheSize?: number
  /** Bytes of serialized customer states kept between steps (see StateCache); default: no bound by bytes. */
  stateCacheBytes?: number
  /** Most recently used states kept as objects between steps, the rest serialized; default: all objects. */
  stateCacheHot?: number
  /**
   * The history store keeps no event rows (a replay sandbox only counts them): none are built.
   * Default: built and appended with each step.
   */
  eventRows?: boolean
  /**
   * No id can have been erased in this store (a replay sandbox's throw-away store): the
   * suppression look-up, a hash per event, is skipped. Default: looked up every step.
   */
  erasures?: boolean
  /**
   * A turn of the event loop between slices of a step (default: one setImmediate); embedded mode
   * passes IngestPressure.turn so that ingest requests in flight go first.
   */
  turn?: () => Promise<void>
}

/**
 * How long an event step may run past a timer's due time: part of the 100 ms a reminder may be
 * late, so that timers due every few milliseconds do not cut the steps into slivers.
 */
export const STEP_PAST_TIMER_MS = 50

export class EngineCore {
  readonly commit: BatchCommit
  readonly retention: RetentionPolicy = { ...defaultRetention }
  readonly money: Money
  /** Grace learned per carrier (ms), read by rules as carrier.grace; set by the carrier-grace job. */
  carrierGrace: ReadonlyMap<string, number> = new Map()
  /** Share of each carrier's parcels scanned out for delivery, read by rules as carrier.out_for_delivery; set by the same job. */
  carrierOutForDelivery: ReadonlyMap<string, number> = new Map()
  readonly scheduleDue = new ScheduleDue()
  /** Partition → the instant its scheduled care was last swept up to (known to this process). */
  readonly scheduleSwept = new Map<number, number>()
  /** The owner's copy of customer state; dropped whenever a commit fails. */
  private readonly cache: StateCache

  constructor(readonly opts: EngineOptions) {
    this.money = opts.money ?? createMoney('USD')
    this.cache = new StateCache({ maxStates: opts.stateCacheSize, maxBytes: opts.stateCacheBytes, hot: opts.stateCacheHot })
    const { ops, history, clock, logger, metrics, sourceName, onDeadLetters, onProgress, onCommitted, handOff, overlapHistory } = opts
    this.commit = new BatchCommit({
      ...{ ops, history, clock, logger, metrics, sourceName, onDeadLetters, handOff, onProgress, overlapHistory },
      ...(opts.turn ? { turn: () => this.turn() } : {}),
      onCommitted: (effects) => {
        if (effects.earliestTimerDue !== undefined) this.timerArmed(effects.earliestTimerDue)
        onCommitted?.(effects)
      },
      onWriteFailed: () => this.cache.clear(),
      scheduleDue: (state, partition) => this.nextScheduleDue(state, partition),
    })
  }

  /**
   * When the state's scheduled care can next come due, searched from the partition's last sweep
   * (an occurrence between that sweep and now must still be found); 0 (at once) before the
   * first sweep of this process, whose full pass computes it again.
   */
  nextScheduleDue(state: CustomerState, partition: number): number {
    if (this.ruleSet.schedules.length === 0) return NEVER_DUE
    const swept = this.scheduleSwept.get(partition)
    return swept === undefined ? 0 : this.scheduleDue.next(this.ruleSet, state, swept)
  }

  get ruleSet(): RuleSet {
    return this.opts.rules.ruleSet
  }

  /** Picks up changed rules; state keeps counts for as long as the rules' count windows need. */
  async refreshRules(): Promise<void> {
    if (await this.opts.rules.refresh()) this.retention.countWindows = this.ruleSet.countWindows
  }

  /** Reads the states of these customers that are not cached yet; the cached ones become the most recently used. */
  async loadStates(customerIds: Iterable<string>): Promise<void> {
    const missing: string[] = []
    for (const id of new Set(customerIds)) if (!this.cache.touch(id)) missing.push(id)
    if (missing.length === 0) return
    const loaded = await this.opts.ops.engine.loadStates(missing)
    for (const id of missing) this.cache.set(id, loaded.get(id) ?? emptyCustomerState(id))
  }

  stateOf(customerId: string): CustomerState {
    let state = this.cache.get(customerId)
    if (state === undefined) {
      state = emptyCustomerState(customerId)
      this.cache.set(customerId, state)
    }
    return state
  }

  /** Drops every cached state; the next step reads them from the store (see Engine.forgetState). */
  forgetStates(): void {
    this.cache.clear()
    this.nextTimerDue = undefined
  }

  /**
   * The earliest pending timer of these partitions as this process last knew it: read after each
   * firing step, lowered by each commit that arms one (in any partition).
   */
  private nextTimerDue: { partitions: string; at: number } | undefined

  timersRead(partitions: readonly number[], next: number | undefined): void {
    this.nextTimerDue = { partitions: partitionsKey(partitions), at: next ?? Number.POSITIVE_INFINITY }
  }

  /** The earliest pending timer of these partitions as last read or armed (never later than the stored one; `at` undefined: none pending); undefined when not known. */
  knownNextTimerDue(partitions: readonly number[]): { at: number | undefined } | undefined {
    const known = this.nextTimerDue
    if (known === undefined || known.partitions !== partitionsKey(partitions)) return undefined
    return { at: known.at === Number.POSITIVE_INFINITY ? undefined : known.at }
  }

  private timerArmed(dueAt: number): void {
    if (this.nextTimerDue !== undefined && dueAt < this.nextTimerDue.at) this.nextTimerDue.at = dueAt
  }

  /** Wall milliseconds an event step took per record, averaged over recent steps (deadline-aware steps). */
  msPerRecord = 0

  stepTook(records: number, ms: number): void {
    if (records === 0) return
    const sample = ms / records
    this.msPerRecord = this.msPerRecord === 0 ? sample : 0.7 * this.msPerRecord + 0.3 * sample
  }

  /**
   * Records an event step may take so that it ends at most STEP_PAST_TIMER_MS after the earliest
   * known timer falls due (at the measured cost per record); Infinity when no timer is due within
   * the step. A timer already due does not bound it: its firing, once queued, makes the step give
   * way instead.
   */
  recordsBeforeTimer(): number {
    const due = this.nextTimerDue?.at
    if (due === undefined || this.msPerRecord === 0) return Number.POSITIVE_INFINITY
    const left = due - this.opts.clock.now()
    return left <= 0 ? Number.POSITIVE_INFINITY : Math.floor((left + STEP_PAST_TIMER_MS) / this.msPerRecord)
  }

  /** Whether a timer of these partitions may be due now: a firing step then goes before event steps (see stepsWaiting). */
  timerMayBeDue(partitions: readonly number[]): boolean {
    const known = this.nextTimerDue
    return known === undefined || known.partitions !== partitionsKey(partitions) || known.at <= this.opts.clock.now()
  }

  /** Between steps only (all state durable): drops the least recently used states beyond the bound. */
  trimStates(): void {
    this.cache.trim()
  }

  /**
   * Timer firings, sweeps and other steps queued behind the running one: while there are any, the
   * step does not give way to ingest beyond one turn (a due reminder must not wait for a burst).
   */
  stepsWaiting = 0

  /** Lets waiting I/O run (see EngineOptions.turn). */
  turn(): Promise<void> {
    return (this.stepsWaiting > 0 || this.opts.turn === undefined ? nextTurn : this.opts.turn)()
  }

  /** Customer states held in memory now. */
  get cachedStates(): number {
    return this.cache.size
  }

  /** Builds work with poison isolation (see isolation.ts); a poisoned build drops its customers' cached states. */
  isolating<K extends string | number>(build: (work: BatchWork, poison: ReadonlyMap<K, unknown>) => Promise<void>): Promise<BatchWork> {
    return buildIsolated(build, {
      discard: (work) => {
        for (const id of work.dirty) this.cache.delete(id)
      },
      onPoison: (key, cause) => {
        this.opts.metrics?.poison.inc()
        this.opts.logger.error({ input: String(key), err: cause }, 'input failed to process; parked as a dead letter')
      },
    })
  }

  /** A snapshot of the queues' hours, agents on shift and open tasks, when a rule routes by it. */
  async staffing(): Promise<Staffing | undefined> {
    if (!this.ruleSet.needsStaffing) return undefined
    const now = this.opts.clock.now()
    const loads: Map<string, QueueLoad> = await this.opts.ops.queues.loads(now)
    return (queue, slaMs) => availability(loads.get(queue), slaMs, now)
  }

  /** What conditions see of an event (or a timer's arming event) at a moment. */
  evalContext(event: ShopEvent, state: CustomerState, at: number): EvalContext {
    const orderId = event.properties?.order_id
    return {
      event,
      state,
      order: typeof orderId === 'string' || typeof orderId === 'number' ? getOwn(state.orders, String(orderId)) : undefined,
      at,
      money: this.money,
      carrierGrace: this.carrierGrace,
      carrierOutForDelivery: this.carrierOutForDelivery,
    }
  }

  /** Decides on a moment and adds what the decision does (signal, message, task …) to the work. */
  decideAndEmit(moment: Moment, ctx: EvalContext, work: BatchWork): void {
    const decision = decide(moment, ctx, ctx.state.firings, work.staffing, this.opts.clock.now())
    if (decision.firing) ctx.state.firings[decision.firing.key] = decision.firing.at
    addDecisionEffects(work.effects, decision, ctx, this.opts.shop, this.opts.clock.now())
    work.moments++
  }
}

function partitionsKey(partitions: readonly number[]): string {
  return [...partitions].sort((a, b) => a - b).join(',')
}
