// Task webhook endpoints and helpdesk bridges (admin): create or replace, list, delete, their
// deliveries, redeliver a dead one. Each change is audited by the store (docs/webhooks.md).
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { deleteWebhookEndpoint, endpointDeliveries, listWebhookEndpoints, putWebhookEndpoint, redeliverWebhook, type EndpointInput } from '../../care/webhooks/configureEndpoint.ts'
import { ENDPOINT_ID_PATTERN, ENDPOINT_KINDS, TASK_WEBHOOK_EVENTS } from '../../model/taskWebhooks.ts'
import type { ApiDeps } from '../context.ts'
import { HttpError } from '../errors.ts'
import { requireRole } from '../plugins/auth.ts'
import { actorOf } from '../principal.ts'

const EndpointParams = Type.Object({ id: Type.String({ pattern: ENDPOINT_ID_PATTERN }) })
const DeliveryParams = Type.Object({ id: Type.String({ pattern: ENDPOINT_ID_PATTERN }), webhookId: Type.String({ pattern: '^msg_[0-9a-f]{32}$' }) })
const EndpointBody = Type.Object(
  {
    kind: Type.Optional(Type.Union(ENDPOINT_KINDS.map((k) => Type.Literal(k)), { description: 'standard (default), chatwoot or zendesk' })),
    url: Type.String({ minLength: 1, maxLength: 2000, description: 'the receiver; for helpdesks their base URL' }),
    secret: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'standard: whsec_<base64> (generated when absent); helpdesks: the API token' })),
    events: Type.Optional(Type.Array(Type.Union(TASK_WEBHOOK_EVENTS.map((e) => Type.Literal(e))), { minItems: 1, maxItems: TASK_WEBHOOK_EVENTS.length * 2 })),
    enabled: Type.Optional(Type.Boolean()),
    settings: Type.Optional(Type.Record(Type.String({ maxLength: 100 }), Type.Union([Type.Integer(), Type.String({ maxLength: 500 })]), { maxProperties: 20 })),
  },
  { additionalProperties: false },
)
type EndpointBodyT = Omit<EndpointInput, 'id' | 'kind' | 'events' | 'enabled'> & Partial<Pick<EndpointInput, 'kind' | 'events' | 'enabled'>>
const DeliveriesQuery = Type.Object({
  status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('dead')])),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
})

const notFound = (id: string) => new HttpError(404, 'not_found', `no webhook endpoint ${JSON.stringify(id)}`)

export async function webhookRoutes(app: FastifyInstance, deps: ApiDeps<'ops' | 'clock'>): Promise<void> {
  const admin = requireRole()
  const config = { audited: true }

  app.get('/api/webhooks', { preHandler: admin, schema: { tags: ['webhooks'], summary: 'Task webhook endpoints and helpdesk bridges (never their secrets)' } }, async () => ({
    endpoints: await listWebhookEndpoints(deps),
  }))

  app.put<{ Params: { id: string }; Body: EndpointBodyT }>(
    '/api/webhooks/:id',
    { preHandler: admin, config, schema: { tags: ['webhooks'], summary: 'Create or replace an endpoint; a generated secret is in this one answer', params: EndpointParams, body: EndpointBody } },
    async (request, reply) => {
      const body = request.body
      const result = await putWebhookEndpoint(
        deps,
        { ...body, id: request.params.id, kind: body.kind ?? 'standard', events: body.events ?? [...TASK_WEBHOOK_EVENTS], enabled: body.enabled ?? true },
        actorOf(request),
      )
      if (!result.ok) throw new HttpError(400, 'invalid_request', result.problems.map((p) => `${p.path} ${p.message}`).join('; '), result.problems)
      return reply.status(result.created ? 201 : 200).send({ ...result.endpoint, ...(result.secret ? { secret: result.secret } : {}) })
    },
  )

  app.delete<{ Params: { id: string } }>('/api/webhooks/:id', { preHandler: admin, config, schema: { tags: ['webhooks'], summary: 'Delete an endpoint and its deliveries', params: EndpointParams } }, async (request, reply) => {
    if (!(await deleteWebhookEndpoint(deps, request.params.id, actorOf(request)))) throw notFound(request.params.id)
    return reply.status(204).send()
  })

  app.get<{ Params: { id: string }; Querystring: { status?: 'pending' | 'delivered' | 'dead'; limit?: number } }>(
    '/api/webhooks/:id/deliveries',
    { preHandler: admin, schema: { tags: ['webhooks'], summary: "An endpoint's deliveries, newest first, with attempts and the last error", params: EndpointParams, querystring: DeliveriesQuery } },
    async (request) => {
      const deliveries = await endpointDeliveries(deps, request.params.id, request.query)
      if (!deliveries) throw notFound(request.params.id)
      return { deliveries }
    },
  )

  app.post<{ Params: { id: string; webhookId: string } }>(
    '/api/webhooks/:id/deliveries/:webhookId/redeliver',
    { preHandler: admin, schema: { tags: ['webhooks'], summary: 'Send a dead delivery again (same webhook-id)', params: DeliveryParams } },
    async (request, reply) => {
      if (!(await redeliverWebhook(deps, request.params.id, request.params.webhookId))) throw new HttpError(404, 'not_found', 'no dead delivery with this id at this endpoint')
      return reply.status(202).send({ redelivering: request.params.webhookId })
    },
  )
}
