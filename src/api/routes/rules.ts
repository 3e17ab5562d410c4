// Rules API: list, read, create, update (new version), enable / disable, validate, history.
// Documents may be sent as JSON or YAML; every error names its field path.
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import type { Clock } from '../../lib/clock.ts'
import { compileRule, parseRuleText, type RuleDocument } from '../../rules/index.ts'
import type { HistoryStore } from '../../store/history/HistoryStore.ts'
import type { RuleStore, StoredRule } from '../../store/operational/RuleStore.ts'
import { HttpError } from '../errors.ts'
import { requireRole } from '../plugins/auth.ts'

export interface RuleRouteOptions {
  rules: RuleStore
  history: HistoryStore
  clock: Clock
  /** Called after any change so the engine picks it up at once. */
  onChange: () => Promise<void>
  /** Compile problems of stored rules, by id. */
  broken: () => ReadonlyMap<string, string>
}

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 80 }) })
const DAY = 86_400_000

/** A rule document from a JSON object or a YAML / JSON text body, validated and compiled. */
function documentFrom(body: unknown): RuleDocument {
  let value = body
  if (typeof body === 'string') {
    const parsed = parseRuleText(body)
    if (!parsed.ok) throw new HttpError(400, 'invalid_rule', parsed.errors[0]?.message ?? 'unparseable', parsed.errors)
    value = parsed.value
  }
  const result = compileRule({ document: value })
  if (!result.ok) {
    throw new HttpError(400, 'invalid_rule', `rule is invalid: ${result.errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, result.errors)
  }
  return result.rule.document
}

export async function ruleRoutes(app: FastifyInstance, options: RuleRouteOptions): Promise<void> {
  const { rules, clock } = options
  for (const type of ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain']) {
    app.addContentTypeParser(type, { parseAs: 'string' }, (_req, body, done) => done(null, body))
  }
  const view = (rule: StoredRule) => ({ ...rule, problem: options.broken().get(rule.id) ?? null })
  const canRead = requireRole('ops', 'agent')
  const canWrite = requireRole('ops')

  app.get('/api/rules', { preHandler: canRead, schema: { tags: ['rules'], summary: 'All rules with their firing counts of the last 24 h' } }, async () => {
    const activity = new Map((await options.history.ruleActivity(clock.now() - DAY)).map((a) => [a.rule_id, a]))
    const list = await rules.list()
    return { rules: list.map((r) => ({ ...view(r), last24h: activity.get(r.id) ?? { signals: 0, planned: 0, suppressed: 0 } })) }
  })

  app.get<{ Params: { id: string } }>('/api/rules/:id', { preHandler: canRead, schema: { tags: ['rules'], params: IdParams } }, async (request) => {
    const rule = await rules.get(request.params.id)
    if (!rule) throw new HttpError(404, 'not_found', `no rule ${request.params.id}`)
    return view(rule)
  })

  app.get<{ Params: { id: string } }>('/api/rules/:id/versions', { preHandler: canRead, schema: { tags: ['rules'], params: IdParams } }, async (request) => {
    const versions = await rules.versions(request.params.id)
    if (versions.length === 0) throw new HttpError(404, 'not_found', `no rule ${request.params.id}`)
    return { versions }
  })

  app.post('/api/rules/validate', { preHandler: canRead, schema: { tags: ['rules'], summary: 'Validate a rule document without saving it' } }, async (request) => {
    try {
      return { valid: true, document: documentFrom(request.body), errors: [] }
    } catch (err) {
      if (err instanceof HttpError) return { valid: false, errors: err.errors ?? [] }
      throw err
    }
  })

  app.post<{ Querystring: { enabled?: boolean } }>(
    '/api/rules',
    { preHandler: canWrite, schema: { tags: ['rules'], summary: 'Create a rule (JSON or YAML)', querystring: Type.Object({ enabled: Type.Optional(Type.Boolean()) }) } },
    async (request, reply) => {
      const doc = documentFrom(request.body)
      const created = await rules.create(doc.id, doc, request.query.enabled ?? true, request.principal?.name ?? 'unknown', clock.now())
      if (!created) throw new HttpError(409, 'conflict', `rule ${doc.id} exists; update it with PUT /api/rules/${doc.id}`)
      await options.onChange()
      return reply.status(201).send(view(created))
    },
  )

  app.put<{ Params: { id: string }; Querystring: { version?: number } }>(
    '/api/rules/:id',
    {
      preHandler: canWrite,
      schema: { tags: ['rules'], summary: 'Save a new version of a rule', params: IdParams, querystring: Type.Object({ version: Type.Optional(Type.Integer({ minimum: 1 })) }) },
    },
    async (request) => {
      const doc = documentFrom(request.body)
      if (doc.id !== request.params.id) {
        throw new HttpError(400, 'invalid_rule', 'the document id must match the URL', [{ path: '/id', message: `must be "${request.params.id}"` }])
      }
      const result = await rules.update(doc.id, doc, request.principal?.name ?? 'unknown', clock.now(), request.query.version)
      if (result === 'not_found') throw new HttpError(404, 'not_found', `no rule ${doc.id}`)
      if (result === 'conflict') throw new HttpError(409, 'conflict', `rule ${doc.id} changed since version ${request.query.version}`)
      await options.onChange()
      return view(result)
    },
  )

  for (const action of ['enable', 'disable'] as const) {
    app.post<{ Params: { id: string } }>(`/api/rules/:id/${action}`, { preHandler: canWrite, schema: { tags: ['rules'], params: IdParams } }, async (request) => {
      const rule = await rules.setEnabled(request.params.id, action === 'enable', request.principal?.name ?? 'unknown', clock.now())
      if (!rule) throw new HttpError(404, 'not_found', `no rule ${request.params.id}`)
      await options.onChange()
      return view(rule)
    })
  }
}
