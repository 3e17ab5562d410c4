// The audit log (who did what, newest first) and the four-eyes setting for rule changes.
// ruleRoutes registers this plugin itself; registering it again (e.g. from server.ts) is harmless:
// the second registration sees the routes exist and adds nothing.
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { AUDIT_MAX_LIMIT } from '../../store/operational/AuditStore.ts'
import type { ApiDeps } from '../context.ts'
import { HttpError } from '../errors.ts'
import { requireRole } from '../plugins/auth.ts'
import { actorOf } from '../principal.ts'

const AuditQuery = Type.Object({
  entity: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: 'entity type: rule, setting, api' })),
  id: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'entity id, e.g. a rule id' })),
  actor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  action: Type.Optional(Type.String({ minLength: 1, maxLength: 60, description: 'e.g. rule.update, rule.approve, api.write' })),
  from: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'entries at or after this time (epoch ms)' })),
  to: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'entries before this time (epoch ms)' })),
  before: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'entries older than this entry id (paging)' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: AUDIT_MAX_LIMIT })),
})
type AuditQuery = { entity?: string; id?: string; actor?: string; action?: string; from?: number; to?: number; before?: number; limit?: number }

const ApprovalBody = Type.Object({ required: Type.Boolean() }, { additionalProperties: false })

export async function auditRoutes(app: FastifyInstance, deps: ApiDeps<'ops' | 'clock'>): Promise<void> {
  if (app.hasRoute({ method: 'GET', url: '/api/audit' })) return
  const { clock } = deps
  const { rules } = deps.ops
  // One audit table for rules, templates, settings and API writes.
  const audit = rules.audit

  app.get<{ Querystring: AuditQuery }>(
    '/api/audit',
    { preHandler: requireRole('ops'), schema: { tags: ['audit'], summary: 'Who did what: rule changes, approvals, enable / disable, settings, API writes; newest first', querystring: AuditQuery } },
    async (request) => {
      const q = request.query
      if (q.from !== undefined && q.to !== undefined && q.to <= q.from) throw new HttpError(400, 'invalid_request', 'to must be after from', [{ path: '/to', message: 'must be after from' }])
      const entries = await audit.list({
        ...(q.entity !== undefined ? { entityType: q.entity } : {}),
        ...(q.id !== undefined ? { entityId: q.id } : {}),
        ...(q.actor !== undefined ? { actor: q.actor } : {}),
        ...(q.action !== undefined ? { action: q.action } : {}),
        ...(q.from !== undefined ? { from: q.from } : {}),
        ...(q.to !== undefined ? { to: q.to } : {}),
        ...(q.before !== undefined ? { before: q.before } : {}),
        limit: q.limit ?? 100,
      })
      return { entries }
    },
  )

  app.get('/api/settings/approval', { preHandler: requireRole('ops'), schema: { tags: ['audit'], summary: 'Whether rule changes need a second person (four eyes)' } }, async () => ({
    approval: await rules.approvalPolicy(),
  }))

  app.put<{ Body: { required: boolean } }>(
    '/api/settings/approval',
    { preHandler: requireRole(), config: { audited: true }, schema: { tags: ['audit'], summary: 'Switch four eyes for rule changes on or off (admin)', body: ApprovalBody } },
    async (request) => {
      const { after } = await rules.setApprovalPolicy({ required: request.body.required }, actorOf(request), clock.now())
      return { approval: after }
    },
  )
}
