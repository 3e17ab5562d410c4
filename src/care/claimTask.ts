// Taking one task from the work list: a conditional UPDATE, so exactly one agent wins.
import type { ClaimResult } from '../store/operational/TaskStore.ts'
import { taskEvent } from './taskEvents.ts'
import { observeClaim, type ClaimDeps } from './workList.ts'

export async function claimTask(deps: ClaimDeps, input: { taskId: string; agent: string }): Promise<ClaimResult> {
  const now = deps.clock.now()
  const result = await deps.ops.tasks.claim(input.taskId, input.agent, now)
  if (!result.ok) return result
  await deps.history.append({ taskEvents: [taskEvent(result.task, 'claimed', input.agent, now)] })
  observeClaim(deps, result.task, now)
  return result
}
