// An erasure request's progress: the operational store and mail folder finish inside the request;
// the history store's deletion mutations are read from the store each time until they are done.
import type { Clock } from '../lib/clock.ts'
import type { HistoryStore } from '../store/history/HistoryStore.ts'
import type { ErasureRecord } from '../store/operational/ErasureStore.ts'
import type { OperationalStore } from '../store/operational/OperationalStore.ts'

export interface ErasureStatusDeps {
  ops: Pick<OperationalStore, 'erasures'>
  history: Pick<HistoryStore, 'pendingErasures'>
  clock: Clock
}

/** The request, with the history store's completion read now; undefined when unknown. */
export async function erasureStatus(deps: ErasureStatusDeps, id: string): Promise<ErasureRecord | undefined> {
  const record = await deps.ops.erasures.getRequest(id)
  if (!record || record.completedAt !== null) return record
  const pending = await deps.history.pendingErasures()
  if (pending > 0) return { ...record, stores: { ...record.stores, history: { done: false, detail: `${pending} deletion mutation(s) still running` } } }
  const stores = { ...record.stores, history: { done: true, detail: 'deletion mutations done' } }
  const completedAt = deps.clock.now()
  await deps.ops.erasures.updateRequest(id, stores, completedAt)
  return { ...record, stores, completedAt }
}
