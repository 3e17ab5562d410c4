// The most urgent task an agent may take, atomically: two agents asking at once get two tasks.
import type { ClaimScope, TaskRecord } from '../store/operational/TaskStore.ts'
import { taskEvent } from './taskEvents.ts'
import { observeClaim, type ClaimDeps } from './workList.ts'

/** `scope.queues` null: any queue; empty: none, so nothing is claimed. */
export async function claimNextTask(deps: ClaimDeps, input: { agent: string; scope: ClaimScope }): Promise<TaskRecord | undefined> {
  if (input.scope.queues !== null && input.scope.queues.length === 0) return undefined
  const now = deps.clock.now()
  const task = await deps.ops.tasks.claimNext(input.agent, now, input.scope)
  if (!task) return undefined
  await deps.history.append({ taskEvents: [taskEvent(task, 'claimed', input.agent, now, { via: 'claim-next' })] })
  observeClaim(deps, task, now)
  return task
}
