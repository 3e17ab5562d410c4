// What the work-list routes share: their part of the API context, path parameters and error mapping.
import type { FastifyRequest } from 'fastify'
import Type from 'typebox'
import type { Agent } from '../../../store/operational/QueueStore.ts'
import type { ChangeResult } from '../../../store/operational/TaskStore.ts'
import type { ApiDeps } from '../../context.ts'
import { HttpError } from '../../errors.ts'
import { actorOf } from '../../principal.ts'

export type TaskRouteDeps = ApiDeps<'ops' | 'history' | 'clock' | 'links' | 'shop'> & Partial<ApiDeps<'metrics'>>

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) })

/** The agent record of an agent caller; none for ops/admin or agents without a record (they see all queues). */
export async function agentRecord(deps: ApiDeps<'ops'>, request: FastifyRequest): Promise<Agent | undefined> {
  if (request.principal?.role !== 'agent') return undefined
  return deps.ops.queues.agent(actorOf(request).name)
}

export const notFound = (id: string): HttpError => new HttpError(404, 'not_found', `no task ${id}`)

export function invalid(path: string, message: string): HttpError {
  return new HttpError(400, 'invalid_request', `invalid body: ${path} ${message}`, [{ path, message }])
}

/** Maps a refused release / reassign / snooze to its HTTP error. */
export function changeError(id: string, result: Extract<ChangeResult, { ok: false }>, verb: string): HttpError {
  const task = result.task
  switch (result.reason) {
    case 'not_found':
      return notFound(id)
    case 'resolved':
      return new HttpError(409, 'conflict', `task is already resolved; it cannot be ${verb}`)
    case 'not_claimed':
      return new HttpError(409, 'conflict', `task is ${task?.status ?? 'not claimed'}; only a claimed task can be ${verb} by its holder`)
    case 'not_yours':
      return new HttpError(403, 'forbidden', `task is claimed by ${task?.claimedBy ?? 'someone else'}; only its holder or a supervisor (ops, admin) may have it ${verb}`)
  }
}
