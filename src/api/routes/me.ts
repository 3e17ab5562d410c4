// Who is calling: the console uses it to sign in and to show what the role may do.
import type { FastifyInstance } from 'fastify'
import { requireRole } from '../plugins/auth.ts'

export async function meRoutes(app: FastifyInstance): Promise<void> {
  app.get('/api/me', { preHandler: requireRole('ops', 'agent'), schema: { tags: ['session'], summary: 'The caller: name and role' } }, async (request) => ({
    name: request.principal?.name ?? '',
    role: request.principal?.role,
  }))
}
