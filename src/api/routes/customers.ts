// A shopper's timeline: events, signals, decisions, deliveries and task changes, newest first.
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import type { HistoryStore } from '../../store/history/HistoryStore.ts'
import { requireRole } from '../plugins/auth.ts'

export async function customerRoutes(app: FastifyInstance, options: { history: HistoryStore }): Promise<void> {
  app.get<{ Params: { id: string }; Querystring: { limit?: number; before?: number } }>(
    '/api/customers/:id/timeline',
    {
      preHandler: requireRole('ops', 'agent'),
      schema: {
        tags: ['customers'],
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) }),
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })), before: Type.Optional(Type.Integer({ minimum: 0 })) }),
      },
    },
    async (request) => {
      const entries = await options.history.timeline(request.params.id, { limit: request.query.limit ?? 200, before: request.query.before })
      return { customerId: request.params.id, entries }
    },
  )
}
