// Giving a claimed task back to its queue: by its holder, or by a supervisor.
import type { ChangeResult } from '../store/operational/TaskStore.ts'
import { taskEvent } from './taskEvents.ts'
import type { WorkListDeps } from './workList.ts'

export async function releaseTask(deps: WorkListDeps, input: { taskId: string; actor: string; asSupervisor: boolean }): Promise<ChangeResult> {
  const now = deps.clock.now()
  const result = await deps.ops.tasks.release(input.taskId, input.actor, now, input.asSupervisor)
  if (!result.ok) return result
  await deps.history.append({ taskEvents: [taskEvent(result.task, 'released', input.actor, now, { from: result.before.claimedBy })] })
  return result
}
