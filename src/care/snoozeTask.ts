// Hiding a task its holder keeps until a later time; it comes back to the work list by itself.
import type { ChangeResult } from '../store/operational/TaskStore.ts'
import { taskEvent } from './taskEvents.ts'
import type { WorkListDeps } from './workList.ts'

export type SnoozeTaskResult = ChangeResult | { ok: false; reason: 'not_in_future'; now: number }

export async function snoozeTask(deps: WorkListDeps, input: { taskId: string; actor: string; asSupervisor: boolean; until: number }): Promise<SnoozeTaskResult> {
  const now = deps.clock.now()
  if (input.until <= now) return { ok: false, reason: 'not_in_future', now }
  const result = await deps.ops.tasks.snooze(input.taskId, input.actor, input.until, now, input.asSupervisor)
  if (!result.ok) return result
  await deps.history.append({ taskEvents: [taskEvent(result.task, 'note', input.actor, now, { snoozedUntil: input.until }, `${result.task.id}:snoozed:${now}`)] })
  return result
}
