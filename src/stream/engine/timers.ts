// Absence timers: armed and cancelled while an event is applied, fired when due. A firing
// timer is a moment like an event: decided on and emitted with the same isolation, so a timer
// that throws is parked as a dead letter and never retried.
import type { CustomerState } from '../../model/customer.ts'
import type { ShopEvent } from '../../model/event.ts'
import { edgePart } from '../../model/idParts.ts'
import type { EvalContext } from '../../rules/index.ts'
import type { TimerRecord } from '../../store/operational/EngineStore.ts'
import { mapPacked } from '../../lib/packedMap.ts'
import { BatchWork, describeError } from './BatchWork.ts'
import type { EngineCore } from './EngineCore.ts'
import { DWELL_TIMER_RULE, fireDerivedDwell } from './dwellMoments.ts'
import { asInput } from './isolation.ts'

export const DEFAULT_SETTLE_MS = 5 * 60_000

/** `rule#trigger:customer:entity`; the entity holds no ':' as written, so the last one splits. */
export function timerIdOf(ruleId: string, triggerIndex: number, customerId: string, entity: string): string {
  return `${ruleId}#${triggerIndex}:${customerId}:${edgePart(entity)}`
}

/**
 * The id under which the shopper waits for this rule trigger and entity. A wait armed before
 * entities were escaped keeps its raw id, so arming it again moves that wait instead of starting
 * a second one beside it.
 */
export function pendingTimerId(state: CustomerState, ruleId: string, triggerIndex: number, entity: string): string {
  const id = timerIdOf(ruleId, triggerIndex, state.customerId, entity)
  if (Object.hasOwn(state.timers, id) || edgePart(entity) === entity) return id
  const raw = `${ruleId}#${triggerIndex}:${state.customerId}:${entity}`
  return Object.hasOwn(state.timers, raw) ? raw : id
}

/**
 * The rule's moments about the entity lost their reason (the parcel arrived, the payment went
 * through): its open tasks close, and its messages still waiting to go out are withdrawn — this
 * batch's ones only if planned before this event.
 */
function endReason(work: BatchWork, customerId: string, ruleId: string, entity: string | undefined, event: ShopEvent): void {
  const note = `${event.name} at ${new Date(event.ts).toISOString()}`
  work.mootTasks.push({ customerId, ruleId, entity, note })
  const planned = work.effects.outbox
    .filter((o) => o.customerId === customerId && o.ruleId === ruleId && (entity === undefined || o.entity === entity))
    .map((o) => o.id)
  work.withdrawnNudges.push({ customerId, ruleId, entity, reason: `withdrawn: ${note}`, planned })
}

/**
 * Arms and cancels the timers the event in `ctx` changes, in its customer's state and in the
 * work, and ends the reason of moments it makes moot (awaited events, rules' withdrawOn).
 */
export function applyTimerChanges(core: EngineCore, ctx: EvalContext, partition: number, work: BatchWork): void {
  const { state, event } = ctx
  for (const w of core.ruleSet.withdrawals(ctx)) endReason(work, state.customerId, w.ruleId, w.entity, event)
  for (const change of core.ruleSet.timerChanges(event, ctx)) {
    if (change.op === 'cancel') {
      endReason(work, state.customerId, change.ruleId, change.entity, event)
      for (const [id, timer] of Object.entries(state.timers)) {
        if (timer.ruleId !== change.ruleId || timer.triggerIndex !== change.triggerIndex) continue
        if (change.entity !== undefined && timer.entity !== change.entity) continue
        delete state.timers[id]
        work.timers.push({ op: 'cancel', id })
      }
      continue
    }
    const entity = change.entity as string
    const id = pendingTimerId(state, change.ruleId, change.triggerIndex, entity)
    // Event time decides: a wait already due when armed still gives the events that could end
    // it (in flight, or behind it in a backfill) the allowed lateness to arrive.
    const fireAt = Math.max(change.dueAt, core.opts.clock.now()) + (change.settleMs ?? core.opts.settleMs ?? DEFAULT_SETTLE_MS)
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

/** Fires the due timers of the owned partitions. */
export class TimerFiring {
  constructor(private readonly core: EngineCore) {}

  /** Returns how many fired. */
  async fireDue(partitions: readonly number[]): Promise<number> {
    const { ops, clock, timerBatch, metrics } = this.core.opts
    const due = await ops.engine.dueTimers(partitions, clock.now(), timerBatch ?? 500)
    if (due.length > 0) {
      await this.core.refreshRules()
      await this.fireList(due)
      this.core.commit.stats.timersFired += due.length
      metrics?.timersFired.inc(due.length)
    }
    this.core.timersRead(partitions, await ops.engine.nextTimerDue(partitions))
    return due.length
  }

  private async fireList(due: readonly TimerRecord[]): Promise<void> {
    const work = await this.core.isolating<string>(async (work, poison) => {
      await this.core.loadStates(mapPacked(due, (t) => t.customerId))
      work.staffing = await this.core.staffing()
      for (const timer of due) {
        const failure = poison.get(timer.id)
        if (poison.has(timer.id)) this.park(timer, `processing failed: ${describeError(failure)}`, work)
        else asInput(timer.id, () => this.fireOne(timer, work))
      }
    })
    await this.core.commit.writeOrIsolate(
      due,
      () => this.core.commit.write(work, new Map()),
      (timer) => this.fireList([timer]),
      async (timer, err) => {
        const lone = new BatchWork()
        this.park(timer, `a store refused this timer's effects: ${describeError(err)}`, lone)
        await this.core.commit.write(lone, new Map())
      },
    )
  }

  /** A timer that cannot fire is marked fired (never retried) and kept as a dead letter. */
  private park(timer: TimerRecord, reason: string, work: BatchWork): void {
    const state = this.core.stateOf(timer.customerId)
    work.dirty.add(state.customerId)
    delete state.timers[timer.id]
    work.timers.push({ op: 'fire', id: timer.id })
    work.touched.set(state.customerId, { partition: timer.partition, state })
    work.deadLetters.push({ source: 'timer', receivedAt: this.core.opts.clock.now(), reason, errors: [{ path: '/', message: reason }], payload: JSON.stringify(timer) ?? '' })
  }

  private fireOne(timer: TimerRecord, work: BatchWork): void {
    const state = this.core.stateOf(timer.customerId)
    work.dirty.add(state.customerId)
    delete state.timers[timer.id]
    work.timers.push({ op: 'fire', id: timer.id })
    work.touched.set(state.customerId, { partition: timer.partition, state })
    if (timer.ruleId === DWELL_TIMER_RULE) return fireDerivedDwell(this.core, timer, state, work)
    // Windows, age and the moment itself go by when the awaited event was due, not by the settle.
    const at = timer.momentAt ?? timer.dueAt
    const ctx = this.core.evalContext(timer.armedBy as ShopEvent, state, at)
    const rule = this.core.ruleSet.matchTimer(timer.ruleId, timer.triggerIndex, timer.entity, ctx)
    if (rule === undefined) return
    this.core.decideAndEmit({ rule, customerId: state.customerId, trigger: { kind: 'timer', id: timer.id }, entity: timer.entity, at }, ctx, work)
  }
}
