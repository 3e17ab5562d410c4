// Prometheus scrape endpoint. On the API's address it needs an API key (admin or ops) or the
// dedicated metrics token (CARELOOP_METRICS_TOKEN, for Prometheus' bearer_token). With
// CARELOOP_METRICS_LISTEN it is served instead on a separate address without auth, for setups
// where that address is reachable only by the scraper.
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify'
import type { Metrics } from '../../lib/metrics.ts'
import { requireRole } from '../plugins/auth.ts'

/**
 * Every metric that can be read: a gauge whose probe asks a store that is down is left out, so an
 * outage does not blind the scraper (registry.metrics() would fail as a whole).
 */
async function scrape(metrics: Metrics, reply: FastifyReply): Promise<FastifyReply> {
  const { registry } = metrics
  const texts = await Promise.all(registry.getMetricsAsArray().map((metric) => registry.getSingleMetricAsString(metric.name).catch(() => '')))
  return reply.type(registry.contentType).send(`${texts.filter(Boolean).join('\n\n')}\n`)
}

export async function metricsRoutes(app: FastifyInstance, options: { metrics: Metrics }): Promise<void> {
  app.get(
    '/metrics',
    {
      preHandler: requireRole('ops'),
      config: { acceptsMetricsToken: true },
      schema: { tags: ['ops'], summary: 'Prometheus metrics (API key of admin or ops, or the metrics token)', hide: true },
    },
    async (_request, reply) => scrape(options.metrics, reply),
  )
}

/** A separate HTTP server answering only GET /metrics, without auth; returns it listening. */
export async function startMetricsServer(metrics: Metrics, address: { host: string; port: number }): Promise<{ server: FastifyInstance; url: string }> {
  const server = Fastify({ logger: false })
  server.get('/metrics', async (_request, reply) => scrape(metrics, reply))
  server.setNotFoundHandler((request, reply) => reply.status(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url}` }))
  const url = await server.listen(address)
  return { server, url }
}
