// A note on a task, kept with the shopper for later hand-offs, and a history row for the timeline.
import { stableHash } from '../lib/hash.ts'
import type { OperationalStore } from '../store/operational/OperationalStore.ts'
import type { TaskNote } from '../store/operational/TaskNoteStore.ts'
import { taskEvent } from './taskEvents.ts'
import type { WorkListDeps } from './workList.ts'

export interface AddTaskNoteDeps extends WorkListDeps {
  ops: Pick<OperationalStore, 'tasks' | 'notes'>
}

export type AddTaskNoteResult = { ok: true; note: TaskNote } | { ok: false; reason: 'not_found' | 'blank' }

export async function addTaskNote(deps: AddTaskNoteDeps, input: { taskId: string; author: string; body: string }): Promise<AddTaskNoteResult> {
  const task = await deps.ops.tasks.get(input.taskId)
  if (!task) return { ok: false, reason: 'not_found' }
  const now = deps.clock.now()
  const body = input.body.trim()
  if (!body) return { ok: false, reason: 'blank' }
  const note = { id: `${task.id}:note:${now}:${stableHash(`${input.author}\n${body}`, 12)}`, taskId: task.id, customerId: task.customerId, author: input.author, body, createdAt: now }
  await deps.ops.notes.add(note)
  await deps.history.append({ taskEvents: [taskEvent(task, 'note', input.author, now, { noteId: note.id, body }, note.id)] })
  return { ok: true, note }
}
