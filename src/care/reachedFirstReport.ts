// The "reached first" report for a window: the history store matches each inbound contact with the
// first proactive message about its entity; the rules' tags (their kind of signal) come from the
// rule store, because history keeps rule ids only.
import { reachedFirstReport, type ReachedFirstReport } from '../analytics/reachedFirst.ts'
import type { HistoryStore, ReachedFirstOptions } from '../store/history/HistoryStore.ts'
import type { OperationalStore } from '../store/operational/OperationalStore.ts'

export interface ReachedFirstDeps {
  history: Pick<HistoryStore, 'reachedFirstRows'>
  ops: { rules: Pick<OperationalStore['rules'], 'list'> }
}

export type ReachedFirstInput = ReachedFirstOptions & { from: number; to: number }

/** A stored document's tags, read defensively (documents are not validated on read). */
function tagsOf(document: unknown): string[] {
  const tags = typeof document === 'object' && document !== null ? (document as { tags?: unknown }).tags : undefined
  return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string') : []
}

export async function reachedFirst(deps: ReachedFirstDeps, input: ReachedFirstInput): Promise<ReachedFirstReport & ReachedFirstOptions> {
  const { from, to, ...options } = input
  const [rows, rules] = await Promise.all([deps.history.reachedFirstRows(from, to, options), deps.ops.rules.list()])
  const tags = new Map(rules.map((r) => [r.id, tagsOf(r.document)]))
  return { ...reachedFirstReport({ from, to }, rows, tags), ...options }
}
