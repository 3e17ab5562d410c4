// Handing a task to another agent (claimed by them) or another queue (open).
import type { ChangeResult } from '../store/operational/TaskStore.ts'
import { taskEvent } from './taskEvents.ts'
import type { WorkListDeps } from './workList.ts'

export interface ReassignTaskInput {
  taskId: string
  actor: string
  asSupervisor: boolean
  to: { agent?: string | undefined; queue?: string | undefined }
}

export async function reassignTask(deps: WorkListDeps, input: ReassignTaskInput): Promise<ChangeResult> {
  const now = deps.clock.now()
  const { agent, queue } = input.to
  const result = await deps.ops.tasks.reassign(input.taskId, input.actor, { agent, queue }, now, input.asSupervisor)
  if (!result.ok) return result
  const { before, task } = result
  // One hand-over = released by the old holder (or from the old queue) + claimed by the new one.
  const rows = [taskEvent({ ...task, queue: before.queue }, 'released', input.actor, now, { from: before.claimedBy, fromQueue: before.queue, toQueue: task.queue, toAgent: agent ?? null })]
  if (agent) rows.push(taskEvent(task, 'claimed', agent, now, { assignedBy: input.actor, fromQueue: before.queue }))
  await deps.history.append({ taskEvents: rows })
  return result
}
