// The HTTP server: Fastify with the API's plugins and routes, OpenAPI at /docs.
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { Counter } from 'prom-client'
import { decorateLinks, type LinkSettings } from '../channels/links.ts'
import { CONTENT_CHANNELS, createChannelRenderer, createTemplateRenderer, type TemplateOverrides } from '../channels/templates/index.ts'
import type { Clock } from '../lib/clock.ts'
import type { CustomerState } from '../model/customer.ts'
import type { Priority } from '../model/priority.ts'
import type { ShopInfo } from '../model/outbox.ts'
import type { Metrics } from '../lib/metrics.ts'
import type { IngestSink } from '../stream/ingest/IngestSink.ts'
import type { PipelineStatus } from '../stream/PipelineWatch.ts'
import type { HistoryStore } from '../store/history/HistoryStore.ts'
import type { OperationalStore } from '../store/operational/OperationalStore.ts'
import { consoleRoutes } from './console.ts'
import { registerErrorHandler } from './errors.ts'
import { authPlugin, type Principal } from './plugins/auth.ts'
import { finiteNumbersPlugin } from './plugins/finiteNumbers.ts'
import { IngestLimiter, type IngestLimitSettings } from './plugins/ingestLimits.ts'
import { routeTablePlugin } from './plugins/routeTable.ts'
import { textPolicy } from './plugins/textPolicy.ts'
import { customerRoutes } from './routes/customers.ts'
import { guardRoutes } from './routes/guards.ts'
import { handoffRoutes } from './routes/handoff.ts'
import { inboxRoutes } from './routes/inbox.ts'
import { analyticsRoutes } from './routes/analytics.ts'
import { liftRoutes } from './routes/lift.ts'
import { linkRoutes } from './routes/links.ts'
import { preferencesRoutes } from './routes/preferences.ts'
import { providerCallbackRoutes } from './routes/providerCallbacks.ts'
import { queueRoutes } from './routes/queues.ts'
import { replayRoutes } from './routes/replay.ts'
import { surveyRoutes } from './routes/surveys.ts'
import { templateRoutes } from './routes/templates.ts'
import { healthRoutes } from './routes/health.ts'
import { ingestRoutes } from './routes/ingest.ts'
import { meRoutes } from './routes/me.ts'
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
  links: LinkSettings
  shopperTokenSecret: string
  shop: ShopInfo
  talk: { queue: string; priority: Priority; slaMs: number }
  twilioAuthToken: string | undefined
  loadCustomer: (customerId: string) => Promise<CustomerState | undefined>
  /** Live stored template versions, shared with the senders; refreshed after template changes. */
  templateOverrides?: TemplateOverrides
  /** The stall watchdog's verdict, part of readiness. */
  pipeline?: () => Promise<PipelineStatus>
  /** Extra readiness checks (e.g. the Kafka cluster in scale-out mode). */
  readiness?: Record<string, () => Promise<boolean>>
  /** Bearer token accepted on /metrics besides admin and ops API keys. */
  metricsToken?: string
  /** false: /metrics is served on a separate address instead (CARELOOP_METRICS_LISTEN). */
  serveMetrics?: boolean
  /** Ingest back-pressure; none = unlimited. */
  ingestLimits?: IngestLimitSettings
}

