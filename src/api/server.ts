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
import type { ShopInfo } from '../model/outbox.ts'
import type { Metrics } from '../lib/metrics.ts'
import type { IngestSink } from '../stream/ingest/IngestSink.ts'
import type { PipelineStatus } from '../stream/PipelineWatch.ts'
import type { HistoryStore } from '../store/history/HistoryStore.ts'
import type { OperationalStore } from '../store/operational/OperationalStore.ts'
import type { TalkSettings } from '../care/talkToPerson.ts'
import { consoleRoutes } from './console.ts'
import type { ApiContext, PrivacySettings } from './context.ts'
import { frameworkErrors, registerErrorHandler } from './errors.ts'
import { authPlugin, hashKey, type Principal } from './plugins/auth.ts'
import { finiteNumbersPlugin } from './plugins/finiteNumbers.ts'
import { IngestLimiter, type IngestLimitSettings } from './plugins/ingestLimits.ts'
import { routeTablePlugin } from './plugins/routeTable.ts'
import { textPolicy } from './plugins/textPolicy.ts'
import { customerRoutes } from './routes/customers.ts'
import { deadLetterRoutes } from './routes/deadLetters.ts'
import { identityRoutes } from './routes/identity.ts'
import { guardRoutes } from './routes/guards.ts'
import { handoffRoutes } from './routes/handoff.ts'
import { helpdeskRoutes } from './routes/helpdesk.ts'
import { inboxRoutes } from './routes/inbox.ts'
import { analyticsRoutes } from './routes/analytics.ts'
import { liftRoutes } from './routes/lift.ts'
import { reachedFirstRoutes } from './routes/reachedFirst.ts'
import { reportRoutes } from './routes/reports.ts'
import { linkRoutes } from './routes/links.ts'
import { preferencesRoutes } from './routes/preferences.ts'
import { privacyRoutes } from './routes/privacy.ts'
import { providerCallbackRoutes } from './routes/providerCallbacks.ts'
import { queueRoutes } from './routes/queues.ts'
import { replayRoutes } from './routes/replay.ts'
import { sweepRoutes } from './routes/sweep.ts'
import { surveyRoutes } from './routes/surveys.ts'
import { templateRoutes } from './routes/templates/index.ts'
import { healthRoutes } from './routes/health.ts'
import { KeyDirectory } from './plugins/keyDirectory.ts'
import { ingestRoutes } from './routes/ingest.ts'
import { keyRoutes } from './routes/keys.ts'
import { dwellRoutes } from './routes/dwell.ts'
import { feedbackRoutes } from './routes/feedback.ts'
import { meRoutes } from './routes/me.ts'
import { metricsRoutes } from './routes/metrics.ts'
import { ruleRoutes } from './routes/rules.ts'
import { taskRoutes } from './routes/tasks/index.ts'
import { webhookRoutes } from './routes/webhooks.ts'

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
  talk: TalkSettings
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
  /** Erasure's mail folder and engine hook. */
  privacy?: PrivacySettings
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
    frameworkErrors,
  })
  // Refusals the operator should see: ingest back-pressure and store outages answered 503.
  const refused = new Counter({
    name: 'careloop_http_refused_total',
    help: 'Requests refused to protect the engine or because a store was unavailable (429, 503), by reason',
    labelNames: ['reason'],
    registers: [deps.metrics.registry],
  })
  const ctx = apiContext(deps)
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
  const keys = new KeyDirectory(deps.ops.apiKeys, () => deps.clock.now(), deps.logger)
  await app.register(authPlugin, {
    configured: deps.apiKeys,
    settings: deps.ops.settings,
    keys,
    audit: deps.ops.rules.audit,
    now: () => deps.clock.now(),
    ...(deps.metricsToken ? { metricsToken: deps.metricsToken } : {}),
    writeKeyHash: hashKey(deps.writeKey),
  })
  await app.register(healthRoutes, { checks: { operational: () => deps.ops.ping(), history: () => deps.history.ping(), ...deps.readiness }, ...(deps.pipeline ? { pipeline: deps.pipeline } : {}) })
  if (deps.serveMetrics ?? true) await app.register(metricsRoutes, { metrics: deps.metrics })
  await app.register(ingestRoutes, {
    sink: deps.sink,
    deadLetters: deps.ops.deadLetters,
    writeKey: deps.writeKey,
    keys,
    clock: deps.clock,
    onAccepted: (stored, _duplicates, rejected) => {
      deps.metrics.eventsIn.inc({ source: 'http' }, stored)
      if (rejected > 0) deps.metrics.deadLetters.inc({ source: 'http' }, rejected)
    },
    ...(deps.ingestLimits ? { limits: new IngestLimiter(deps.ingestLimits, deps.clock) } : {}),
    onRefused: (reason) => refused.inc({ reason }),
  })
  await app.register(dwellRoutes)
  await app.register(ruleRoutes, ctx)
  await app.register(taskRoutes, ctx)
  await app.register(customerRoutes, ctx)
  await app.register(identityRoutes, ctx)
  await app.register(privacyRoutes, ctx)
  await app.register(guardRoutes, ctx)
  await app.register(meRoutes)
  await app.register(liftRoutes, ctx)
  await app.register(analyticsRoutes, ctx)
  await app.register(reachedFirstRoutes, ctx)
  await app.register(replayRoutes, ctx)
  await app.register(sweepRoutes, ctx)
  await app.register(consoleRoutes)
  await app.register(queueRoutes, ctx)
  await app.register(handoffRoutes, ctx)
  await app.register(templateRoutes, ctx)
  await app.register(keyRoutes, ctx)
  await app.register(webhookRoutes, ctx)
  await app.register(feedbackRoutes, ctx)
  await app.register(reportRoutes, ctx)
  await app.register(deadLetterRoutes, ctx)
  // Shopper-facing and public routes: no API key; shopper tokens or signed links instead.
  await app.register(inboxRoutes, ctx)
  await app.register(preferencesRoutes, ctx)
  await app.register(linkRoutes, ctx)
  await app.register(surveyRoutes, ctx)
  await app.register(providerCallbackRoutes, ctx)
  await app.register(helpdeskRoutes, ctx)
  return app
}

function apiContext(deps: ServerDeps): ApiContext {
  const overrides = { overrides: deps.templateOverrides }
  return {
    ops: deps.ops,
    history: deps.history,
    sink: deps.sink,
    clock: deps.clock,
    logger: deps.logger,
    metrics: deps.metrics,
    shop: deps.shop,
    links: deps.links,
    talk: deps.talk,
    shopperTokenSecret: deps.shopperTokenSecret,
    twilioAuthToken: deps.twilioAuthToken,
    onRulesChanged: deps.onRulesChanged,
    brokenRules: deps.brokenRules,
    loadCustomer: deps.loadCustomer,
    privacy: deps.privacy ?? {},
    templates: {
      email: createTemplateRenderer(overrides),
      channels: Object.fromEntries(CONTENT_CHANNELS.map((c) => [c, createChannelRenderer(c, overrides)])),
      store: deps.ops.templates,
      overrides: deps.templateOverrides,
      // A preview shows the links a real send would carry (signed, click-tracked).
      decorate: (vars, customerId, channel) => ({ ...vars, links: decorateLinks(deps.links, { outboxId: 'preview', customerId, channel, topic: 'care' }, vars.links ?? {}) }),
    },
  }
}
