// Ops work agents' feedback as an inbox: an item is marked handled (who, when) or reopened.
import type { Clock } from '../../lib/clock.ts'
import type { FeedbackRecord } from '../../store/operational/FeedbackStore.ts'
import type { OperationalStore } from '../../store/operational/OperationalStore.ts'

export interface MarkFeedbackDeps {
  ops: Pick<OperationalStore, 'feedback'>
  clock: Clock
}

export type MarkFeedbackResult = { ok: true; item: FeedbackRecord } | { ok: false; reason: 'not_found' }

export async function markFeedback(deps: MarkFeedbackDeps, input: { id: string; handled: boolean; actor: string }): Promise<MarkFeedbackResult> {
  const item = await deps.ops.feedback.setHandled(input.id, input.handled, input.actor, deps.clock.now())
  return item ? { ok: true, item } : { ok: false, reason: 'not_found' }
}
