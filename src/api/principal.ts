// Who is calling, as the routes and use cases need it.
import type { FastifyRequest } from 'fastify'

/** The caller as an actor: the API key's name and role. */
export const actorOf = (request: FastifyRequest): { name: string; role: string | null } => ({
  name: request.principal?.name ?? 'unknown',
  role: request.principal?.role ?? null,
})

/** ops and admin supervise: they may release, reassign or snooze any unresolved task. */
export const isSupervisor = (request: FastifyRequest): boolean => ['admin', 'ops', 'approver'].includes(request.principal?.role ?? '')
