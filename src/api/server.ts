// The HTTP server: Fastify with the API's plugins and routes, OpenAPI at /docs.
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { Clock } from '../lib/clock.ts'
import type { Metrics } from '../lib/metrics.ts'
import type { IngestSink } from '../stream/ingest/IngestSink.ts'
import type { HistoryStore } from '../store/history/HistoryStore.ts'
import type { OperationalStore } from '../store/operational/OperationalStore.ts'
import { registerErrorHandler } from './errors.ts'
import { authPlugin, type Principal } from './plugins/auth.ts'
import { customerRoutes } from './routes/customers.ts'
import { guardRoutes } from './routes/guards.ts'
import { healthRoutes } from './routes/health.ts'
import { ingestRoutes } from './routes/ingest.ts'
import { metricsRoutes } from './routes/metrics.ts'
import { ruleRoutes } from './routes/rules.ts'
import { taskRoutes } from './routes/tasks.ts'

export interface ServerDeps {
  ops: OperationalStore
  history: HistoryStore
  sink: IngestSink
  clock: Clock
  logger: Logger
  writeKey: string
  apiKeys: Map<string, Principal>
  onRulesChanged: () => Promise<void>
  brokenRules: () => ReadonlyMap<string, string>
  version: string
  metrics: Metrics
  /** Extra readiness checks (e.g. the Kafka cluster in scale-out mode). */
  readiness?: Record<string, () => Promise<boolean>>
}

export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: 4 * 1024 * 1024,
    // Per-request lines would drown the log at ingest rates; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    ajv: { customOptions: { allErrors: true } },
  })
  registerErrorHandler(app)
  await app.register(swagger, {
    openapi: {
      info: { title: 'careloop', version: deps.version, description: 'Proactive care engine: ingest, rules, tasks, timelines' },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' }, writeKey: { type: 'http', scheme: 'basic' } } },
    },
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
  await app.register(authPlugin, { configured: deps.apiKeys, settings: deps.ops.settings })
  await app.register(healthRoutes, { checks: { operational: () => deps.ops.ping(), history: () => deps.history.ping(), ...deps.readiness } })
  await app.register(metricsRoutes, { metrics: deps.metrics })
  await app.register(ingestRoutes, {
    sink: deps.sink,
    deadLetters: deps.ops.deadLetters,
    writeKey: deps.writeKey,
    clock: deps.clock,
    onAccepted: (stored, _duplicates, rejected) => {
      deps.metrics.eventsIn.inc({ source: 'http' }, stored)
      if (rejected > 0) deps.metrics.deadLetters.inc({ source: 'http' }, rejected)
    },
  })
  await app.register(ruleRoutes, { rules: deps.ops.rules, history: deps.history, clock: deps.clock, onChange: deps.onRulesChanged, broken: deps.brokenRules })
  await app.register(taskRoutes, { tasks: deps.ops.tasks, contacts: deps.ops.contacts, history: deps.history, clock: deps.clock })
  await app.register(customerRoutes, { history: deps.history, ops: deps.ops, clock: deps.clock })
  await app.register(guardRoutes, { settings: deps.ops.settings })
  return app
}
