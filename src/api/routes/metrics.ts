// Prometheus scrape endpoint.
import type { FastifyInstance } from 'fastify'
import type { Metrics } from '../../lib/metrics.ts'

export async function metricsRoutes(app: FastifyInstance, options: { metrics: Metrics }): Promise<void> {
  app.get('/metrics', { schema: { tags: ['ops'], summary: 'Prometheus metrics', hide: true } }, async (_request, reply) => {
    const { registry } = options.metrics
    return reply.type(registry.contentType).send(await registry.metrics())
  })
}
