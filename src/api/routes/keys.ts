// Managed API keys (admin only): create (the secret is in this one answer), list, rotate, revoke.
// Each change is audited by the store in the same transaction.
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { createKey } from '../../care/keys/createKey.ts'
import { listKeys } from '../../care/keys/listKeys.ts'
import { revokeKey } from '../../care/keys/revokeKey.ts'
import { rotateKey } from '../../care/keys/rotateKey.ts'
import { KEY_NAME_MAX, KEY_ROLES, type KeyRole } from '../../model/apiKey.ts'
import type { ApiDeps } from '../context.ts'
import { HttpError } from '../errors.ts'
import { requireRole } from '../plugins/auth.ts'
import { actorOf } from '../principal.ts'

const CreateBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: KEY_NAME_MAX }),
    role: Type.Union(KEY_ROLES.map((r) => Type.Literal(r))),
    source: Type.Optional(Type.String({ minLength: 1, maxLength: KEY_NAME_MAX, description: 'ingest keys only: the source that sends with it (one live key per source)' })),
  },
  { additionalProperties: false },
)
type CreateBody = { name: string; role: KeyRole; source?: string }
const KeyParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) })
const ListQuery = Type.Object({ revoked: Type.Optional(Type.Boolean({ description: 'include revoked keys' })) })

const notFound = (id: string) => new HttpError(404, 'not_found', `no live API key ${JSON.stringify(id)}`)

export async function keyRoutes(app: FastifyInstance, deps: ApiDeps<'ops' | 'clock'>): Promise<void> {
  const admin = requireRole()
  const config = { audited: true }

  app.post<{ Body: CreateBody }>(
    '/api/keys',
    { preHandler: admin, config, schema: { tags: ['keys'], summary: 'Create an API key; the answer holds the key, shown this once', body: CreateBody } },
    async (request, reply) => {
      const result = await createKey(deps, { ...request.body, actor: actorOf(request) })
      if (!result.ok && result.reason === 'invalid') throw new HttpError(400, 'invalid_request', result.errors.map((e) => `${e.path} ${e.message}`).join('; '), result.errors)
      if (!result.ok) throw new HttpError(409, 'source_taken', 'this source has a live ingest key: rotate or revoke it', [{ path: '/source', message: 'has a live ingest key' }])
      return reply.status(201).send({ ...result.key, key: result.secret })
    },
  )

  app.get<{ Querystring: { revoked?: boolean } }>(
    '/api/keys',
    { preHandler: admin, schema: { tags: ['keys'], summary: 'The managed API keys (never the keys themselves)', querystring: ListQuery } },
    async (request) => ({ keys: await listKeys(deps, { includeRevoked: request.query.revoked ?? false }) }),
  )

  app.post<{ Params: { id: string } }>(
    '/api/keys/:id/rotate',
    { preHandler: admin, config, schema: { tags: ['keys'], summary: 'Give a key a new secret (shown this once); the old one stops working at once', params: KeyParams } },
    async (request) => {
      const result = await rotateKey(deps, { id: request.params.id, actor: actorOf(request) })
      if (!result.ok) throw notFound(request.params.id)
      return { ...result.key, key: result.secret, replaced: result.replaced }
    },
  )

  app.delete<{ Params: { id: string } }>(
    '/api/keys/:id',
    { preHandler: admin, config, schema: { tags: ['keys'], summary: 'Revoke a key: every engine process refuses it from the next request on', params: KeyParams } },
    async (request) => {
      const result = await revokeKey(deps, { id: request.params.id, actor: actorOf(request) })
      if (!result.ok) throw notFound(request.params.id)
      return result.key
    },
  )
}
