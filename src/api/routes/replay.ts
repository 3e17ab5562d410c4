// Replay and backtest over HTTP (ops). POST /api/replay runs a trace (JSON, or JSONL with
// content-type application/x-ndjson) through a sandbox with the live guard policy, queues and
// shoppers' consent, and the live rules unless the body names rules; POST /api/rules/backtest
// replays a period of stored history with a candidate rule next to the live ones. Both run in sandboxes: nothing is sent, nothing stored.
// One run at a time per process: a replay is CPU-bound work on the engine's own event loop.
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { DEFAULT_GUARD_POLICY, type GuardPolicy } from '../../channels/guards/index.ts'
import { loadGuardPolicy } from '../../channels/SendGuard.ts'
import { parseDuration } from '../../lib/duration.ts'
import { parseRuleText, type FieldError } from '../../rules/index.ts'
import { backtest, consentOf } from '../../replay/backtest.ts'
import { parseTrace, policyErrors } from '../../replay/inputs.ts'
import { prepareTrace, replayTrace } from '../../replay/replay.ts'
import { compileSandboxRules, InvalidRulesError, type SandboxRule } from '../../replay/Sandbox.ts'
import type { ApiDeps } from '../context.ts'
import { HttpError } from '../errors.ts'
import { requireRole } from '../plugins/auth.ts'

const MAX_BODY = 64 * 1024 * 1024
const MAX_TRACE = 500_000
const DAY = 86_400_000

const ReplayBody = Type.Object(
  {
    trace: Type.Array(Type.Object({}, { additionalProperties: true }), { description: 'Segment track / identify messages, each with a timestamp' }),
    rules: Type.Optional(Type.Array(Type.Unknown(), { description: 'rule documents (default: the live rules)' })),
    policy: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'guard policy fields over the default (default: the live policy)' })),
    horizon: Type.Optional(Type.String({ description: 'simulated time after the last event, e.g. 3d' })),
  },
  { additionalProperties: false },
)

const BacktestBody = Type.Object(
  {
    rule: Type.Union([Type.Object({}, { additionalProperties: true }), Type.String()], { description: 'the candidate rule (JSON object or YAML text)' }),
    from: Type.Optional(Type.Union([Type.String(), Type.Integer()], { description: 'ISO-8601 or epoch ms (default: 30 days before `to`)' })),
    to: Type.Optional(Type.Union([Type.String(), Type.Integer()], { description: 'ISO-8601 or epoch ms, exclusive (default: now)' })),
    sample: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
    horizon: Type.Optional(Type.String({ description: 'let the clock run on after `to`, e.g. 1d' })),
  },
  { additionalProperties: false },
)

const acceptAsIs = () => () => true

export function horizonOf(value: unknown, path: string): number {
  if (value === undefined) return 0
  const ms = typeof value === 'string' ? parseDuration(value) : undefined
  if (ms === undefined) throw new HttpError(400, 'invalid_request', `${path} must be a duration such as 3d`, [{ path, message: 'must be a duration such as 3d or 12h' }])
  return ms
}

export function timeOf(value: string | number | undefined, fallback: number, path: string): number {
  if (value === undefined) return fallback
  const ms = typeof value === 'number' || /^\d+$/.test(value) ? Number(value) : Date.parse(value)
  if (!Number.isSafeInteger(ms) || ms < 0) throw new HttpError(400, 'invalid_request', `${path} must be an ISO-8601 date-time or epoch ms`, [{ path, message: 'must be an ISO-8601 date-time or epoch ms' }])
  return ms
}

