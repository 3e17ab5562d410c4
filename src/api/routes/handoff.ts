// GET /api/tasks/:id/context: everything the agent needs before contacting the shopper.
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { createOpenerRenderer } from '../../channels/templates/index.ts'
import type { Clock } from '../../lib/clock.ts'
import type { HistoryStore } from '../../store/history/HistoryStore.ts'
import type { OperationalStore } from '../../store/operational/OperationalStore.ts'
import { HttpError } from '../errors.ts'
import { buildHandoff } from '../handoff.ts'
import { requireRole } from '../plugins/auth.ts'

export interface HandoffRouteOptions {
  ops: OperationalStore
  history: HistoryStore
  clock: Clock
  shop: { name: string; url: string }
}

export async function handoffRoutes(app: FastifyInstance, options: HandoffRouteOptions): Promise<void> {
  const openers = createOpenerRenderer()
  app.get<{ Params: { id: string } }>(
    '/api/tasks/:id/context',
    {
      preHandler: requireRole('ops', 'agent'),
      schema: {
        tags: ['tasks'],
        summary: "The hand-off: trigger, the shopper's timeline, earlier nudges and tasks, notes and a suggested opening line",
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) }),
      },
    },
    async (request) => {
      const task = await options.ops.tasks.get(request.params.id)
      if (!task) throw new HttpError(404, 'not_found', `no task ${request.params.id}`)
      const agent = { name: request.principal?.name ?? '' }
      return buildHandoff(task, { ops: options.ops, history: options.history, openers, shop: options.shop }, agent, options.clock.now())
    },
  )
}
