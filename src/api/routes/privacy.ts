// Privacy requests (docs/privacy.md): export a shopper's data, erase it, follow the erasure to
// completion, and list or lift the suppressions erasure leaves. Admin only.
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { eraseCustomer } from '../../care/eraseCustomer.ts'
import { erasureStatus } from '../../care/erasureStatus.ts'
import { exportCustomer } from '../../care/exportCustomer.ts'
import { liftSuppression } from '../../care/liftSuppression.ts'
import type { ApiDeps } from '../context.ts'
import { HttpError } from '../errors.ts'
import { requireRole } from '../plugins/auth.ts'
import { actorOf } from '../principal.ts'

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) })
type IdParams = { id: string }
const admin = requireRole('admin')
const audited = { audited: true }

export async function privacyRoutes(app: FastifyInstance, deps: ApiDeps<'ops' | 'history' | 'clock' | 'privacy'>): Promise<void> {
  const eraseDeps = { ops: deps.ops, history: deps.history, clock: deps.clock, mailPickupDir: deps.privacy.mailPickupDir, onErased: deps.privacy.onErased }

  app.get<{ Params: IdParams }>(
    '/api/customers/:id/export',
    { preHandler: admin, schema: { tags: ['privacy'], summary: "Everything careloop holds about a shopper (and the anonymous ids merged into them), as one document; audited", params: IdParams } },
    async (request) => exportCustomer(deps, { customerId: request.params.id, actor: actorOf(request) }),
  )

  app.delete<{ Params: IdParams }>(
    '/api/customers/:id',
    { preHandler: admin, config: audited, schema: { tags: ['privacy'], summary: 'Erase a shopper from every store and suppress their ids; 202 with the erasure to follow', params: IdParams } },
    async (request, reply) => {
      const erasure = await eraseCustomer(eraseDeps, { customerId: request.params.id, actor: actorOf(request) })
      const statusUrl = `/api/erasures/${erasure.id}`
      return reply.code(erasure.completedAt === null ? 202 : 200).header('location', statusUrl).send({ ...erasure, statusUrl })
    },
  )

  app.get<{ Params: IdParams }>(
    '/api/erasures/:id',
    { preHandler: admin, schema: { tags: ['privacy'], summary: 'An erasure request: per store, done or still running; completedAt once every store is done', params: IdParams } },
    async (request) => {
      const erasure = await erasureStatus(eraseDeps, request.params.id)
      if (!erasure) throw new HttpError(404, 'not_found', 'no such erasure')
      return erasure
    },
  )

  app.get(
    '/api/suppressions',
    { preHandler: admin, schema: { tags: ['privacy'], summary: 'Suppressed (erased) ids, as pseudonymous references: their events are dropped' } },
    async () => ({ suppressions: await deps.ops.suppressions.list() }),
  )

  app.delete<{ Params: IdParams }>(
    '/api/suppressions/:id',
    { preHandler: admin, config: audited, schema: { tags: ['privacy'], summary: "Lift a suppression (by the shopper's id or its erased: reference): their events apply again; audited", params: IdParams } },
    async (request, reply) => {
      const result = await liftSuppression(deps, { idOrReference: request.params.id, actor: actorOf(request) })
      if (!result.lifted) throw new HttpError(404, 'not_found', 'no such suppression')
      return reply.code(204).send()
    },
  )
}
