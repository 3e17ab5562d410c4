// The shop's guard policy (caps, quiet hours, conflicts): read by agents and ops, changed by ops.
// A PUT merges the given fields into the stored policy; the dispatcher reads it on every pass.
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { DEFAULT_GUARD_POLICY, GUARD_POLICY_SETTING, GuardPolicySchema, type GuardPolicy } from '../../channels/guards/index.ts'
import { loadGuardPolicy } from '../../channels/SendGuard.ts'
import type { ApiDeps } from '../context.ts'
import { requireRole } from '../plugins/auth.ts'

const PolicyPatch = Type.Partial(GuardPolicySchema)

export async function guardRoutes(app: FastifyInstance, deps: ApiDeps<'ops'>): Promise<void> {
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
}
