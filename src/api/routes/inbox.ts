// The shopper-facing in-app inbox, called from the shop's site or app in the browser. Shoppers are
// authenticated by a shopper token (src/lib/shopperToken.ts), never by an API key: these routes
// live outside /api, which the auth plugin guards, and use no requireRole. Operators mint tokens
// through POST /api/shopper-tokens (shops usually mint their own with the shared secret).
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify'
import Type from 'typebox'
import type { Clock } from '../../lib/clock.ts'
import { mintShopperToken, readShopperToken } from '../../lib/shopperToken.ts'
import { markInboxMessage, shopperInbox } from '../../care/shopperInbox.ts'
import type { InboxMessage } from '../../store/operational/InboxStore.ts'
import type { ApiDeps } from '../context.ts'
import { HttpError } from '../errors.ts'
import { requireRole } from '../plugins/auth.ts'

// ---- shared by the shopper-facing routes (inbox, preferences) ----

/** Any site may call: the shopper token, not the origin, says who is asking (no cookies involved). */
export const corsHeaders: onRequestHookHandler = async (_request, reply) => {
  reply.header('access-control-allow-origin', '*')
}

/** Answers the browser's preflight for a shopper route (Authorization is not a simple header). */
export function allowBrowserCalls(app: FastifyInstance, path: string, methods: readonly string[]): void {
  app.options(path, { schema: { hide: true } }, async (_request, reply: FastifyReply) => {
    reply
      .status(204)
      .header('access-control-allow-origin', '*')
      .header('access-control-allow-methods', [...methods, 'OPTIONS'].join(', '))
      .header('access-control-allow-headers', 'Authorization, Content-Type')
      .header('access-control-max-age', '600')
      .send()
  })
}

/** The shopper's customer id from `Authorization: Bearer <shopper token>`, or a 401. */
export async function shopperOf(request: FastifyRequest, secret: string, clock: Clock): Promise<string> {
  const header = request.headers.authorization
  if (!header) throw new HttpError(401, 'unauthorized', 'missing Authorization: Bearer <shopper token>')
  const match = /^Bearer\s+(\S+)$/i.exec(header)
  if (!match) throw new HttpError(401, 'unauthorized', 'Authorization must be "Bearer <shopper token>"')
  const result = await readShopperToken(secret, match[1] as string, clock.now())
  if (!result.ok) {
    throw new HttpError(401, 'unauthorized', result.reason === 'expired' ? 'shopper token has expired: get a new one from the shop' : 'shopper token is not valid')
  }
  return result.customerId
}

const shoppers = new WeakMap<FastifyRequest, string>()

/**
 * Route hooks for a shopper route: CORS header first (so the browser can read a 401 too), then
 * the token, before the body is even parsed. The handler reads the id with shopperId().
 */
export function shopperAuth(secret: string, clock: Clock): { onRequest: onRequestHookHandler[] } {
  const authenticate: onRequestHookHandler = async (request) => {
    shoppers.set(request, await shopperOf(request, secret, clock))
  }
  return { onRequest: [corsHeaders, authenticate] }
}

export function shopperId(request: FastifyRequest): string {
  const id = shoppers.get(request)
  if (id === undefined) throw new HttpError(401, 'unauthorized', 'missing shopper token')
  return id
}

// ---- routes ----

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) })
const ListQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  before: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
  includeDismissed: Type.Optional(Type.Boolean()),
})
const TokenBody = Type.Object(
  {
    customerId: Type.String({ minLength: 1, maxLength: 200 }),
    ttlSeconds: Type.Optional(Type.Integer({ minimum: 60, maximum: 30 * 86_400 })),
  },
  { additionalProperties: false },
)
const DEFAULT_TTL_S = 3600

/** What the shop's widget sees; the customer id is the caller's own and is left out. */
const view = ({ customerId: _customerId, ...message }: InboxMessage) => message

export async function inboxRoutes(app: FastifyInstance, deps: ApiDeps<'ops' | 'shopperTokenSecret' | 'clock'>): Promise<void> {
  const { clock, shopperTokenSecret: secret } = deps
  const shopper = shopperAuth(secret, clock)
  const tags = ['inbox']

  allowBrowserCalls(app, '/v1/inbox', ['GET'])
  allowBrowserCalls(app, '/v1/inbox/:id/read', ['POST'])
  allowBrowserCalls(app, '/v1/inbox/:id/dismiss', ['POST'])

  app.get<{ Querystring: { limit?: number; before?: number; includeDismissed?: boolean } }>(
    '/v1/inbox',
    { ...shopper, schema: { tags, summary: "The shopper's in-app messages, newest first, and the unread count", querystring: ListQuery } },
    async (request) => {
      const customerId = shopperId(request)
      const { limit, before, includeDismissed } = request.query
      const { messages, unread } = await shopperInbox(deps, customerId, { limit: limit ?? 50, before, includeDismissed })
      return { messages: messages.map(view), unread }
    },
  )

  for (const action of ['read', 'dismiss'] as const) {
    app.post<{ Params: { id: string } }>(
      `/v1/inbox/:id/${action}`,
      { ...shopper, schema: { tags, summary: action === 'read' ? 'Mark a message read' : 'Dismiss a message', params: IdParams } },
      async (request) => {
        const { id } = request.params
        // Scoped by customer: another shopper's message is as unknown as a made-up id.
        const marked = await markInboxMessage(deps, { customerId: shopperId(request), id, action, now: clock.now() })
        if (!marked) throw new HttpError(404, 'not_found', `no message ${id}`)
        return { ok: true, unread: marked.unread }
      },
    )
  }

  // Admin is always allowed by requireRole.
  app.post<{ Body: { customerId: string; ttlSeconds?: number } }>(
    '/api/shopper-tokens',
    { preHandler: requireRole('ops'), schema: { tags, summary: 'Mint a shopper token (for testing a shop integration)', body: TokenBody } },
    async (request) => {
      const { customerId, ttlSeconds } = request.body
      return mintShopperToken(secret, customerId, { ttlSeconds: ttlSeconds ?? DEFAULT_TTL_S, now: clock.now() })
    },
  )
}
