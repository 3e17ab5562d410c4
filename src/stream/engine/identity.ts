// Identity resolution inside the engine, one writer per customer (docs/identity.md):
// 1. the known id's owner applies an event claiming an anonymous id and hands a merge request to
//    the anonymous id's owner;
// 2. that owner seals the anonymous profile (first claim wins; a different later claim is kept
//    as a conflict), moves its pending timers out and hands the profile to the known id's owner;
// 3. the known id's owner folds it in. Events arriving later for the sealed id are forwarded.
// Every step is keyed by a deterministic id and recognised when repeated.
import { emptyCustomerState, type CustomerState } from '../../model/customer.ts'
import type { ShopEvent } from '../../model/event.ts'
import { anonymousCustomerId, claimOf, forwardedEvent, mergeRecord, mergeRequest, type MergeRecord, type MergeRequest } from '../../model/identity.ts'
import { reviveState } from '../../model/customer.ts'
import type { TimerRecord } from '../../store/operational/EngineStore.ts'
import { foldProfile } from '../state/merge.ts'
import { parsedValue } from '../identity/handoff.ts'
import type { SourceRecord } from '../source/EventSource.ts'
import type { BatchWork } from './BatchWork.ts'
import type { EngineCore } from './EngineCore.ts'
import { pendingTimerId } from './timers.ts'

/** The customer whose owner applies a merge step. */
export function mergeStepCustomer(step: MergeRequest | MergeRecord): string {
  return step.type === 'careloop.merge-request' ? anonymousCustomerId(step.anonymousId) : step.userId
}

export class IdentitySteps {
  /** Pending timers of anonymous profiles this batch seals, read before it is applied. */
  private stored = new Map<string, TimerRecord[]>()

  constructor(private readonly core: EngineCore) {}

  /** Reads what sealing needs from the store (the timers' arming events live only there). */
  async prepare(steps: ReadonlyArray<MergeRequest | MergeRecord>): Promise<void> {
    const sealing = [...new Set(steps.filter((s) => s.type === 'careloop.merge-request').map(mergeStepCustomer))]
    this.stored = new Map()
    for (const timer of await this.core.opts.ops.engine.pendingTimersOf(sealing)) {
      this.stored.set(timer.customerId, [...(this.stored.get(timer.customerId) ?? []), timer])
    }
  }

  /**
   * An event for a sealed anonymous id goes to the known id instead (true: handled here).
   * Otherwise, after it is applied, `claimed` asks for the merge its ids claim.
   */
  forwardIfSealed(state: CustomerState, event: ShopEvent, record: SourceRecord, work: BatchWork): boolean {
    if (state.mergedInto === undefined) return false
    work.handoffs.push(forwardedEvent(state.mergedInto, event.messageId, parsedValue(record.value)))
    return true
  }

  claimed(state: CustomerState, event: ShopEvent, work: BatchWork): void {
    const claim = claimOf(event)
    if (claim === undefined || claim.userId !== state.customerId || state.mergedFrom?.includes(claim.anonymousId)) return
    work.handoffs.push(mergeRequest(claim, event.ts))
  }

  apply(step: MergeRequest | MergeRecord, partition: number, work: BatchWork): void {
    const state = this.core.stateOf(mergeStepCustomer(step))
    if (step.type === 'careloop.merge-request') this.seal(state, step, partition, work)
    else this.fold(state, step, partition, work)
  }

  private seal(state: CustomerState, step: MergeRequest, partition: number, work: BatchWork): void {
    const claim = { anonymousId: step.anonymousId, userId: step.userId }
    if (state.mergedInto !== undefined) {
      if (state.mergedInto === step.userId) work.duplicates++
      else work.identity.conflicts.push({ ...claim, at: step.at })
      return
    }
    work.dirty.add(state.customerId)
    const timers = this.pendingTimers(state, work)
    for (const timer of timers) work.timers.push({ op: 'cancel', id: timer.id })
    const snapshot: unknown = JSON.parse(JSON.stringify(state))
    const seen = state.seen
    Object.assign(state, emptyCustomerState(state.customerId), { seen, mergedInto: step.userId, partition, version: state.version + 1 })
    work.touched.set(state.customerId, { partition, state })
    work.identity.links.push({ ...claim, at: step.at })
    work.addressChanged.add(state.customerId)
    work.handoffs.push(mergeRecord(claim, step.at, snapshot, timers))
  }

  /** The profile's pending timers: as stored, with this batch's arms and cancels applied. */
  private pendingTimers(state: CustomerState, work: BatchWork): TimerRecord[] {
    const byId = new Map((this.stored.get(state.customerId) ?? []).map((t) => [t.id, t]))
    for (const write of work.timers) {
      if (write.op === 'arm' && write.customerId === state.customerId) byId.set(write.id, { ...write })
      else if (write.op !== 'arm') byId.delete(write.id)
    }
    return [...byId.values()].filter((t) => Object.hasOwn(state.timers, t.id))
  }

  private fold(state: CustomerState, step: MergeRecord, partition: number, work: BatchWork): void {
    if (state.mergedFrom?.includes(step.anonymousId)) {
      work.duplicates++
      return
    }
    work.dirty.add(state.customerId)
    state.partition ??= partition
    foldProfile(state, reviveState(step.state, anonymousCustomerId(step.anonymousId)), step.anonymousId, this.core.retention)
    for (const raw of step.timers) {
      const timer = raw as TimerRecord
      const id = pendingTimerId(state, timer.ruleId, timer.triggerIndex, timer.entity)
      // The known shopper's own wait for the same thing is the one that stands.
      if (Object.hasOwn(state.timers, id)) continue
      state.timers[id] = { ruleId: timer.ruleId, triggerIndex: timer.triggerIndex, entity: timer.entity, dueAt: timer.dueAt }
      const { id: _old, customerId: _anon, partition: _p, op: _op, ...rest } = timer as TimerRecord & { op?: string }
      work.timers.push({ ...rest, op: 'arm', id, customerId: state.customerId, partition })
    }
    work.touched.set(state.customerId, { partition, state })
  }
}
