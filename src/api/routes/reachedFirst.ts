// GET /api/analytics/reached-first: for the inbound contacts of a window, was the shopper messaged
// proactively about the same order, checkout or return first — per rule, tag, kind and day; the
// misses by cause; the proactive messages that no contact or problem followed (needless).
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { reachedFirst } from '../../care/reachedFirstReport.ts'
import { DURATION_PATTERN, parseDuration } from '../../lib/duration.ts'
import { DEFAULT_FOLLOW_MS, DEFAULT_INBOUND_EVENTS, DEFAULT_PROBLEM_EVENTS } from '../../model/contacts.ts'
import type { ApiDeps } from '../context.ts'
import { HttpError } from '../errors.ts'
import { requireRole } from '../plugins/auth.ts'

const DAY = 86_400_000
export const DEFAULT_REACHED_DAYS = 30
/** The longest window: a quarter, so one request stays a bounded scan. */
export const MAX_REACHED_DAYS = 92
const MAX_FOLLOW_MS = 30 * DAY
const MAX_NAMES = 20

const Time = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,3})?)?(Z|[+-]\\d{2}:\\d{2}))?$', maxLength: 40 })
const Names = Type.Union([Type.String({ maxLength: 2000 }), Type.Array(Type.String({ maxLength: 200 }), { maxItems: MAX_NAMES })])

const Query = Type.Object({
  from: Type.Optional({ ...Time, description: `Window start (UTC date or ISO date-time); default ${DEFAULT_REACHED_DAYS} UTC days before \`to\`` }),
  to: Type.Optional({ ...Time, description: 'Window end, exclusive; default the end of today (UTC)' }),
  days: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_REACHED_DAYS, description: `Without \`from\`: that many UTC days ending with \`to\` (default ${DEFAULT_REACHED_DAYS})` })),
  inbound: Type.Optional({ ...Names, description: `Event names that are inbound contacts (repeat or comma-separate); default ${DEFAULT_INBOUND_EVENTS.join(', ')}` }),
  problem: Type.Optional({ ...Names, description: `Event names that are a problem after a message; default ${DEFAULT_PROBLEM_EVENTS.join(', ')}` }),
  follow: Type.Optional(Type.String({ pattern: DURATION_PATTERN, maxLength: 16, description: 'How long a late decision explains a miss, and a contact or problem makes a message needed; default 3d' })),
})
type QueryT = { from?: string; to?: string; days?: number; inbound?: string | string[]; problem?: string | string[]; follow?: string }

const bad = (path: string, message: string) => new HttpError(400, 'invalid_request', `${path.slice(1)} ${message}`, [{ path, message }])

function names(value: string | string[] | undefined, fallback: readonly string[], path: string, required: boolean): readonly string[] {
  if (value === undefined) return fallback
  const list = [...new Set([value].flat().flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean))]
  if (list.length > MAX_NAMES) throw bad(path, `must name at most ${MAX_NAMES} events`)
  if (required && list.length === 0) throw bad(path, 'must name at least one event')
  return list
}

function time(text: string, path: string): number {
  const ms = Date.parse(text)
  if (!Number.isSafeInteger(ms) || ms < 0) throw bad(path, 'is not a valid time')
  return ms
}

export async function reachedFirstRoutes(app: FastifyInstance, deps: ApiDeps<'history' | 'ops' | 'clock'>): Promise<void> {
  app.get<{ Querystring: QueryT }>(
    '/api/analytics/reached-first',
    {
      preHandler: requireRole('ops'),
      schema: { tags: ['analytics'], summary: 'Inbound contacts the shopper was messaged about first: per rule, tag, kind and day; misses by cause; needless messages', querystring: Query },
    },
    async (request) => {
      const q = request.query
      const to = q.to === undefined ? Math.floor(deps.clock.now() / DAY) * DAY + DAY : time(q.to, '/to')
      const from = q.from === undefined ? Math.max(0, to - (q.days ?? DEFAULT_REACHED_DAYS) * DAY) : time(q.from, '/from')
      if (from >= to) throw bad('/to', 'must be after from')
      if (to - from > MAX_REACHED_DAYS * DAY) throw bad('/from', `must be at most ${MAX_REACHED_DAYS} days before to`)
      const followMs = q.follow === undefined ? DEFAULT_FOLLOW_MS : (parseDuration(q.follow) as number)
      if (!(followMs <= MAX_FOLLOW_MS) || !Number.isSafeInteger(followMs)) throw bad('/follow', 'must be a whole number of ms, at most 30d')
      return reachedFirst(deps, {
        from,
        to,
        inbound: names(q.inbound, DEFAULT_INBOUND_EVENTS, '/inbound', true),
        problems: names(q.problem, DEFAULT_PROBLEM_EVENTS, '/problem', false),
        followMs,
      })
    },
  )
}