export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: 4 * 1024 * 1024,
    // Signed link and callback tokens carry their payload and exceed the default 100 characters.
    routerOptions: { maxParamLength: 2048 },
    // Per-request lines would drown the log at ingest rates; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    ajv: { customOptions: { allErrors: true } },
  })
  // Refusals the operator should see: ingest back-pressure and store outages answered 503.
  const refused = new Counter({
    name: 'careloop_http_refused_total',
    help: 'Requests refused to protect the engine or because a store was unavailable (429, 503), by reason',
    labelNames: ['reason'],
    registers: [deps.metrics.registry],
  })
  registerErrorHandler(app, { onStoreUnavailable: () => refused.inc({ reason: 'store_unavailable' }) })
  // First: every route registered after it must declare roles or be on the public list.
  await app.register(routeTablePlugin)
  await app.register(finiteNumbersPlugin)
  await app.register(textPolicy, { onRepaired: (n) => deps.metrics.textRepaired.inc({ source: 'http' }, n) })
  await app.register(swagger, {
    openapi: {
      info: { title: 'careloop', version: deps.version, description: 'Proactive care engine: ingest, rules, tasks, timelines' },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' }, writeKey: { type: 'http', scheme: 'basic' } } },
    },
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
  await app.register(authPlugin, {
    configured: deps.apiKeys,
    settings: deps.ops.settings,
    audit: deps.ops.rules.audit,
    now: () => deps.clock.now(),
    ...(deps.metricsToken ? { metricsToken: deps.metricsToken } : {}),
  })
  await app.register(healthRoutes, { checks: { operational: () => deps.ops.ping(), history: () => deps.history.ping(), ...deps.readiness }, ...(deps.pipeline ? { pipeline: deps.pipeline } : {}) })
  if (deps.serveMetrics ?? true) await app.register(metricsRoutes, { metrics: deps.metrics })
  await app.register(ingestRoutes, {
    sink: deps.sink,
    deadLetters: deps.ops.deadLetters,
    writeKey: deps.writeKey,
    clock: deps.clock,
    onAccepted: (stored, _duplicates, rejected) => {
      deps.metrics.eventsIn.inc({ source: 'http' }, stored)
      if (rejected > 0) deps.metrics.deadLetters.inc({ source: 'http' }, rejected)
    },
    ...(deps.ingestLimits ? { limits: new IngestLimiter(deps.ingestLimits, deps.clock) } : {}),
    onRefused: (reason) => refused.inc({ reason }),
  })
  await app.register(ruleRoutes, { rules: deps.ops.rules, history: deps.history, clock: deps.clock, onChange: deps.onRulesChanged, broken: deps.brokenRules })
  await app.register(taskRoutes, { tasks: deps.ops.tasks, contacts: deps.ops.contacts, history: deps.history, clock: deps.clock, ops: deps.ops, links: deps.links, shop: deps.shop, metrics: deps.metrics })
  await app.register(customerRoutes, { history: deps.history, ops: deps.ops, clock: deps.clock })
  await app.register(guardRoutes, { settings: deps.ops.settings })
  await app.register(meRoutes)
  await app.register(liftRoutes, { history: deps.history, clock: deps.clock })
  await app.register(analyticsRoutes, { history: deps.history, ops: deps.ops, clock: deps.clock })
  await app.register(replayRoutes, { ops: deps.ops, history: deps.history, clock: deps.clock, logger: deps.logger })
  await app.register(consoleRoutes)
  await app.register(queueRoutes, { queues: deps.ops.queues, clock: deps.clock })
  await app.register(handoffRoutes, { ops: deps.ops, history: deps.history, clock: deps.clock, shop: deps.shop })
  const overrides = { overrides: deps.templateOverrides }
  await app.register(templateRoutes, {
    email: createTemplateRenderer(overrides),
    channels: Object.fromEntries(CONTENT_CHANNELS.map((c) => [c, createChannelRenderer(c, overrides)])),
    store: deps.ops.templates,
    ...(deps.templateOverrides ? { overrides: deps.templateOverrides } : {}),
    loadCustomer: deps.loadCustomer,
    shop: deps.shop,
    clock: deps.clock,
    // A preview shows the links a real send would carry (signed, click-tracked).
    decorate: (vars, customerId, channel) => ({ ...vars, links: decorateLinks(deps.links, { outboxId: 'preview', customerId, channel, topic: 'care' }, vars.links ?? {}) }),
  })
  // Shopper-facing and public routes: no API key; shopper tokens or signed links instead.
  await app.register(inboxRoutes, { inbox: deps.ops.inbox, secret: deps.shopperTokenSecret, clock: deps.clock })
  await app.register(preferencesRoutes, { consent: deps.ops.consent, secret: deps.shopperTokenSecret, clock: deps.clock })
  await app.register(linkRoutes, { secret: deps.links.secret, ops: deps.ops, history: deps.history, clock: deps.clock, shop: deps.shop, talk: deps.talk })
  await app.register(surveyRoutes, { surveys: deps.ops.surveys, secret: deps.links.secret, history: deps.history, sink: deps.sink, clock: deps.clock, shop: deps.shop })
  await app.register(providerCallbackRoutes, {
    secret: deps.links.secret,
    twilioAuthToken: deps.twilioAuthToken,
    publicUrl: deps.links.publicUrl,
    outbox: deps.ops.outbox,
    history: deps.history,
    sink: deps.sink,
    clock: deps.clock,
  })
  return app
}
