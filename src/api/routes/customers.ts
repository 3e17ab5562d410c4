// A shopper's timeline: events, signals, decisions, deliveries and task changes, newest first.
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import type { HistoryStore } from '../../store/history/HistoryStore.ts'
import type { OperationalStore } from '../../store/operational/OperationalStore.ts'
import { explainCustomer } from '../explain.ts'
import { requireRole } from '../plugins/auth.ts'

const CustomerParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) })

export async function customerRoutes(app: FastifyInstance, options: { history: HistoryStore; ops: OperationalStore; clock: { now(): number } }): Promise<void> {
  app.get<{ Params: { id: string }; Querystring: { limit?: number; before?: number } }>(
    '/api/customers/:id/timeline',
    {
      preHandler: requireRole('ops', 'agent'),
      schema: {
        tags: ['customers'],
        params: CustomerParams,
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })), before: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })) }),
      },
    },
    async (request) => {
      const entries = await options.history.timeline(request.params.id, { limit: request.query.limit ?? 200, before: request.query.before })
      return { customerId: request.params.id, entries }
    },
  )

  app.get<{ Params: { id: string }; Querystring: { limit?: number } }>(
    '/api/customers/:id/explain',
    {
      preHandler: requireRole('ops', 'agent'),
      schema: {
        tags: ['customers'],
        summary: 'Why did / didn\'t careloop contact this shopper: each decision and guard outcome',
        params: CustomerParams,
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }),
      },
    },
    async (request) => {
      const customerId = request.params.id
      const [entries, outbox, consent, contacts] = await Promise.all([
        options.history.timeline(customerId, { limit: request.query.limit ?? 1000 }),
        options.ops.outbox.list({ customerId, limit: 1000 }),
        options.ops.consent.list(customerId),
        options.ops.contacts.since(customerId, options.clock.now() - 7 * 86_400_000),
      ])
      const moments = explainCustomer(entries, outbox)
      return { customerId, moments, consent, recentContacts: contacts }
    },
  )
}
