// The processing loop: decode → per-customer state → timers → rules → decisions → effects.
// A batch's effects are written to the history store, then to the operational store in one
// transaction together with the source position; only then is the batch done.
import type { Logger } from 'pino'
import type { Clock } from '../lib/clock.ts'
import type { Metrics } from '../lib/metrics.ts'
import { emptyCustomerState, type CustomerState } from '../model/customer.ts'
import type { ShopEvent } from '../model/event.ts'
import { availability, type QueueLoad } from '../model/queue.ts'
import { decide, type EvalContext, type Moment, type Staffing } from '../rules/index.ts'
import type { EventRow, HistoryStore } from '../store/history/HistoryStore.ts'
import type { DeadLetter } from '../store/operational/DeadLetterStore.ts'
import type { TimerRecord, TimerWrite } from '../store/operational/EngineStore.ts'
import type { OperationalStore } from '../store/operational/OperationalStore.ts'
import { decodeBytes, decodeMessage } from './decode.ts'
import { addDecisionEffects, emptyEffects, type DecisionEffects, type ShopInfo } from './effects.ts'
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

/** Work collected while processing one batch, written at its end. */
class BatchWork {
  readonly effects: DecisionEffects = emptyEffects()
  readonly events: EventRow[] = []
  readonly timers: TimerWrite[] = []
  readonly deadLetters: DeadLetter[] = []
  readonly deadRecords: SourceRecord[] = []
  readonly touched = new Map<string, { partition: number; state: CustomerState }>()
  /** Queue load at the start of the batch, for capacity-aware routing. */
  staffing: Staffing | undefined
}

export function timerIdOf(ruleId: string, triggerIndex: number, customerId: string, entity: string): string {
  return `${ruleId}#${triggerIndex}:${customerId}:${entity}`
}

function compactEvent(event: ShopEvent): ShopEvent {
  return { ...event }
}

export class Engine {
  readonly stats: EngineStats = { events: 0, duplicates: 0, deadLetters: 0, signals: 0, outbox: 0, tasks: 0, timersFired: 0 }
  /** The owner's copy of customer state; dropped whenever a commit fails. */
  private readonly cache = new Map<string, CustomerState>()
  private readonly retention: RetentionPolicy
  private queue: Promise<unknown> = Promise.resolve()

  constructor(private readonly opts: EngineOptions) {
    this.retention = { ...defaultRetention }
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
    state.timers ??= {}
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
    const work = new BatchWork()
    const decoded: Array<{ event: ShopEvent; partition: number }> = []
    for (const record of records) {
      // Kafka hands over raw text; the embedded log already holds parsed JSON.
      const result = typeof record.value === 'string' || Buffer.isBuffer(record.value) ? decodeBytes(record.value, record.receivedAt) : decodeMessage(record.value, record.receivedAt)
      if (result.ok) decoded.push({ event: result.event, partition: record.partition })
      else {
        work.deadLetters.push({
          source: sourceName,
          receivedAt: record.receivedAt,
          reason: result.errors.map((e) => `${e.path}: ${e.message}`).join('; '),
          errors: result.errors,
          payload: typeof record.value === 'string' ? record.value : JSON.stringify(record.value) ?? '',
        })
        work.deadRecords.push(record)
      }
    }
    await this.statesFor(decoded.map((d) => d.event.customerId))
    work.staffing = this.ruleSet.needsStaffing ? await this.staffing() : undefined
    for (const { event, partition } of decoded) this.applyOne(event, partition, work)
    const last = records[records.length - 1]
    await this.write(work, new Map([[batch.partition, (last as { offset: number }).offset]]))
  }

