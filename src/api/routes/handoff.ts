// GET /api/tasks/:id/context: everything the agent needs before contacting the shopper.
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { buildHandoff } from '../../care/buildHandoff.ts'
import { createOpenerRenderer } from '../../channels/templates/index.ts'
import type { ApiDeps } from '../context.ts'
import { HttpError } from '../errors.ts'
import { requireRole } from '../plugins/auth.ts'

export async function handoffRoutes(app: FastifyInstance, deps: ApiDeps<'ops' | 'history' | 'clock' | 'shop'>): Promise<void> {
  const handoff = { ...deps, openers: createOpenerRenderer() }
  app.get<{ Params: { id: string } }>(
    '/api/tasks/:id/context',
    {
      preHandler: requireRole('ops', 'agent'),
      config: { auditedRead: { action: 'task.read.handoff', entityType: 'task', param: 'id' } },
      schema: {
        tags: ['tasks'],
        summary: "The hand-off: trigger, the shopper's timeline, earlier nudges and tasks, notes and a suggested opening line",
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) }),
      },
    },
    async (request) => {
      const result = await buildHandoff(handoff, { taskId: request.params.id, agent: { name: request.principal?.name ?? '' } })
      if (!result) throw new HttpError(404, 'not_found', `no task ${request.params.id}`)
      return result
    },
  )
}
