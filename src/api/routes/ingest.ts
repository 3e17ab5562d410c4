// Segment-compatible HTTP ingest: POST /v1/track, /v1/identify, /v1/page, /v1/screen, /v1/alias,
// /v1/group, /v1/batch, write key as the Basic-auth user name; bodies plain, gzip or deflate. Valid messages are durable before the reply; invalid ones are answered
// with 400 and their field paths, and parked as dead letters so nothing is lost. Beyond the rate
// limit or the in-flight bound: 429 with Retry-After; a store that cannot make them durable: 503.
import { timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyRequest, onRequestHookHandler, preValidationHookHandler } from 'fastify'
import Type from 'typebox'
import type { Clock } from '../../lib/clock.ts'
import { MESSAGE_TYPES, MessageSchemas } from '../../model/event.ts'
import type { FieldError } from '../../rules/index.ts'
import { admit } from '../../stream/ingest/admit.ts'
import type { IngestSink } from '../../stream/ingest/IngestSink.ts'
import type { DeadLetterStore } from '../../store/operational/DeadLetterStore.ts'
import { hashKey } from '../../model/apiKey.ts'
import { HttpError } from '../errors.ts'
import type { KeyDirectory } from '../plugins/keyDirectory.ts'
import { inflateRequestBody } from '../plugins/contentEncoding.ts'
import { tooManyRequests, type IngestLimiter, type Refusal } from '../plugins/ingestLimits.ts'

export interface IngestRouteOptions {
  sink: IngestSink
  deadLetters: DeadLetterStore
  writeKey: string
  /** The managed keys: an ingest key is a write key; other roles may not send events. */
  keys?: Pick<KeyDirectory, 'lookup'>
  clock: Clock
  onAccepted?: (stored: number, duplicates: number, rejected: number) => void
  /** Rate limit and in-flight bound; none = unlimited. */
  limits?: IngestLimiter
  onRefused?: (reason: Refusal['reason']) => void
  /** Most bytes a compressed body may inflate to (default 4 MiB, the server's body limit). */
  maxInflatedBytes?: number
}

