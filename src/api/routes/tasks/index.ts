// The agents' work list: list, claim and claim-next, release, reassign, snooze, notes, contacts,
// resolve with outcomes, feedback for ops. Registered by server.ts as `taskRoutes`.
import type { FastifyInstance } from 'fastify'
import { actionRoutes } from './actions.ts'
import { listRoutes } from './list.ts'
import { resolveRoutes } from './resolve.ts'
import type { TaskRouteDeps } from './shared.ts'

export async function taskRoutes(app: FastifyInstance, deps: TaskRouteDeps): Promise<void> {
  await listRoutes(app, deps)
  await actionRoutes(app, deps)
  await resolveRoutes(app, deps)
}
