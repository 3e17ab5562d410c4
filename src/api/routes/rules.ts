// Rules API: list, read, create, update (new version), enable / disable, validate, history, diff,
// approval (four eyes) and rollback. Documents may be sent as JSON or YAML; every error names its
// field path. Every change is audited (see routes/audit.ts for reading the log).
//
// Four eyes (setting `approval` = { required: true }, PUT /api/settings/approval):
// - a create or update stores a draft version; the rule keeps running its live (last approved)
//   version, and a new rule starts disabled;
// - POST /api/rules/:id/versions/:v/approve (approver or admin, not the version's author) approves
//   the newest version and makes it live;
// - enabling a rule whose newest version is a draft is refused (409);
// - a rollback is a new version like any change (a draft), except when the caller may approve
//   (approver or admin) and did not write the restored version: then the caller is the second
//   person, and the rollback is approved and live at once.
// Without required approval every version is live at once.
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { stringify as toYaml } from 'yaml'
import { approveVersion, mayApprove, ruleApproval } from '../../care/approveVersion.ts'
import { ruleHints } from '../../care/ruleHints.ts'
import { diffLines, formatDiff, splitLines } from '../../lib/lineDiff.ts'
import { compileRule, parseRuleText, type FieldError, type RuleDocument } from '../../rules/index.ts'
import { isRefusal, type RuleRefusal, type StoredRule } from '../../store/operational/RuleStore.ts'
import { approvedOrThrow } from '../approval.ts'
import type { ApiDeps } from '../context.ts'
import { HttpError } from '../errors.ts'
import { requireRole } from '../plugins/auth.ts'
import { actorOf } from '../principal.ts'
import { auditRoutes } from './audit.ts'
import { Catalogues } from './templates/catalogue.ts'

/** Versions are PostgreSQL integers: a larger number is a 400, not a failed query. */
const MAX_VERSION = 2_147_483_647

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 80 }) })
const VersionParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 80 }), v: Type.Integer({ minimum: 1, maximum: MAX_VERSION }) })
const DiffQuery = Type.Object({ against: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_VERSION, description: 'the version to compare with (default: the one before; 0: nothing)' })) })
const RollbackBody = Type.Object({ version: Type.Integer({ minimum: 1, maximum: MAX_VERSION, description: 'the version whose document to restore' }) })
const DAY = 86_400_000

/**
 * Nudges naming a template their channel does not have (every message would go to the dead
 * letter), at their field paths; channels without a catalogue here (webhook) are not checked.
 */
function missingTemplates(doc: RuleDocument, catalogues: Catalogues): FieldError[] {
  const errors: FieldError[] = []
  const check = (nudge: { channel: string; template: string }, path: string) => {
    if (catalogues.has(nudge.channel, nudge.template) !== false) return
    const known = catalogues.idsOf(nudge.channel)
    errors.push({ path, message: `no ${nudge.channel} template "${nudge.template}"${known.length > 0 ? `; the ${nudge.channel} templates are ${known.join(', ')}` : ''}` })
  }
  doc.actions.forEach((action, i) => {
    if ('nudge' in action) check(action.nudge, `/actions/${i}/nudge/template`)
    else if (action.task.fallback) check(action.task.fallback.nudge, `/actions/${i}/task/fallback/nudge/template`)
  })
  return errors
}

