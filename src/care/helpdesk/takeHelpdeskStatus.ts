// A ticket resolved in the helpdesk resolves its task here, with the outcome the agent gave there
// (resolved when none), through the same resolve as the console's, by "helpdesk:<endpoint>".
import type { OperationalStore } from '../../store/operational/OperationalStore.ts'
import { resolveTask, type ResolveTaskDeps } from '../resolveTask.ts'
import type { HelpdeskStatus } from './inbound.ts'
import { helpdeskActor } from './mirrorTask.ts'

export interface TakeHelpdeskStatusDeps extends ResolveTaskDeps {
  ops: ResolveTaskDeps['ops'] & Pick<OperationalStore, 'webhooks'>
}

export type HelpdeskStatusResult = { taskId: string; resolved: true } | { ignored: string }

export async function takeHelpdeskStatus(deps: TakeHelpdeskStatusDeps, endpoint: { id: string; kind: string }, status: HelpdeskStatus): Promise<HelpdeskStatusResult> {
  if (!status.resolved) return { ignored: 'not a resolution' }
  const link = await deps.ops.webhooks.linkByExternalId(endpoint.id, status.externalId)
  if (!link) return { ignored: `no careloop task for ${endpoint.kind} ${status.externalId}` }
  const note = `Resolved in ${endpoint.kind}${status.who ? ` by ${status.who}` : ''} (${endpoint.kind === 'chatwoot' ? 'conversation' : 'ticket'} ${status.externalId})`
  const result = await resolveTask(deps, { taskId: link.taskId, agent: helpdeskActor(endpoint.id), asAdmin: true, outcome: status.outcome, note })
  if (result.ok) return { taskId: link.taskId, resolved: true }
  return { ignored: result.reason === 'already_resolved' ? 'already resolved' : result.reason }
}
