// A shopper's timeline: events, signals, decisions, deliveries and task changes, newest first.
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { customerTimeline } from '../../care/customerTimeline.ts'
import { explainDecisions } from '../../care/explainDecision.ts'
import { findShoppers } from '../../care/findShoppers.ts'
import { shopperJourney } from '../../care/shopperJourney.ts'
import type { ApiDeps } from '../context.ts'
import { requireRole } from '../plugins/auth.ts'

const CustomerParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) })

export async function customerRoutes(app: FastifyInstance, deps: ApiDeps<'history' | 'ops' | 'clock' | 'loadCustomer'>): Promise<void> {
  app.get<{ Params: { id: string }; Querystring: { limit?: number; before?: number } }>(
    '/api/customers/:id/timeline',
    {
      preHandler: requireRole('ops', 'agent'),
      config: { auditedRead: { action: 'customer.read.timeline', entityType: 'customer', param: 'id' } },
      schema: {
        tags: ['customers'],
        params: CustomerParams,
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })), before: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })) }),
      },
    },
    async (request) => customerTimeline(deps, { customerId: request.params.id, limit: request.query.limit ?? 200, ...(request.query.before === undefined ? {} : { before: request.query.before }) }),
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
    async (request) => explainDecisions(deps, { customerId: request.params.id, limit: request.query.limit ?? 1000 }),
  )

  app.get<{ Params: { id: string } }>(
    '/api/customers/:id/journey',
    {
      preHandler: requireRole('ops', 'agent'),
      config: { auditedRead: { action: 'customer.read.journey', entityType: 'customer', param: 'id' } },
      schema: {
        tags: ['customers'],
        summary: "A shopper's profile, open orders, messages with their delivery trail, tasks, consent, and each live rule's why / why not",
        params: CustomerParams,
      },
    },
    async (request) => shopperJourney(deps, { customerId: request.params.id }),
  )

  app.get<{ Querystring: { q: string } }>(
    '/api/customers',
    {
      preHandler: requireRole('ops', 'agent'),
      schema: {
        tags: ['customers'],
        summary: 'Find shoppers by exact customer id or by email address',
        querystring: Type.Object({ q: Type.String({ minLength: 1, maxLength: 320 }) }),
      },
    },
    async (request) => findShoppers(deps, { query: request.query.q }),
  )
}
