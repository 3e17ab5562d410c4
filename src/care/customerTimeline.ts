// A shopper's timeline, including what they did while anonymous: the anonymous ids merged into
// them are read through the identity map (history rows keep the id they were written under).
import type { HistoryStore, TimelineEntry } from '../store/history/HistoryStore.ts'
import type { OperationalStore } from '../store/operational/OperationalStore.ts'
import { mergedIdsOf } from './linkedIds.ts'

export interface TimelineDeps {
  history: Pick<HistoryStore, 'timeline'>
  ops: Pick<OperationalStore, 'identity'>
}

export async function customerTimeline(deps: TimelineDeps, input: { customerId: string; limit: number; before?: number }): Promise<{ customerId: string; mergedIds: string[]; entries: TimelineEntry[] }> {
  const merged = await mergedIdsOf(deps.ops, input.customerId)
  const options = { limit: input.limit, ...(input.before === undefined ? {} : { before: input.before }) }
  const lists = await Promise.all([input.customerId, ...merged].map((id) => deps.history.timeline(id, options)))
  const entries = lists
    .flat()
    .sort((a, b) => b.ts - a.ts || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    .slice(0, input.limit)
  return { customerId: input.customerId, mergedIds: merged, entries }
}
