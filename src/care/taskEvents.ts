// The history rows of task changes, shared by the work-list use cases: one shape, deterministic ids.
import type { TaskEventRow } from '../store/history/HistoryStore.ts'
import type { TaskRecord } from '../store/operational/TaskStore.ts'

/** A history row for one change of a task; ids are deterministic so a replayed append dedupes. */
export function taskEvent(
  task: Pick<TaskRecord, 'id' | 'customerId' | 'queue' | 'outcome'>,
  kind: TaskEventRow['kind'],
  actor: string,
  ts: number,
  details: Record<string, unknown> = {},
  id?: string,
): TaskEventRow {
  return { id: id ?? `${task.id}:${kind}:${ts}`, task_id: task.id, customer_id: task.customerId, queue: task.queue, kind, actor, outcome: task.outcome ?? '', ts, details: JSON.stringify(details) }
}
