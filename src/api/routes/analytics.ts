// Analytics for the console and ops: activity over time, per-rule funnels, why messages were not
// sent and how the queues keep their SLAs. The SQL lives in src/store/history/analytics.ts (the
// Grafana dashboard in dashboards/ runs the same queries).
//
// Windows end with the current bucket: ?days=1 is the last 24 hours in hour buckets (the current
// hour last, partly elapsed); ?days=N>1 is the last N UTC days in day buckets, today last. Every
// endpoint of one request uses the same window, so their numbers add up.
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { ruleOutcomes } from '../../care/ruleOutcomes.ts'
import { OVERVIEW_BASES, type OverviewBasis } from '../../store/history/HistoryStore.ts'
import { TASK_OUTCOMES } from '../../store/operational/TaskStore.ts'
import type { ApiDeps } from '../context.ts'
import { requireRole } from '../plugins/auth.ts'

const HOUR = 3_600_000
const DAY = 86_400_000
export const DEFAULT_ANALYTICS_DAYS = 7
export const MAX_ANALYTICS_DAYS = 90

export interface AnalyticsWindow {
  from: number
  to: number
  bucketMs: number
}

/** [from, to) ending with the bucket `now` is in: 24 hours for one day, else whole UTC days. */
export function analyticsWindow(now: number, days: number): AnalyticsWindow {
  const bucketMs = days === 1 ? HOUR : DAY
  const to = Math.floor(now / bucketMs) * bucketMs + bucketMs
  return { from: to - days * DAY, to, bucketMs }
}

const DaysQuery = Type.Object({
  days: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: MAX_ANALYTICS_DAYS,
      description: `1 = the last 24 hours in hour buckets; more = that many UTC days in day buckets (default ${DEFAULT_ANALYTICS_DAYS})`,
    }),
  ),
})
type DaysQueryT = { Querystring: { days?: number } }

const OverviewQuery = Type.Object({
  ...DaysQuery.properties,
  basis: Type.Optional(
    Type.Union(
      OVERVIEW_BASES.map((b) => Type.Literal(b)),
      {
        description:
          'activity (default): each count at its own time — signals and decisions at the noticed moment, messages when sent, task changes when made. ' +
          'moment: everything at the moment a rule noticed, messages and tasks following the decision that planned them',
      },
    ),
  ),
})

export async function analyticsRoutes(app: FastifyInstance, deps: ApiDeps<'history' | 'ops' | 'clock'>): Promise<void> {
  const { history, ops, clock } = deps
  const read = requireRole('ops', 'agent')
  const schema = (summary: string) => ({ tags: ['analytics'], summary, querystring: DaysQuery })
  const windowOf = (query: { days?: number }) => analyticsWindow(clock.now(), query.days ?? DEFAULT_ANALYTICS_DAYS)

  app.get<{ Querystring: { days?: number; basis?: OverviewBasis } }>(
    '/api/analytics/overview',
    { preHandler: read, schema: { ...schema('Signals, decisions, deliveries and tasks per hour (1 day) or per day, with totals'), querystring: OverviewQuery } },
    async (request) => {
      const { from, to, bucketMs } = windowOf(request.query)
      const basis = request.query.basis ?? 'activity'
      const [overview, open] = await Promise.all([history.overview(from, to, bucketMs, basis), ops.tasks.countUnresolved()])
      return { from, to, bucketMs, basis, buckets: overview.buckets, totals: { ...overview.totals, openTasks: open } }
    },
  )

  app.get<DaysQueryT>(
    '/api/analytics/rules',
    {
      preHandler: read,
      schema: schema(
        'Per rule, on the moment basis: signals, decisions (suppressed by reason), messages (unsent by guard or failure, with an example) and tasks; every rule listed, the unattributed last',
      ),
    },
    async (request) => {
      const { from, to } = windowOf(request.query)
      return { from, to, rules: await ruleOutcomes(history, await ops.rules.list(), from, to) }
    },
  )

  app.get<DaysQueryT>(
    '/api/analytics/funnel',
    { preHandler: read, schema: schema('Per rule: signals → planned decisions → sent → delivered / opened / clicked → tasks created / resolved, with outcomes') },
    async (request) => {
      const { from, to } = windowOf(request.query)
      const rules = await history.funnel(from, to)
      const known = Object.fromEntries(TASK_OUTCOMES.map((o) => [o, 0]))
      return { from, to, rules: rules.map((r) => ({ ...r, outcomes: { ...known, ...r.outcomes } })) }
    },
  )

  app.get<DaysQueryT>(
    '/api/analytics/suppressions',
    { preHandler: read, schema: schema('Skipped messages by send-time guard and suppressed decisions by reason, in total and per rule') },
    async (request) => {
      const { from, to } = windowOf(request.query)
      return { from, to, ...(await history.suppressionReasons(from, to)) }
    },
  )

  app.get<DaysQueryT>(
    '/api/analytics/sla',
    { preHandler: read, schema: schema('Per queue: tasks created, SLA breaches, median and p90 time to first claim and first contact') },
    async (request) => {
      const { from, to } = windowOf(request.query)
      return { from, to, queues: await history.agentSla(from, to) }
    },
  )
}
