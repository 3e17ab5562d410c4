// The processing loop: decode → per-customer state → timers → rules → decisions → effects.
// A batch's effects are written to the history store, then to the operational store in one
// transaction together with the source position; only then is the batch done.
import type { Logger } from 'pino'
import type { Clock } from '../lib/clock.ts'
import type { Metrics } from '../lib/metrics.ts'
import { createMoney, type Money } from '../lib/money.ts'
import { emptyCustomerState, type CustomerState } from '../model/customer.ts'
import type { ShopEvent } from '../model/event.ts'
import { availability, type QueueLoad } from '../model/queue.ts'
import { decide, type EvalContext, type Moment, type Staffing } from '../rules/index.ts'
import type { HistoryStore } from '../store/history/HistoryStore.ts'
import type { TaskRecord } from '../store/operational/TaskStore.ts'
import type { DeadLetter } from '../store/operational/DeadLetterStore.ts'
import type { TimerRecord } from '../store/operational/EngineStore.ts'
import type { OperationalStore } from '../store/operational/OperationalStore.ts'
import { isStoreUnavailable } from '../store/unavailable.ts'
import { BatchWork, describeError, PoisonError } from './BatchWork.ts'
import { closedTaskEvents, countBatch } from './batchReport.ts'
import { addDeadLetter, asInput, buildIsolated, decodeRecords } from './isolation.ts'
import type { ShopInfo } from '../model/outbox.ts'
import { addDecisionEffects } from './effects.ts'
import type { RuleRegistry } from './RuleRegistry.ts'
import { anyMinuteDue, SCHEDULE_SOURCE, scheduledMoments } from './schedules.ts'
import type { SourceBatch, SourceRecord } from './source/EventSource.ts'
import { alreadyApplied, applyEvent, defaultRetention, type RetentionPolicy } from './state/reducer.ts'

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
  /** Currency conversion for money conditions (default: a USD shop with the built-in rates). */
  money?: Money
  /** Allowed lateness of absences whose rule does not set `settle` (default 5 min). */
  settleMs?: number
  /** Called after each batch, timer or schedule write became durable (the stall watchdog). */
  onProgress?: (now: number) => void
}

export interface EngineStats {
  events: number
  duplicates: number
  deadLetters: number
  signals: number
  outbox: number
  tasks: number
  timersFired: number
}

export const DEFAULT_SETTLE_MS = 5 * 60_000

export function timerIdOf(ruleId: string, triggerIndex: number, customerId: string, entity: string): string {
  return `${ruleId}#${triggerIndex}:${customerId}:${entity}`
}

export class Engine {
  readonly stats: EngineStats = { events: 0, duplicates: 0, deadLetters: 0, signals: 0, outbox: 0, tasks: 0, timersFired: 0 }
  /** The owner's copy of customer state; dropped whenever a commit fails. */
  private readonly cache = new Map<string, CustomerState>()
  private readonly retention: RetentionPolicy
  private readonly money: Money
  private queue: Promise<unknown> = Promise.resolve()

  constructor(private readonly opts: EngineOptions) {
    this.retention = { ...defaultRetention }
    this.money = opts.money ?? createMoney('USD')
  }

  private get ruleSet() {
    return this.opts.rules.ruleSet
  }

  private async statesFor(customerIds: Iterable<string>): Promise<void> {
    const missing = [...new Set(customerIds)].filter((id) => !this.cache.has(id))
    if (missing.length === 0) return
    const loaded = await this.opts.ops.engine.loadStates(missing)
    for (const id of missing) this.cache.set(id, loaded.get(id) ?? emptyCustomerState(id))
  }

  private stateOf(customerId: string): CustomerState {
    let state = this.cache.get(customerId)
    if (state === undefined) {
      state = emptyCustomerState(customerId)
      this.cache.set(customerId, state)
    }
    return state
  }