  private applyOne(event: ShopEvent, partition: number, work: BatchWork): void {
    const state = this.stateOf(event.customerId)
    if (alreadyApplied(state, event.messageId)) {
      this.stats.duplicates++
      this.opts.metrics?.duplicates.inc()
      return
    }
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
      state.timers[id] = { ruleId: change.ruleId, triggerIndex: change.triggerIndex, entity, dueAt: change.dueAt }
      work.timers.push({
        op: 'arm',
        id,
        customerId: state.customerId,
        partition,
        ruleId: change.ruleId,
        triggerIndex: change.triggerIndex,
        entity,
        dueAt: change.dueAt,
        armedBy: compactEvent(event),
      })
    }
  }

  private record(moment: Moment, ctx: EvalContext, work: BatchWork): void {
    const decision = decide(moment, ctx, ctx.state.firings, work.staffing)
    if (decision.firing) ctx.state.firings[decision.firing.key] = decision.firing.at
    addDecisionEffects(work.effects, decision, ctx, this.opts.shop, this.opts.clock.now())
    this.stats.signals++
  }

  private async fireTimers(partitions: readonly number[]): Promise<number> {
    const { ops, clock } = this.opts
    const due = await ops.engine.dueTimers(partitions, clock.now(), this.opts.timerBatch ?? 500)
    if (due.length === 0) return 0
    await this.ruleSetFresh()
    await this.statesFor(due.map((t) => t.customerId))
    const work = new BatchWork()
    work.staffing = this.ruleSet.needsStaffing ? await this.staffing() : undefined
    for (const timer of due) this.fireOne(timer, work)
    await this.write(work, new Map())
    this.stats.timersFired += due.length
    this.opts.metrics?.timersFired.inc(due.length)
    return due.length
  }

  private async sweepSchedules(partitions: readonly number[]): Promise<number> {
    const { ops, clock } = this.opts
    if (partitions.length === 0) return 0
    await this.ruleSetFresh()
    const now = clock.now()
    const last = await ops.engine.positions(SCHEDULE_SOURCE, partitions)
    const afterOf = (partition: number): number => last.get(partition) ?? now - 60_000
    const earliest = Math.min(...partitions.map(afterOf))
    const work = new BatchWork()
    let moments = 0
    if (anyMinuteDue(this.ruleSet, earliest, now)) {
      work.staffing = this.ruleSet.needsStaffing ? await this.staffing() : undefined
      // Candidates from the stored states; the moments themselves use the owner's cached copy.
      for (let afterId = ''; ; ) {
        const page = await ops.engine.statesPage(partitions, afterId, 500)
        if (page.length === 0) break
        afterId = page[page.length - 1]?.customerId as string
        const due = page.filter((row) => scheduledMoments(this.ruleSet, row.state, afterOf(row.partition), now).length > 0)
        await this.statesFor(due.map((row) => row.customerId))
        for (const row of due) {
          const state = this.stateOf(row.customerId)
          for (const { moment, ctx } of scheduledMoments(this.ruleSet, state, afterOf(row.partition), now)) {
            this.record(moment, { ...ctx, state }, work)
            moments++
          }
          work.touched.set(state.customerId, { partition: row.partition, state })
        }
      }
    }
    await this.write(work, new Map(partitions.map((p) => [p, now])), SCHEDULE_SOURCE)
    return moments
  }

  private fireOne(timer: TimerRecord, work: BatchWork): void {
    const state = this.stateOf(timer.customerId)
    delete state.timers[timer.id]
    work.timers.push({ op: 'fire', id: timer.id })
    work.touched.set(state.customerId, { partition: timer.partition, state })
    const event = timer.armedBy as ShopEvent
    const orderId = event.properties?.order_id
    const ctx: EvalContext = {
      event,
      state,
      order: typeof orderId === 'string' || typeof orderId === 'number' ? state.orders[String(orderId)] : undefined,
      at: timer.dueAt,
    }
    const rule = this.ruleSet.matchTimer(timer.ruleId, timer.triggerIndex, timer.entity, ctx)
    if (rule === undefined) return
    this.record({ rule, customerId: state.customerId, trigger: { kind: 'timer', id: timer.id }, entity: timer.entity, at: timer.dueAt }, ctx, work)
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
        deadLetters: work.deadLetters,
        now: clock.now(),
      })
      this.stats.events += work.events.length
      this.stats.deadLetters += work.deadLetters.length
      this.stats.outbox += outcome.newOutbox.size
      this.stats.tasks += outcome.newTasks.size
      for (const letter of work.deadLetters) this.opts.logger.warn({ reason: letter.reason }, 'event dead-lettered')
      this.count(work)
    } catch (err) {
      // In-memory state already contains this batch: forget it so the retry starts from the store.
      this.cache.clear()
      throw err
    }
  }

  private count(work: BatchWork): void {
    const m = this.opts.metrics
    if (!m) return
    m.eventsProcessed.inc(work.events.length)
    if (work.deadLetters.length > 0) m.deadLetters.inc({ source: this.opts.sourceName }, work.deadLetters.length)
    for (const s of work.effects.signals) m.signals.inc({ rule: s.rule_id })
    for (const d of work.effects.decisions) m.decisions.inc({ rule: d.rule_id, action: d.action, outcome: d.outcome })
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
