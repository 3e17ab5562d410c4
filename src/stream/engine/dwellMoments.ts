// Decides on server-derived dwells (src/stream/state/dwell.ts) as the rules see any product view:
// a `Product Viewed` carrying the derived `dwell_ms`, as the moment of the view's own derived id,
// so a redelivered or re-settled view decides nothing twice.
import type { CustomerState } from '../../model/customer.ts'
import type { ShopEvent } from '../../model/event.ts'
import { dwellsSettledBy } from '../state/dwell.ts'
import type { BatchWork } from './BatchWork.ts'
import type { EngineCore } from './EngineCore.ts'

export function decideDerivedDwells(core: EngineCore, state: CustomerState, event: ShopEvent, work: BatchWork): void {
  for (const dwell of dwellsSettledBy(state, event)) {
    const view: ShopEvent = {
      type: 'track',
      messageId: dwell.messageId,
      customerId: state.customerId,
      name: dwell.view.name,
      ts: dwell.view.ts,
      properties: { ...dwell.view.properties, dwell_ms: dwell.dwellMs, dwell_source: 'derived' },
      context: event.context,
    }
    const ctx = core.evalContext(view, state, dwell.endedAt)
    for (const match of core.ruleSet.matchEvent(ctx)) {
      core.decideAndEmit({ rule: match.rule, customerId: state.customerId, trigger: { kind: 'event', id: view.messageId }, entity: match.entity, at: dwell.endedAt }, ctx, work)
    }
  }
}
