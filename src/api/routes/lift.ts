// GET /api/analytics/lift: did a rule help? Outcome rates of contacted vs held-out shoppers
// (the rule's `holdout` share) with a 95 % interval of the difference.
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { liftReport } from '../../analytics/lift.ts'
import { parseDuration } from '../../lib/duration.ts'
import type { ApiDeps } from '../context.ts'
import { HttpError } from '../errors.ts'
import { requireRole } from '../plugins/auth.ts'

const DAY = 86_400_000
/** An outcome window beyond a year says nothing, and would leave the range of timestamps. */
const MAX_WITHIN_MS = 366 * DAY
const Query = Type.Object({
  rule: Type.String({ minLength: 1, maxLength: 80 }),
  /** Outcome event names, e.g. Complaint Filed, Return Requested (repeat the parameter or comma-separate). */
  outcome: Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { maxItems: 20 })]),
  /** How long after the decision an outcome counts. */
  within: Type.Optional(Type.String({ pattern: '^\\d+(ms|s|m|h|d|w)$', maxLength: 16 })),
  days: Type.Optional(Type.Integer({ minimum: 1, maximum: 365 })),
})

export async function liftRoutes(app: FastifyInstance, deps: ApiDeps<'history' | 'clock'>): Promise<void> {
  app.get<{ Querystring: { rule: string; outcome: string | string[]; within?: string; days?: number } }>(
    '/api/analytics/lift',
    { preHandler: requireRole('ops'), schema: { tags: ['analytics'], summary: 'Holdout lift of a rule on outcome events, with a 95 % interval', querystring: Query } },
    async (request) => {
      const { rule, within = '14d', days = 30 } = request.query
      const names = [request.query.outcome].flat().flatMap((o) => o.split(',')).map((o) => o.trim()).filter(Boolean)
      if (names.length === 0) throw new HttpError(400, 'invalid_request', 'name at least one outcome event', [{ path: '/outcome', message: 'is empty' }])
      const windowMs = parseDuration(within) as number
      if (!(windowMs <= MAX_WITHIN_MS)) throw new HttpError(400, 'invalid_request', 'within must be at most 366d', [{ path: '/within', message: 'must be at most 366d' }])
      const to = deps.clock.now()
      const from = to - days * DAY
      const rows = await deps.history.liftRows(rule, from, to, to + windowMs, names)
      const times = new Map<string, number[]>()
      for (const o of rows.outcomes) times.set(o.customerId, [...(times.get(o.customerId) ?? []), o.ts])
      const groups = { contacted: { n: 0, outcomes: 0 }, heldOut: { n: 0, outcomes: 0 } }
      for (const c of rows.cohort) {
        const group = c.heldOut ? groups.heldOut : groups.contacted
        group.n++
        if ((times.get(c.customerId) ?? []).some((t) => t > c.firstTs && t <= c.firstTs + windowMs)) group.outcomes++
      }
      return { rule, outcomes: names, within, from, to, ...liftReport(groups.contacted, groups.heldOut) }
    },
  )
}
