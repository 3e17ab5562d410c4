// The dwell script (docs/dwell.md) at GET /dwell.js, and its beacon door, POST /v1/t: `navigator.sendBeacon` cannot set an Authorization header
// and sends its body as text/plain, so — as Segment's analytics.js does on its own /v1/t — the
// write key travels in the body as `writeKey`. The message is handed to POST /v1/track with the
// key moved into Basic auth: validation, limits, dead letters and replies are the ingest door's.
import { readFileSync } from 'node:fs'
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { parseJsonRepaired } from '../../lib/text.ts'
import { TrackMessageSchema } from '../../model/event.ts'
import { CONSOLE_DIR } from '../console.ts'
import { HttpError } from '../errors.ts'

const BeaconSchema = Type.Intersect([TrackMessageSchema, Type.Object({ writeKey: Type.String({ description: "The shop's write key (in place of Basic auth)" }) })])

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function messageOf(body: unknown): Record<string, unknown> {
  let value = body
  if (typeof body === 'string') {
    try {
      value = parseJsonRepaired(body).value
    } catch {
      throw new HttpError(400, 'invalid_request', 'the body must be one JSON track message', [{ path: '/', message: 'must be JSON' }])
    }
  }
  if (!isObject(value)) throw new HttpError(400, 'invalid_request', 'the body must be one JSON track message', [{ path: '/', message: 'must be a JSON object' }])
  return value
}

export async function dwellRoutes(app: FastifyInstance): Promise<void> {
  // The short address of the snippet; the same file is /console/widget/dwell.js.
  const script = readFileSync(`${CONSOLE_DIR}widget/dwell.js`, 'utf8')
  app.get('/dwell.js', { schema: { hide: true } }, (_request, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=300').send(script))
  // Shops' pages post from their own origin; a beacon ignores the answer, fetch(keepalive) reads it.
  app.addHook('onSend', async (_request, reply) => {
    reply.header('access-control-allow-origin', '*')
  })
  app.options('/v1/t', { schema: { hide: true } }, (_request, reply) =>
    reply.header('access-control-allow-methods', 'POST, OPTIONS').header('access-control-allow-headers', 'Content-Type').header('access-control-max-age', '600').status(204).send(),
  )
  app.post(
    '/v1/t',
    {
      // Judged by the ingest route it is handed to; the schema documents the contract.
      validatorCompiler: () => () => true,
      schema: { tags: ['ingest'], summary: 'Segment track call from a browser beacon (write key in the body, text/plain allowed)', body: BeaconSchema },
    },
    async (request, reply) => {
      const message = messageOf(request.body)
      const writeKey = Object.hasOwn(message, 'writeKey') ? message.writeKey : undefined
      if (typeof writeKey !== 'string' || writeKey.length === 0) throw new HttpError(401, 'unauthorized', 'send the write key as "writeKey" in the body')
      const track = Object.fromEntries(Object.entries(message).filter(([key]) => key !== 'writeKey'))
      const handed = await app.inject({
        method: 'POST',
        url: '/v1/track',
        headers: { authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`, 'content-type': 'application/json' },
        payload: JSON.stringify({ ...track, type: 'track' }),
      })
      const retryAfter = handed.headers['retry-after']
      if (retryAfter !== undefined) reply.header('retry-after', retryAfter)
      return reply.status(handed.statusCode).type('application/json; charset=utf-8').send(handed.body)
    },
  )
}