  /**
   * Batches and timer sweeps run one at a time: both change customer state, and this process is
   * the only writer of the customers it owns.
   */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn)
    this.queue = run.then(
      () => undefined,
      () => undefined,
    )
    return run
  }

  /** Handles one source batch; resolves when its effects are durable. */
  handleBatch(batch: SourceBatch): Promise<void> {
    return this.serial(() => this.processBatch(batch))
  }

  /**
   * Scheduled care for the owned partitions: every cron time that came round since the last sweep
   * (per partition, committed with the effects), at most once per trigger and customer, so a
   * sweep after downtime catches up once. A fresh installation starts from one minute ago.
   */
  fireSchedules(partitions: readonly number[]): Promise<number> {
    return this.serial(() => this.sweepSchedules(partitions))
  }

  /** Fires due absence timers of the owned partitions. Returns how many fired. */
  fireDueTimers(partitions: readonly number[]): Promise<number> {
    return this.serial(() => this.fireTimers(partitions))
  }

  private async processBatch(batch: SourceBatch): Promise<void> {
    const { ops, sourceName } = this.opts
    const positions = await ops.engine.positions(sourceName, [batch.partition])
    const after = positions.get(batch.partition) ?? 0
    const records = batch.records.filter((r) => r.offset > after)
    if (records.length === 0) return
    await this.ruleSetFresh()
    await this.processRecords(batch.partition, records)
  }

  /**
   * Applies records and writes their effects with the position of the last one. An input that
   * throws while being applied becomes a dead letter and the rest is applied again without it; a
   * write that fails while both stores answer is retried record by record, so the one record a
   * store refuses is parked instead of holding up the partition.
   */
  private async processRecords(partition: number, records: readonly SourceRecord[]): Promise<void> {
    const work = await this.isolating<number>(async (work, poison) => {
      const decoded = decodeRecords(records, poison, work, this.opts.sourceName)
      await this.statesFor(decoded.map((d) => d.event.customerId))
      work.staffing = this.ruleSet.needsStaffing ? await this.staffing() : undefined
      for (const { event, record } of decoded) asInput(record.offset, () => this.applyOne(event, record.partition, work))
    })
    const last = records[records.length - 1] as SourceRecord
    const position = new Map([[partition, last.offset]])
    try {
      await this.write(work, position)
    } catch (err) {
      if (!(await this.writeRefusedByData(err))) throw err
      if (records.length > 1) {
        for (const record of records) await this.processRecords(partition, [record])
        return
      }
      const lone = new BatchWork()
      addDeadLetter(lone, last, this.opts.sourceName, `a store refused this event's effects: ${describeError(err)}`)
      await this.write(lone, position)
    }
  }

  /** Builds work with poison isolation (see isolation.ts); a poisoned build drops its customers' cached states. */
  private isolating<K extends string | number>(build: (work: BatchWork, poison: ReadonlyMap<K, unknown>) => Promise<void>): Promise<BatchWork> {
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

  /**
   * A failed write was about the data, not an outage: the error is not an outage's (a full disk
   * still answers a ping) and both stores answer a ping.
   */
  private async writeRefusedByData(err: unknown): Promise<boolean> {
    if (isStoreUnavailable(err)) return false
    const ping = (p: () => Promise<boolean>) => p().catch(() => false)
    const [ops, history] = await Promise.all([ping(() => this.opts.ops.ping()), ping(() => this.opts.history.ping())])
    return ops && history
  }

  private applyOne(event: ShopEvent, partition: number, work: BatchWork): void {
    const state = this.stateOf(event.customerId)
    if (alreadyApplied(state, event.messageId)) {
      work.duplicates++
      return
    }
    work.dirty.add(state.customerId)
    if (state.partition !== undefined && state.partition !== partition) {
      // Two partitions means two writers for one customer: the producer's partitioner is wrong.
      this.opts.metrics?.partitionConflicts.inc()
      this.opts.logger.warn({ customerId: state.customerId, was: state.partition, now: partition }, 'customer seen on a second partition')
    }
    state.partition = partition
    applyEvent(state, event, this.retention)
    work.touched.set(state.customerId, { partition, state })
    work.events.push({
      message_id: event.messageId,
      customer_id: event.customerId,
      name: event.name,
      type: event.type,
      ts: event.ts,
      received_at: this.opts.clock.now(),
      properties: JSON.stringify(event.properties),
      context: JSON.stringify(event.context),
    })
    const orderId = event.properties.order_id
    const ctx: EvalContext = {
      event,
      state,
      order: typeof orderId === 'string' || typeof orderId === 'number' ? state.orders[String(orderId)] : undefined,
      at: event.ts,
      money: this.money,
    }
    this.applyTimerChanges(ctx, partition, work)
    for (const match of this.ruleSet.matchEvent(ctx)) {
      const moment: Moment = { rule: match.rule, customerId: state.customerId, trigger: { kind: 'event', id: event.messageId }, entity: match.entity, at: event.ts }
      this.record(moment, ctx, work)
    }
  }

  private applyTimerChanges(ctx: EvalContext, partition: number, work: BatchWork): void {
    const { state, event } = ctx
    for (const change of this.ruleSet.timerChanges(event, ctx)) {
      if (change.op === 'cancel') {
        // A task this rule opened about the entity has lost its reason too (the parcel arrived).
        work.mootTasks.push({ customerId: state.customerId, ruleId: change.ruleId, entity: change.entity, note: `${event.name} at ${new Date(event.ts).toISOString()}` })
        for (const [id, timer] of Object.entries(state.timers)) {
          if (timer.ruleId !== change.ruleId || timer.triggerIndex !== change.triggerIndex) continue
          if (change.entity !== undefined && timer.entity !== change.entity) continue
          delete state.timers[id]
          work.timers.push({ op: 'cancel', id })
        }
        continue
      }
      const entity = change.entity as string
      const id = timerIdOf(change.ruleId, change.triggerIndex, state.customerId, entity)
      // Event time decides: a wait already due when armed still gives the events that could end
      // it (in flight, or behind it in a backfill) the allowed lateness to arrive.
      const fireAt = Math.max(change.dueAt, this.opts.clock.now()) + (change.settleMs ?? this.opts.settleMs ?? DEFAULT_SETTLE_MS)
      state.timers[id] = { ruleId: change.ruleId, triggerIndex: change.triggerIndex, entity, dueAt: fireAt }
      work.timers.push({
        op: 'arm',
        id,
        customerId: state.customerId,
        partition,
        ruleId: change.ruleId,
        triggerIndex: change.triggerIndex,
        entity,
        dueAt: fireAt,
        momentAt: change.dueAt,
        armedBy: event,
      })
    }
  }

  private record(moment: Moment, ctx: EvalContext, work: BatchWork): void {
    const decision = decide(moment, ctx, ctx.state.firings, work.staffing, this.opts.clock.now())
    if (decision.firing) ctx.state.firings[decision.firing.key] = decision.firing.at
    addDecisionEffects(work.effects, decision, ctx, this.opts.shop, this.opts.clock.now())
    work.moments++
  }

  private async fireTimers(partitions: readonly number[]): Promise<number> {
    const { ops, clock } = this.opts
    const due = await ops.engine.dueTimers(partitions, clock.now(), this.opts.timerBatch ?? 500)
    if (due.length === 0) return 0
    await this.ruleSetFresh()
    await this.fireTimerList(due)
    this.stats.timersFired += due.length
    this.opts.metrics?.timersFired.inc(due.length)
    return due.length
  }

  /** Fires timers with the same isolation as events: a timer that throws is parked, not retried. */
  private async fireTimerList(due: readonly TimerRecord[]): Promise<void> {
    const work = await this.isolating<string>(async (work, poison) => {
      await this.statesFor(due.map((t) => t.customerId))
      work.staffing = this.ruleSet.needsStaffing ? await this.staffing() : undefined
      for (const timer of due) {
        const failure = poison.get(timer.id)
        if (poison.has(timer.id)) this.parkTimer(timer, `processing failed: ${describeError(failure)}`, work)
        else asInput(timer.id, () => this.fireOne(timer, work))
      }
    })
    try {
      await this.write(work, new Map())
    } catch (err) {
      if (!(await this.writeRefusedByData(err))) throw err
      if (due.length > 1) {
        for (const timer of due) await this.fireTimerList([timer])
        return
      }
      const lone = new BatchWork()
      this.parkTimer(due[0] as TimerRecord, `a store refused this timer's effects: ${describeError(err)}`, lone)
      await this.write(lone, new Map())
    }
  }

  /** A timer that cannot fire is marked fired (never retried) and kept as a dead letter. */
  private parkTimer(timer: TimerRecord, reason: string, work: BatchWork): void {
    const state = this.stateOf(timer.customerId)
    work.dirty.add(state.customerId)
    delete state.timers[timer.id]
    work.timers.push({ op: 'fire', id: timer.id })
    work.touched.set(state.customerId, { partition: timer.partition, state })
    work.deadLetters.push({ source: 'timer', receivedAt: this.opts.clock.now(), reason, errors: [{ path: '/', message: reason }], payload: JSON.stringify(timer) ?? '' })
  }

  private async sweepSchedules(partitions: readonly number[]): Promise<number> {
    const { ops, clock } = this.opts
    if (partitions.length === 0) return 0
    await this.ruleSetFresh()
    const now = clock.now()
    const last = await ops.engine.positions(SCHEDULE_SOURCE, partitions)
    const afterOf = (partition: number): number => last.get(partition) ?? now - 60_000
    const earliest = Math.min(...partitions.map(afterOf))
    let moments = 0
    const work = await this.isolating<string>(async (work, poison) => {
      moments = 0
      if (!anyMinuteDue(this.ruleSet, earliest, now)) return
      work.staffing = this.ruleSet.needsStaffing ? await this.staffing() : undefined
      // Candidates from the stored states; the moments themselves use the owner's cached copy.
      for (let afterId = ''; ; ) {
        const page = await ops.engine.statesPage(partitions, afterId, 500)
        if (page.length === 0) break
        afterId = page[page.length - 1]?.customerId as string
        const due = page.filter((row) => !poison.has(row.customerId) && this.scheduleDue(row.state, afterOf(row.partition), now))
        await this.statesFor(due.map((row) => row.customerId))
        for (const row of due) {
          asInput(row.customerId, () => {
            const state = this.stateOf(row.customerId)
            work.dirty.add(state.customerId)
            for (const { moment, ctx } of scheduledMoments(this.ruleSet, state, afterOf(row.partition), now, this.money)) {
              this.record(moment, { ...ctx, state }, work)
              moments++
            }
            work.touched.set(state.customerId, { partition: row.partition, state })
          })
        }
      }
      for (const [customerId, failure] of poison) {
        const reason = `scheduled care failed: ${describeError(failure)}`
        work.deadLetters.push({ source: SCHEDULE_SOURCE, receivedAt: now, reason, errors: [{ path: '/', message: reason }], payload: JSON.stringify({ customerId }) })
      }
    })
    await this.write(work, new Map(partitions.map((p) => [p, now])), SCHEDULE_SOURCE)
    return moments
  }

  /** A stored state that cannot even be read for schedules is poison for the sweep. */
  private scheduleDue(state: CustomerState, after: number, now: number): boolean {
    try {
      return scheduledMoments(this.ruleSet, state, after, now, this.money).length > 0
    } catch (err) {
      throw new PoisonError(state.customerId, err)
    }
  }

  private fireOne(timer: TimerRecord, work: BatchWork): void {
    const state = this.stateOf(timer.customerId)
    work.dirty.add(state.customerId)
    delete state.timers[timer.id]
    work.timers.push({ op: 'fire', id: timer.id })
    work.touched.set(state.customerId, { partition: timer.partition, state })
    const event = timer.armedBy as ShopEvent
    const orderId = event.properties?.order_id
    // Windows, age and the moment itself go by when the awaited event was due, not by the settle.
    const at = timer.momentAt ?? timer.dueAt
    const ctx: EvalContext = {
      event,
      state,
      order: typeof orderId === 'string' || typeof orderId === 'number' ? state.orders[String(orderId)] : undefined,
      at,
      money: this.money,
    }
    const rule = this.ruleSet.matchTimer(timer.ruleId, timer.triggerIndex, timer.entity, ctx)
    if (rule === undefined) return
    this.record({ rule, customerId: state.customerId, trigger: { kind: 'timer', id: timer.id }, entity: timer.entity, at }, ctx, work)
  }

  private async write(work: BatchWork, positions: Map<number, number>, source: string = this.opts.sourceName): Promise<void> {
    const { ops, history, clock } = this.opts
    const fx = work.effects
    try {
      // History first: its rows carry deterministic ids, so a crash before the commit below
      // only means the same rows are written again on replay.
      await history.append({ events: work.events, signals: fx.signals, decisions: fx.decisions, deliveries: fx.deliveries, taskEvents: fx.taskEvents })
      if (work.deadLetters.length > 0) await this.opts.onDeadLetters?.(work.deadLetters, work.deadRecords)
      const outcome = await ops.engine.commit({
        source,
        positions,
        states: [...work.touched.values()],
        timers: work.timers,
        outbox: fx.outbox,
        tasks: fx.tasks,
        mootTasks: work.mootTasks,
        deadLetters: work.deadLetters,
        now: clock.now(),
      })
      this.stats.events += work.events.length
      this.stats.duplicates += work.duplicates
      this.stats.signals += work.moments
      this.stats.deadLetters += work.deadLetters.length
      this.stats.outbox += outcome.newOutbox.size
      this.stats.tasks += outcome.newTasks.size
      if (outcome.closedTasks.length > 0) await this.recordClosed(outcome.closedTasks)
      for (const letter of work.deadLetters) this.opts.logger.warn({ source: letter.source, reason: letter.reason }, 'input dead-lettered')
      if (this.opts.metrics) countBatch(this.opts.metrics, work, this.opts.sourceName)
      this.opts.onProgress?.(clock.now())
    } catch (err) {
      // In-memory state already contains this batch: forget it so the retry starts from the store.
      this.cache.clear()
      throw err
    }
  }

  /** History of tasks closed by events: after the commit, best-effort (the task row is the truth). */
  private async recordClosed(tasks: readonly TaskRecord[]): Promise<void> {
    try {
      await this.opts.history.append({ taskEvents: closedTaskEvents(tasks, this.opts.clock.now()) })
    } catch (err) {
      this.opts.logger.error({ err, tasks: tasks.map((t) => t.id) }, 'could not record tasks closed by events in history')
    }
  }

  /** A snapshot of the queues' hours, agents on shift and open tasks (processing time). */
  private async staffing(): Promise<Staffing> {
    const now = this.opts.clock.now()
    const loads: Map<string, QueueLoad> = await this.opts.ops.queues.loads(now)
    return (queue, slaMs) => availability(loads.get(queue), slaMs, now)
  }

  private async ruleSetFresh(): Promise<void> {
    if (await this.opts.rules.refresh()) this.retention.countWindows = this.ruleSet.countWindows
  }

  /**
   * Forgets cached customer state. Called when partitions are assigned or revoked: another
   * process may have changed those customers meanwhile, so state is read again from the store.
   */
  forgetState(): Promise<void> {
    return this.serial(async () => this.cache.clear())
  }

  /** Earliest pending timer, to schedule the next sweep. */
  nextTimerDue(partitions: readonly number[]): Promise<number | undefined> {
    return this.opts.ops.engine.nextTimerDue(partitions)
  }
}
