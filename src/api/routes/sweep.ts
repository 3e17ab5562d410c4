// What-if sweep over HTTP (ops): POST /api/rules/:id/sweep varies one parameter of a rule (a JSON
// pointer into its document) over stored history and answers a point per value. Saving a point is
// the ordinary PUT /api/rules/:id?version=<rule.version> with the point's document.
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { parseDuration } from '../../lib/duration.ts'
import { MAX_SWEEP_VALUES, sweep, SweepInputError } from '../../replay/sweep.ts'
import type { ApiDeps } from '../context.ts'
import { HttpError } from '../errors.ts'
import { requireRole } from '../plugins/auth.ts'
import { horizonOf, textRule, timeOf } from './replay.ts'

const DAY = 86_400_000

const SweepBody = Type.Object(
  {
    pointer: Type.String({ minLength: 1, maxLength: 500, description: 'JSON pointer into the rule document, e.g. /triggers/0/absence/grace' }),
    values: Type.Array(Type.Unknown(), { minItems: 1, maxItems: MAX_SWEEP_VALUES, description: 'the values to try, e.g. ["0h", "6h", "12h"]' }),
    document: Type.Optional(Type.Union([Type.Object({}, { additionalProperties: true }), Type.String()], { description: 'vary this document instead of the stored rule (JSON or YAML)' })),
    from: Type.Optional(Type.Union([Type.String(), Type.Integer()], { description: 'ISO-8601 or epoch ms (default: 30 days before `to`)' })),
    to: Type.Optional(Type.Union([Type.String(), Type.Integer()], { description: 'ISO-8601 or epoch ms, exclusive (default: now)' })),
    horizon: Type.Optional(Type.String({ description: 'let the clock run on after `to`, e.g. 1d' })),
    follow: Type.Optional(Type.String({ description: 'how long after a message a contact or problem makes it needed (default 3d, at most 30d)' })),
  },
  { additionalProperties: false },
)

export async function sweepRoutes(app: FastifyInstance, deps: ApiDeps<'ops' | 'history' | 'clock' | 'logger'>): Promise<void> {
  const { ops, history, clock, logger } = deps
  const sandboxLogger = logger.child({ component: 'replay-sandbox' })
  // One sweep at a time per process: each point is a whole replay on the engine's event loop.
  let running: Promise<unknown> = Promise.resolve()
  app.post<{ Params: { id: string }; Body: { pointer: string; values: unknown[]; document?: unknown; from?: string | number; to?: string | number; horizon?: string; follow?: string } }>(
    '/api/rules/:id/sweep',
    {
      preHandler: requireRole('ops'),
      schema: {
        tags: ['rules'],
        summary: 'What-if sweep: one rule parameter over stored history; per value the contacts preceded, median lead and needless messages',
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 80 }) }),
        body: SweepBody,
      },
    },
    async (request) => {
      const body = request.body
      const to = timeOf(body.to, clock.now(), '/to')
      const from = timeOf(body.from, Math.max(0, to - 30 * DAY), '/from')
      if (from >= to) throw new HttpError(400, 'invalid_request', '/from must be before /to', [{ path: '/from', message: 'must be before to' }])
      const followMs = body.follow === undefined ? undefined : parseDuration(body.follow)
      if (body.follow !== undefined && (followMs === undefined || followMs <= 0 || followMs > 30 * DAY)) {
        throw new HttpError(400, 'invalid_request', '/follow must be a duration up to 30d', [{ path: '/follow', message: 'must be a duration such as 3d (at most 30d)' }])
      }
      const document = typeof body.document === 'string' ? textRule(body.document, '/document') : body.document
      const options = { ops, history, ruleId: request.params.id, document, pointer: body.pointer, values: body.values, from, to, horizonMs: horizonOf(body.horizon, '/horizon'), ...(followMs === undefined ? {} : { followMs }), logger: sandboxLogger }
      const next = running.then(() => sweep(options))
      running = next.catch(() => undefined)
      try {
        const result = await next
        if (result === undefined) throw new HttpError(404, 'not_found', `no rule ${request.params.id}`)
        return result
      } catch (err) {
        if (err instanceof SweepInputError) throw new HttpError(400, 'invalid_request', err.message, err.errors)
        throw err
      }
    },
  )
}
