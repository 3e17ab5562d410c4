// Server-derived dwells (src/stream/state/dwell.ts) become moments like any product view: a
// `Product Viewed` carrying the derived `dwell_ms`, triggered by the view's own derived id. A view
// settled by its next event waits the allowed lateness on a durable timer, as an absence does,
// and is measured again when it fires: an event that arrives late and ends the view sooner, or the
// script's own measurement arriving after the next page's event, still counts.
import type { CustomerState } from '../../model/customer.ts'
import type { ShopEvent } from '../../model/event.ts'
import { edgePart } from '../../model/idParts.ts'
import type { TimerRecord } from '../../store/operational/EngineStore.ts'
import { dwellOfView, dwellsSettledBy } from '../state/dwell.ts'
import type { BatchWork } from './BatchWork.ts'
import type { EngineCore } from './EngineCore.ts'

/** The rule id of dwell timers: not a valid rule id, so never a rule's. */
export const DWELL_TIMER_RULE = ':dwell'

/**
 * `:dwell:customer:view`, the view's id escaped (src/model/idParts.ts). A wait armed before ids
 * were escaped keeps its raw id, so arming it again moves it instead of adding a second.
 */
export function dwellTimerIdOf(state: CustomerState, viewMessageId: string): string {
  const id = `${DWELL_TIMER_RULE}:${state.customerId}:${edgePart(viewMessageId)}`
  const raw = `${DWELL_TIMER_RULE}:${state.customerId}:${viewMessageId}`
  return id !== raw && Object.hasOwn(state.timers, raw) ? raw : id
}

/** Arms (or re-arms) a timer for each view the just-applied event settles, due `settleMs` after its end. */
export function armDerivedDwells(core: EngineCore, state: CustomerState, event: ShopEvent, partition: number, settleMs: number, work: BatchWork): void {
  for (const dwell of dwellsSettledBy(state, event)) {
    const id = dwellTimerIdOf(state, dwell.view.messageId)
    const dueAt = Math.max(dwell.endedAt, core.opts.clock.now()) + settleMs
    const timer = { ruleId: DWELL_TIMER_RULE, triggerIndex: 0, entity: dwell.view.messageId, dueAt }
    state.timers[id] = timer
    work.timers.push({ op: 'arm', id, customerId: state.customerId, partition, ...timer, momentAt: dwell.endedAt, armedBy: event })
  }
}

/** Decides on the view of a due dwell timer with its dwell as measured now. */
export function fireDerivedDwell(core: EngineCore, timer: TimerRecord, state: CustomerState, work: BatchWork): void {
  const dwell = dwellOfView(state, timer.entity)
  if (dwell === undefined) return
  const view: ShopEvent = {
    type: 'track',
    messageId: dwell.messageId,
    customerId: state.customerId,
    name: dwell.view.name,
    ts: dwell.view.ts,
    properties: { ...dwell.view.properties, dwell_ms: dwell.dwellMs, dwell_source: 'derived' },
    context: {},
  }
  const ctx = core.evalContext(view, state, dwell.endedAt)
  for (const match of core.ruleSet.matchEvent(ctx)) {
    core.decideAndEmit({ rule: match.rule, customerId: state.customerId, trigger: { kind: 'event', id: view.messageId }, entity: match.entity, at: dwell.endedAt }, ctx, work)
  }
}
