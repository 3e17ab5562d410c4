// Liveness and readiness.
import type { FastifyInstance } from 'fastify'

export interface HealthOptions {
  checks: Record<string, () => Promise<boolean>>
}

export async function healthRoutes(app: FastifyInstance, options: HealthOptions): Promise<void> {
  app.get('/healthz', { schema: { tags: ['ops'], summary: 'The process is up' } }, async () => ({ status: 'ok' }))
  app.get('/readyz', { schema: { tags: ['ops'], summary: 'Stores reachable' } }, async (_request, reply) => {
    const results: Record<string, boolean> = {}
    for (const [name, check] of Object.entries(options.checks)) results[name] = await check().catch(() => false)
    const ready = Object.values(results).every(Boolean)
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks: results })
  })
}
