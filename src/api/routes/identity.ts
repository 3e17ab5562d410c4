// The identity map as ops see it: refused claims to review by hand (docs/identity.md, "Conflicts")
// and which anonymous ids a known shopper was merged from.
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { mergedIdsOf } from '../../care/linkedIds.ts'
import type { ApiDeps } from '../context.ts'
import { requireRole } from '../plugins/auth.ts'

const tags = ['identity']

export async function identityRoutes(app: FastifyInstance, deps: ApiDeps<'ops'>): Promise<void> {
  app.get<{ Querystring: { limit?: number } }>(
    '/api/identity/conflicts',
    {
      preHandler: requireRole('ops'),
      schema: {
        tags,
        summary: 'Claims on an anonymous id that already belonged to another known shopper: kept apart, not applied',
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }),
      },
    },
    async (request) => ({ conflicts: await deps.ops.identity.conflicts(request.query.limit ?? 100) }),
  )

  app.get<{ Params: { id: string } }>(
    '/api/customers/:id/identity',
    {
      preHandler: requireRole('ops', 'agent'),
      schema: { tags, summary: 'The anonymous ids merged into this shopper, and the known id an anonymous one became', params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) }) },
    },
    async (request) => {
      const { id } = request.params
      const anonymousId = id.startsWith('anon:') ? id.slice('anon:'.length) : undefined
      const mergedInto = anonymousId === undefined ? null : ((await deps.ops.identity.knownIdOf(anonymousId)) ?? null)
      return { customerId: id, mergedIds: await mergedIdsOf(deps.ops, id), mergedInto }
    },
  )
}