/** A rule document from a JSON object or a YAML / JSON text body, validated and compiled. */
function documentFrom(body: unknown, catalogues?: Catalogues): RuleDocument {
  let value = body
  if (typeof body === 'string') {
    const parsed = parseRuleText(body)
    if (!parsed.ok) throw new HttpError(400, 'invalid_rule', parsed.errors[0]?.message ?? 'unparseable', parsed.errors)
    value = parsed.value
  }
  const result = compileRule({ document: value })
  const errors = result.ok ? (catalogues ? missingTemplates(result.rule.document, catalogues) : []) : result.errors
  if (!result.ok || errors.length > 0) {
    throw new HttpError(400, 'invalid_rule', `rule is invalid: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, errors)
  }
  return result.rule.document
}

/** Enabling a rule whose newest version still needs approval. */
const needsApproval = (id: string, r: RuleRefusal): HttpError =>
  new HttpError(409, 'needs_approval', `version ${r.version} needs approval by a second person (POST /api/rules/${id}/versions/${r.version}/approve)`)

/** A document as the diff shows it: YAML, the way rules are written. */
const pretty = (document: unknown): string[] => splitLines(toYaml(document, { lineWidth: 0 }))

export async function ruleRoutes(app: FastifyInstance, deps: ApiDeps<'ops' | 'history' | 'clock' | 'onRulesChanged' | 'brokenRules'> & Partial<ApiDeps<'templates'>>): Promise<void> {
  const catalogues = deps.templates ? new Catalogues(deps.templates) : undefined
  const { clock } = deps
  const { rules } = deps.ops
  for (const type of ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain']) {
    app.addContentTypeParser(type, { parseAs: 'string' }, (_req, body, done) => done(null, body))
  }
  const view = (rule: StoredRule) => ({ ...rule, pendingApproval: rule.approved ? null : rule.version, problem: deps.brokenRules().get(rule.id) ?? null })
  const canRead = requireRole('ops', 'agent')
  const canWrite = requireRole('ops')
  const audited = { audited: true }

  app.get('/api/rules', { preHandler: canRead, schema: { tags: ['rules'], summary: 'All rules with their firing counts of the last 24 h' } }, async () => {
    const activity = new Map((await deps.history.ruleActivity(clock.now() - DAY)).map((a) => [a.rule_id, a]))
    const list = await rules.list()
    return {
      rules: list.map((r) => ({ ...view(r), last24h: activity.get(r.id) ?? { signals: 0, planned: 0, suppressed: 0 } })),
      approval: await rules.approvalPolicy(),
    }
  })

  app.get<{ Params: { id: string } }>('/api/rules/:id', { preHandler: canRead, schema: { tags: ['rules'], params: IdParams } }, async (request) => {
    const rule = await rules.get(request.params.id)
    if (!rule) throw new HttpError(404, 'not_found', `no rule ${request.params.id}`)
    return view(rule)
  })

  app.get<{ Params: { id: string } }>(
    '/api/rules/:id/versions',
    { preHandler: canRead, schema: { tags: ['rules'], summary: 'Every version, newest first: author, time, status (draft, approved, live, superseded)', params: IdParams } },
    async (request) => {
      const versions = await rules.versions(request.params.id)
      if (versions.length === 0) throw new HttpError(404, 'not_found', `no rule ${request.params.id}`)
      return { versions }
    },
  )

  app.get<{ Params: { id: string; v: number } }>('/api/rules/:id/versions/:v', { preHandler: canRead, schema: { tags: ['rules'], params: VersionParams } }, async (request) => {
    const version = await rules.version(request.params.id, request.params.v)
    if (!version) throw new HttpError(404, 'not_found', `no version ${request.params.v} of rule ${request.params.id}`)
    return version
  })

  app.get<{ Params: { id: string; v: number }; Querystring: { against?: number } }>(
    '/api/rules/:id/versions/:v/diff',
    { preHandler: canRead, schema: { tags: ['rules'], summary: 'Line diff of two versions (YAML), against the previous one by default', params: VersionParams, querystring: DiffQuery } },
    async (request) => {
      const { id, v } = request.params
      const against = request.query.against ?? v - 1
      const [target, base] = await Promise.all([rules.version(id, v), against > 0 ? rules.version(id, against) : Promise.resolve(undefined)])
      if (!target) throw new HttpError(404, 'not_found', `no version ${v} of rule ${id}`)
      if (against > 0 && !base) throw new HttpError(404, 'not_found', `no version ${against} of rule ${id}`)
      const diff = diffLines(base ? pretty(base.document) : [], pretty(target.document))
      return { ruleId: id, version: v, against: base ? against : null, added: diff.added, removed: diff.removed, lines: diff.lines, text: formatDiff(diff) }
    },
  )

  app.post('/api/rules/validate', { preHandler: canRead, schema: { tags: ['rules'], summary: 'Validate a rule document without saving it' } }, async (request) => {
    try {
      const document = documentFrom(request.body, catalogues)
      return { valid: true, document, errors: [], hints: await ruleHints(document, deps) }
    } catch (err) {
      if (err instanceof HttpError) return { valid: false, errors: err.errors ?? [] }
      throw err
    }
  })

  app.post<{ Querystring: { enabled?: boolean } }>(
    '/api/rules',
    {
      preHandler: canWrite,
      config: audited,
      schema: {
        tags: ['rules'],
        summary: 'Create a rule (JSON or YAML); with approval required it starts disabled until approved',
        querystring: Type.Object({ enabled: Type.Optional(Type.Boolean()) }),
      },
    },
    async (request, reply) => {
      const doc = documentFrom(request.body, catalogues)
      const created = await rules.create(doc.id, doc, request.query.enabled ?? true, actorOf(request), clock.now())
      if (!created) throw new HttpError(409, 'conflict', `rule ${doc.id} exists; update it with PUT /api/rules/${doc.id}`)
      await deps.onRulesChanged()
      return reply.status(201).send(view(created))
    },
  )

  app.put<{ Params: { id: string }; Querystring: { version?: number } }>(
    '/api/rules/:id',
    {
      preHandler: canWrite,
      config: audited,
      schema: {
        tags: ['rules'],
        summary: 'Save a new version of a rule; with approval required it is a draft until approved',
        params: IdParams,
        querystring: Type.Object({ version: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_VERSION })) }),
      },
    },
    async (request) => {
      const doc = documentFrom(request.body, catalogues)
      if (doc.id !== request.params.id) {
        throw new HttpError(400, 'invalid_rule', 'the document id must match the URL', [{ path: '/id', message: `must be "${request.params.id}"` }])
      }
      const result = await rules.update(doc.id, doc, actorOf(request), clock.now(), request.query.version)
      if (result === 'not_found') throw new HttpError(404, 'not_found', `no rule ${doc.id}`)
      if (result === 'conflict') throw new HttpError(409, 'conflict', `rule ${doc.id} changed since version ${request.query.version}`)
      await deps.onRulesChanged()
      return view(result)
    },
  )

  app.post<{ Params: { id: string; v: number } }>(
    '/api/rules/:id/versions/:v/approve',
    { preHandler: canWrite, config: audited, schema: { tags: ['rules'], summary: 'Approve the newest version (approver or admin, not its author); it goes live', params: VersionParams } },
    async (request) => {
      const { id, v } = request.params
      const subject = ruleApproval(rules, id)
      const rule = approvedOrThrow(subject, v, await approveVersion(subject, { version: v, actor: actorOf(request), now: clock.now() }))
      await deps.onRulesChanged()
      return view(rule)
    },
  )

  app.post<{ Params: { id: string }; Body: { version: number } }>(
    '/api/rules/:id/rollback',
    {
      preHandler: canWrite,
      config: audited,
      schema: { tags: ['rules'], summary: "Restore an earlier version's document as a new version (approval rules apply)", params: IdParams, body: RollbackBody },
    },
    async (request) => {
      const { id } = request.params
      const to = request.body.version
      const old = await rules.version(id, to)
      if (!old) throw new HttpError(404, 'not_found', `no version ${to} of rule ${id}`)
      // A document written by an older engine may no longer compile: refuse rather than store it.
      documentFrom(old.document)
      const result = await rules.rollback(id, to, actorOf(request), clock.now(), { selfApprove: mayApprove(actorOf(request)) })
      if (result === 'not_found') throw new HttpError(404, 'not_found', `no version ${to} of rule ${id}`)
      if (result === 'conflict') throw new HttpError(409, 'conflict', `rule ${id} changed during the rollback; try again`)
      await deps.onRulesChanged()
      return { ...view(result.rule), rolledBackTo: to }
    },
  )

  for (const action of ['enable', 'disable'] as const) {
    app.post<{ Params: { id: string } }>(`/api/rules/:id/${action}`, { preHandler: canWrite, config: audited, schema: { tags: ['rules'], params: IdParams } }, async (request) => {
      const rule = await rules.setEnabled(request.params.id, action === 'enable', actorOf(request), clock.now())
      if (!rule) throw new HttpError(404, 'not_found', `no rule ${request.params.id}`)
      if (isRefusal(rule)) throw needsApproval(request.params.id, rule)
      await deps.onRulesChanged()
      return view(rule)
    })
  }

  await app.register(auditRoutes, deps)
}
