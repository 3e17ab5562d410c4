// Reports for ops: SLA per queue or per agent (first contact, resolution, breaches) and CSAT from
// survey answers per queue, agent or rule. Same windows as the other analytics (?days=).
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { SLA_GROUPINGS, type SlaGrouping } from '../../store/history/HistoryStore.ts'
import { CSAT_GROUPINGS, type CsatGrouping } from '../../store/operational/SurveyStore.ts'
import type { ApiDeps } from '../context.ts'
import { requireRole } from '../plugins/auth.ts'
import { DEFAULT_ANALYTICS_DAYS, MAX_ANALYTICS_DAYS, analyticsWindow } from './analytics.ts'

const days = Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_ANALYTICS_DAYS, description: `1 = the last 24 hours; more = that many UTC days (default ${DEFAULT_ANALYTICS_DAYS})` }))
const SlaQuery = Type.Object({ days, by: Type.Optional(Type.Union(SLA_GROUPINGS.map((b) => Type.Literal(b)), { description: 'queue (default) or agent' })) })
const CsatQuery = Type.Object({ days, by: Type.Optional(Type.Union(CSAT_GROUPINGS.map((b) => Type.Literal(b)), { description: 'queue (default), agent or rule' })) })

export async function reportRoutes(app: FastifyInstance, deps: ApiDeps<'history' | 'ops' | 'clock'>): Promise<void> {
  const windowOf = (d: number | undefined) => analyticsWindow(deps.clock.now(), d ?? DEFAULT_ANALYTICS_DAYS)

  app.get<{ Querystring: { days?: number; by?: SlaGrouping } }>(
    '/api/analytics/sla-report',
    { preHandler: requireRole('ops'), schema: { tags: ['analytics'], summary: 'Per queue or agent: tasks, breaches, median and p90 to first contact and to resolution', querystring: SlaQuery } },
    async (request) => {
      const { from, to } = windowOf(request.query.days)
      const by = request.query.by ?? 'queue'
      return { from, to, by, groups: await deps.history.slaReport(from, to, by) }
    },
  )

  app.get<{ Querystring: { days?: number; by?: CsatGrouping } }>(
    '/api/analytics/csat',
    { preHandler: requireRole('ops'), schema: { tags: ['analytics'], summary: 'Satisfaction surveys sent in the window per queue, agent or rule: answers, share scoring 4–5, mean score', querystring: CsatQuery } },
    async (request) => {
      const { from, to } = windowOf(request.query.days)
      const by = request.query.by ?? 'queue'
      return { from, to, by, groups: await deps.ops.surveys.csat(from, to, by) }
    },
  )
}