const rulesError = (err: InvalidRulesError, prefix: (index: number) => string): HttpError => {
  const errors: FieldError[] = err.problems.flatMap((p) => p.errors.map((e) => ({ path: `${prefix(p.index)}${e.path === '/' ? '' : e.path}`, message: e.message })))
  return new HttpError(400, 'invalid_rule', `rule is invalid: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, errors)
}

export async function replayRoutes(app: FastifyInstance, deps: ApiDeps<'ops' | 'history' | 'clock' | 'logger'>): Promise<void> {
  const { ops, history, clock, logger } = deps
  // Sandbox engines log under their own name, so their lines are not taken for the live engine's.
  const sandboxLogger = logger.child({ component: 'replay-sandbox' })
  let running: Promise<unknown> = Promise.resolve()
  const oneAtATime = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = running.then(fn, fn)
    running = next.catch(() => undefined)
    return next
  }
  app.addContentTypeParser('application/x-ndjson', { parseAs: 'string', bodyLimit: MAX_BODY }, (_req, body, done) => {
    try {
      done(null, parseTrace(body as string, 'body'))
    } catch (err) {
      done(new HttpError(400, 'invalid_trace', (err as Error).message), undefined)
    }
  })

  app.post<{ Body: unknown; Querystring: { horizon?: string } }>(
    '/api/replay',
    {
      preHandler: requireRole('ops'),
      bodyLimit: MAX_BODY,
      validatorCompiler: acceptAsIs,
      schema: {
        tags: ['rules'],
        summary: 'Replay a trace in a sandbox: the decisions the engine would make, nothing sent',
        description: 'JSON body, or JSONL (application/x-ndjson, one Segment message a line; `?horizon=3d`).',
        body: ReplayBody,
      },
    },
    async (request) => {
      const body = request.body
      const input = (Array.isArray(body) ? { trace: body, horizon: request.query.horizon } : body) as Partial<Record<'trace' | 'rules' | 'policy' | 'horizon', unknown>>
      if (input === null || typeof input !== 'object' || !Array.isArray(input.trace)) {
        throw new HttpError(400, 'invalid_request', 'body must be {"trace": [...]} or JSONL', [{ path: '/trace', message: 'must be an array of Segment messages' }])
      }
      if (input.trace.length > MAX_TRACE) throw new HttpError(413, 'too_large', `at most ${MAX_TRACE} messages per replay`)
      const horizonMs = horizonOf(input.horizon, '/horizon')
      if (input.rules !== undefined && !Array.isArray(input.rules)) throw new HttpError(400, 'invalid_request', '/rules must be an array', [{ path: '/rules', message: 'must be an array of rule documents' }])
      const rules: SandboxRule[] = input.rules
        ? input.rules.map((document, i) => ({ document: typeof document === 'string' ? textRule(document, `/rules/${i}`) : document }))
        : (await ops.rules.live()).map((r) => ({ document: r.document, version: r.version }))
      try {
        compileSandboxRules(rules)
      } catch (err) {
        // Stored live rules that no longer compile are the engine's problem, not this request's.
        if (!(err instanceof InvalidRulesError)) throw err
        if (input.rules) throw rulesError(err, (i) => `/rules/${i}`)
        const broken = new Set(err.problems.map((p) => p.index))
        rules.splice(0, rules.length, ...rules.filter((_r, i) => !broken.has(i)))
      }
      const problems = input.policy === undefined ? [] : policyErrors(input.policy, '/policy')
      if (problems.length > 0) throw new HttpError(400, 'invalid_request', `invalid guard policy: ${problems.map((e) => `${e.path} ${e.message}`).join('; ')}`, problems)
      const policy = input.policy === undefined ? await loadGuardPolicy(ops.settings) : { ...DEFAULT_GUARD_POLICY, ...(input.policy as Partial<GuardPolicy>) }
      const trace = input.trace as unknown[]
      const [queues, agents, consent] = await Promise.all([ops.queues.queues(), ops.queues.agents(), consentOf(ops, prepareTrace(trace).events.map((e) => e.customerId))])
      const started = Date.now()
      const result = await oneAtATime(() => replayTrace(trace, { rules, policy, queues, agents, consent, horizonMs, logger: sandboxLogger }))
      logger.info({ events: result.summary.events, decisions: result.summary.decisions, ms: Date.now() - started }, 'replay done')
      return { decisions: result.lines, summary: result.summary, rejected: result.rejected.slice(0, 100) }
    },
  )

  app.post<{ Body: { rule: unknown; from?: string | number; to?: string | number; sample?: number; horizon?: string } }>(
    '/api/rules/backtest',
    {
      preHandler: requireRole('ops'),
      schema: { tags: ['rules'], summary: 'Backtest a candidate rule over stored history next to the live rules', body: BacktestBody },
    },
    async (request) => {
      const body = request.body
      const to = timeOf(body.to, clock.now(), '/to')
      // A `to` near the epoch would put the default start before it.
      const from = timeOf(body.from, Math.max(0, to - 30 * DAY), '/from')
      if (from >= to) throw new HttpError(400, 'invalid_request', '/from must be before /to', [{ path: '/from', message: 'must be before to' }])
      const rule = typeof body.rule === 'string' ? textRule(body.rule, '/rule') : body.rule
      const horizonMs = horizonOf(body.horizon, '/horizon')
      const started = Date.now()
      try {
        const report = await oneAtATime(() => backtest({ ops, history, rule, from, to, sample: body.sample ?? 10, horizonMs, logger: sandboxLogger }))
        logger.info({ rule: report.rule.id, events: report.events, fires: report.fires.total, ms: Date.now() - started }, 'backtest done')
        return report
      } catch (err) {
        if (err instanceof InvalidRulesError) throw rulesError(err, () => '/rule')
        throw err
      }
    },
  )
}

/** A rule given as YAML / JSON text. */
export function textRule(text: string, path: string): unknown {
  const parsed = parseRuleText(text)
  if (!parsed.ok) throw new HttpError(400, 'invalid_rule', `${path}: ${parsed.errors[0]?.message ?? 'unparseable'}`, parsed.errors.map((e) => ({ path, message: e.message })))
  return parsed.value
}