const BatchSchema = Type.Object(
  {
    batch: Type.Array(Type.Union(MESSAGE_TYPES.map((type) => MessageSchemas[type])), { maxItems: 5000 }),
    context: Type.Optional(Type.Object({}, { additionalProperties: true })),
    sentAt: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
)

const Accepted = Type.Object({ success: Type.Literal(true), stored: Type.Integer(), duplicates: Type.Integer() })
const Rejected = Type.Object(
  {
    success: Type.Optional(Type.Literal(false)),
    error: Type.String(),
    message: Type.String(),
    errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
    stored: Type.Optional(Type.Integer()),
    duplicates: Type.Optional(Type.Integer()),
  },
  { description: 'Some messages were invalid: they were not processed and are kept as dead letters; the valid ones were stored.' },
)

/** Checks the write key and returns it (the rate limiter's key). */
const Refused = Type.Object(
  { error: Type.String(), message: Type.String() },
  { description: '429: over the rate limit or too many requests in flight; 503: the store cannot make messages durable now. Nothing was stored: resend after Retry-After seconds.' },
)
const responses = { 200: Accepted, 400: Rejected, 429: Refused, 503: Refused }

async function checkWriteKey(request: FastifyRequest, writeKey: string, keys: IngestRouteOptions['keys']): Promise<string> {
  const header = request.headers.authorization
  const match = header ? /^Basic\s+(\S+)$/i.exec(header) : null
  if (!match) throw new HttpError(401, 'unauthorized', 'send the write key as the Basic-auth user name')
  const user = Buffer.from(match[1] as string, 'base64').toString('utf8').split(':')[0] ?? ''
  const a = Buffer.from(user)
  const b = Buffer.from(writeKey)
  if (a.length === b.length && timingSafeEqual(a, b)) return user
  const key = user.length > 0 ? await keys?.lookup(hashKey(user)) : undefined
  if (!key) throw new HttpError(401, 'unauthorized', 'unknown write key')
  if (key.revokedAt !== null) throw new HttpError(401, 'unauthorized', 'revoked write key')
  if (key.role !== 'ingest') throw new HttpError(403, 'forbidden', `a key of role ${key.role} may not send events; use a write key (an ingest key)`)
  return user
}

const writeKeys = new WeakMap<FastifyRequest, string>()

const acceptAsIs = () => () => true

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

export async function ingestRoutes(app: FastifyInstance, options: IngestRouteOptions): Promise<void> {
  const { sink, deadLetters, clock, limits } = options

  // The write key is checked before the body is read: an unknown caller costs no parsing.
  const writeKeyCheck: onRequestHookHandler = async (request) => {
    writeKeys.set(request, await checkWriteKey(request, options.writeKey, options.keys))
  }
  // From a received body until the reply is sent or the connection drops, the engine gives way
  // (embedded mode). Not earlier: a body still arriving (a slow client, a busy sender) needs no
  // CPU here, and the engine waiting for it would only fall behind.
  const bodyReceived: preValidationHookHandler = async (_request, reply) => {
    const ended = sink.receiving?.()
    if (ended) {
      reply.raw.once('finish', ended)
      reply.raw.once('close', ended)
    }
  }

  /** Runs fn within the limits of the request's write key, or refuses with 429. */
  async function limited<T>(request: FastifyRequest, events: number, fn: () => Promise<T>): Promise<T> {
    if (!limits) return fn()
    const admission = limits.admit(writeKeys.get(request) ?? '', events)
    if (!admission.ok) {
      options.onRefused?.(admission.reason)
      throw tooManyRequests(admission)
    }
    try {
      return await fn()
    } finally {
      admission.release()
    }
  }

  async function ingest(messages: unknown[], prefixOf: (i: number) => string, batchContext?: Record<string, unknown>) {
    const arrivals = messages.map((raw, index) => ({
      // Segment lets a batch carry a shared context; each message's own context wins.
      message: batchContext && isObject(raw) ? { ...raw, context: { ...batchContext, ...(isObject(raw.context) ? raw.context : {}) } } : raw,
      prefix: prefixOf(index),
      // The message as sent, serialised only if it is refused.
      payload: () => JSON.stringify(raw) ?? 'undefined',
    }))
    const { stored, duplicates, rejected } = await admit(arrivals, { sink, deadLetters, receivedAt: clock.now(), source: 'http' })
    options.onAccepted?.(stored, duplicates, rejected.length)
    return { stored, duplicates, rejected }
  }

  const reply400 = (rejected: Array<{ index: number; errors: FieldError[] }>, stored: number, duplicates: number) => ({
    success: false as const,
    error: 'invalid_messages',
    message: rejected.flatMap((r) => r.errors.map((e) => `${e.path} ${e.message}`)).join('; '),
    errors: rejected.flatMap((r) => r.errors),
    stored,
    duplicates,
  })

  const preParsing = inflateRequestBody(options.maxInflatedBytes ?? 4 * 1024 * 1024)

  for (const type of MESSAGE_TYPES) {
    app.post(
      `/v1/${type}`,
      {
        // The schema documents the contract; validation itself goes through the shared decoder so
        // HTTP and stream input are judged by the same code (and Fastify's type coercion never
        // rewrites what a shop sent).
        validatorCompiler: acceptAsIs,
        onRequest: writeKeyCheck,
        preParsing,
        preValidation: bodyReceived,
        schema: {
          tags: ['ingest'],
          summary: `Segment ${type} call`,
          body: MessageSchemas[type],
          response: responses,
        },
      },
      async (request, reply) => {
        const body = isObject(request.body) ? { type, ...request.body } : request.body
        const result = await limited(request, 1, () => ingest([body], () => ''))
        if (result.rejected.length > 0) return reply.status(400).send(reply400(result.rejected, result.stored, result.duplicates))
        return { success: true as const, stored: result.stored, duplicates: result.duplicates }
      },
    )
  }

  app.post(
    '/v1/batch',
    { validatorCompiler: acceptAsIs, onRequest: writeKeyCheck, preParsing, preValidation: bodyReceived, schema: { tags: ['ingest'], summary: 'Segment batch call', body: BatchSchema, response: responses } },
    async (request, reply) => {
      const body = request.body
      if (!isObject(body) || !Array.isArray(body.batch)) {
        throw new HttpError(400, 'invalid_request', 'body must be {"batch": [...]}', [{ path: '/batch', message: 'must be an array of messages' }])
      }
      if (body.batch.length > 5000) throw new HttpError(400, 'invalid_request', 'too many messages', [{ path: '/batch', message: 'must hold at most 5000 messages' }])
      const context = isObject(body.context) ? body.context : undefined
      const batch = body.batch
      const result = await limited(request, batch.length, () => ingest(batch, (i) => `/batch/${i}`, context))
      if (result.rejected.length > 0) return reply.status(400).send(reply400(result.rejected, result.stored, result.duplicates))
      return { success: true as const, stored: result.stored, duplicates: result.duplicates }
    },
  )
}
