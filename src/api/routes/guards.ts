// The shop's guard policy (caps, quiet hours, conflicts): read by agents and ops, changed by ops.
// A PUT merges the given fields into the stored policy; the dispatcher reads it on every pass.
// A preview compares a draft with the stored policy over recent messages (src/care/guardPolicyPreview.ts).
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { DEFAULT_GUARD_POLICY, GUARD_POLICY_SETTING, GuardPolicySchema, type GuardPolicy } from '../../channels/guards/index.ts'
import { loadGuardPolicy } from '../../channels/SendGuard.ts'
import { previewGuardPolicy } from '../../care/guardPolicyPreview.ts'
import type { ApiDeps } from '../context.ts'
import { requireRole } from '../plugins/auth.ts'

const PolicyPatch = Type.Partial(GuardPolicySchema)
const PreviewBody = Type.Object(
  {
    /** The draft: fields over the stored policy, as a PUT would merge them. */
    policy: PolicyPatch,
    days: Type.Optional(Type.Integer({ minimum: 1, maximum: 30, description: 'how many days of recorded messages to compare over (default 7)' })),
  },
  { additionalProperties: false },
)
const DAY_MS = 86_400_000
/** Messages read from history for one preview; the answer says when there were more. */
const PREVIEW_LIMIT = 50_000

export async function guardRoutes(app: FastifyInstance, deps: ApiDeps<'ops' | 'history' | 'clock'>): Promise<void> {
  const { settings } = deps.ops
  const current = (): Promise<GuardPolicy> => loadGuardPolicy(settings)

  app.get('/api/guard-policy', { preHandler: requireRole('ops', 'agent'), schema: { tags: ['guards'], summary: 'Frequency caps, quiet hours, conflict window' } }, async () => ({
    policy: await current(),
    defaults: DEFAULT_GUARD_POLICY,
  }))

  app.put<{ Body: Partial<GuardPolicy> }>(
    '/api/guard-policy',
    { preHandler: requireRole('ops'), schema: { tags: ['guards'], summary: 'Change some fields of the guard policy', body: PolicyPatch } },
    async (request) => {
      const policy: GuardPolicy = { ...(await current()), ...request.body }
      await settings.put(GUARD_POLICY_SETTING, policy)
      return { policy }
    },
  )

  app.post<{ Body: { policy: Partial<GuardPolicy>; days?: number } }>(
    '/api/guard-policy/preview',
    {
      preHandler: requireRole('ops'),
      schema: { tags: ['guards'], summary: 'What a draft policy would have held, delayed or let through over the recorded messages of the last days', body: PreviewBody },
    },
    async (request) => {
      const current = await loadGuardPolicy(settings)
      const days = request.body.days ?? 7
      const to = deps.clock.now()
      const preview = await previewGuardPolicy(deps, { current, draft: { ...current, ...request.body.policy }, from: Math.max(0, to - days * DAY_MS), to, limit: PREVIEW_LIMIT })
      return { days, ...preview }
    },
  )
}
