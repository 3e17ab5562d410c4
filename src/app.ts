// The composition root: opens the stores, wires source → engine → outbox → channels, the jobs
// and the HTTP server. Embedded mode: PGlite + chDB in one process, nothing else needed.
import { randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { pino, type Logger } from 'pino'
import { parseApiKeys } from './api/plugins/auth.ts'
import { newSecret as newKeySecret } from './care/keys/keyInput.ts'
import { startMetricsServer } from './api/routes/metrics.ts'
import { buildServer } from './api/server.ts'
import { defaultSenders } from './channels/defaultSenders.ts'
import { Dispatcher } from './channels/Dispatcher.ts'
import type { LinkSettings } from './channels/links.ts'
import { TemplateOverrides } from './channels/templates/overrides.ts'
import type { ChannelSender } from './channels/types.ts'
import type { Config } from './config.ts'
import { JobScheduler } from './jobs/JobScheduler.ts'
import { dispatchAll } from './jobs/outbox.ts'
import { SlaJob } from './jobs/SlaJob.ts'
import { RetentionJob } from './jobs/RetentionJob.ts'
import { CarrierGraceJob } from './jobs/CarrierGraceJob.ts'
import { TaskWebhookJob } from './jobs/TaskWebhookJob.ts'
import { jobTable, JobWakeups, type JobDependencies } from './jobs/table.ts'
import { systemClock, type Clock } from './lib/clock.ts'
import { redactingLogger } from './lib/logRedaction.ts'
import { Metrics } from './lib/metrics.ts'
import { createMoney } from './lib/money.ts'
import { Engine } from './stream/Engine.ts'
import { PipelineWatch } from './stream/PipelineWatch.ts'
import { EmbeddedIngestSink } from './stream/ingest/IngestSink.ts'
import { installStarterPack, RuleRegistry } from './stream/RuleRegistry.ts'
import type { IngestSink } from './stream/ingest/IngestSink.ts'
import { openKafkaMode, type KafkaMode } from './stream/kafka/KafkaMode.ts'
import { EMBEDDED_PARTITION, EMBEDDED_SOURCE, EmbeddedLogSource } from './stream/source/EmbeddedLogSource.ts'
import type { EventSource } from './stream/source/EventSource.ts'
import type { HistoryStore } from './store/history/HistoryStore.ts'
import type { OperationalStore } from './store/operational/OperationalStore.ts'
import { openStores, spoolDepth } from './stores.ts'
import { SpooledHistoryStore } from './store/spool/SpooledHistoryStore.ts'

export const VERSION = '0.1.0'

export interface CareloopOptions {
  config: Config
  clock?: Clock
  logger?: Logger
  /** Channel senders replacing the configured ones for their channels (tests, custom providers). */
  senders?: ChannelSender[]
  /** Wake the outbox and timer loops on the engine's writes (default true; off = polling only, for the latency benchmark's baseline). */
  wakeups?: boolean
}

/** Secrets created on first start, shown once to whoever started the engine. */
export interface GeneratedCredentials {
  writeKey?: string
  adminKey?: string
}

function newSecret(prefix: string): string {
  return `${prefix}_${randomBytes(18).toString('base64url')}`
}

async function ensureWriteKey(config: Config, ops: OperationalStore, generated: GeneratedCredentials): Promise<string> {
  if (config.writeKey) return config.writeKey
  const existing = await ops.settings.get<string>('write_key')
  if (existing) return existing
  const key = await ops.settings.putIfAbsent('write_key', newSecret('wk'))
  generated.writeKey = key
  return key
}

/** A secret from the config, else the one generated on first start and kept in the store. */
async function ensureSecret(configured: string | undefined, ops: OperationalStore, key: string, prefix: string): Promise<string> {
  if (configured) return configured
  return (await ops.settings.get<string>(key)) ?? (await ops.settings.putIfAbsent(key, newSecret(prefix)))
}

async function ensureAdminKey(ops: OperationalStore, configured: number, now: number, generated: GeneratedCredentials): Promise<void> {
  if (configured > 0 || (await ops.settings.apiKeyCount()) > 0) return
  const { secret, fields } = newKeySecret('admin')
  await ops.apiKeys.create({ ...fields, name: 'first-admin', role: 'admin', source: null }, 'careloop', now)
  generated.adminKey = secret
}

interface Credentials {
  writeKey: string
  linkSecret: string
  shopperTokenSecret: string
  generated: GeneratedCredentials
}

async function ensureCredentials(config: Config, ops: OperationalStore, configuredApiKeys: number, now: number): Promise<Credentials> {
  const generated: GeneratedCredentials = {}
  const writeKey = await ensureWriteKey(config, ops, generated)
  await ensureAdminKey(ops, configuredApiKeys, now, generated)
  const linkSecret = await ensureSecret(config.linkSecret, ops, 'link_secret', 'ls')
  const shopperTokenSecret = await ensureSecret(config.shopperTokenSecret, ops, 'shopper_token_secret', 'st')
  return { writeKey, linkSecret, shopperTokenSecret, generated }
}

/** Where events come in and where ingest puts them: the embedded log, or Kafka in scale-out mode. */
interface EventInput {
  source: EventSource
  sink: IngestSink
  embedded: EmbeddedLogSource | undefined
  kafka: KafkaMode | undefined
  /** Records not yet processed, by partition. */
  lag(): Promise<Map<number, number>>
}

async function openEventInput(config: Config, ops: OperationalStore, logger: Logger, onAssignmentChange: () => void): Promise<EventInput> {
  if (config.kafka) {
    const kafka = await openKafkaMode(config.kafka, { logger, onAssignmentChange })
    return { source: kafka.source, sink: kafka.sink, embedded: undefined, kafka, lag: async () => kafka.source.lag() }
  }
  const embedded = new EmbeddedLogSource(ops.log, ops.engine, {
    ...(config.eventBatch === undefined ? {} : { batchSize: config.eventBatch }),
    onError: (err, retryInMs) => logger.error({ err, retryInMs }, 'event batch failed; will retry'),
  })
  const sink = new EmbeddedIngestSink(ops.log, EMBEDDED_PARTITION, () => embedded.notify(), embedded.pressure)
  return { source: embedded, sink, embedded, kafka: undefined, lag: async () => embedded.lag() }
}

/** Signs and verifies the links in messages; their base is known once the server listens. */
export type PublicLinks = LinkSettings & { setPublicUrl(url: string): void }

/** Everything a running careloop is made of; Careloop.open builds it from the config. */
export interface CareloopDependencies extends JobDependencies {
  taskWebhooks: TaskWebhookJob
  config: Config
  ops: OperationalStore
  history: HistoryStore
  metrics: Metrics
  source: EventSource
  /** Set in embedded mode: the log this process reads. */
  embedded: EmbeddedLogSource | undefined
  /** Set in scale-out mode. */
  kafka: KafkaMode | undefined
  server: FastifyInstance
  writeKey: string
  generated: GeneratedCredentials
  /** Closed on stop(). */
  senders: ChannelSender[]
  /** Signs and verifies the links in messages (unsubscribe, talk to a person, tracking). */
  links: PublicLinks
  /** Verifies shopper tokens (inbox, preferences); shops mint them with the same secret. */
  shopperTokenSecret: string
}

/** A running careloop: its parts (see CareloopDependencies) and their lifecycle. */
export class Careloop {
  readonly config: Config
  readonly ops: OperationalStore
  readonly history: HistoryStore
  readonly engine: Engine
  readonly dispatcher: Dispatcher
  readonly source: EventSource
  readonly embedded: EmbeddedLogSource | undefined
  readonly kafka: KafkaMode | undefined
  readonly server: FastifyInstance
  readonly rules: RuleRegistry
  readonly writeKey: string
  readonly generated: GeneratedCredentials
  readonly logger: Logger
  readonly links: PublicLinks
  readonly shopperTokenSecret: string
  readonly sla: SlaJob
  /** Removes records past their retention period; run by the job table daily, or by tests with an injected clock. */
  readonly retention: RetentionJob | undefined
  readonly taskWebhooks: TaskWebhookJob
  readonly templateOverrides: TemplateOverrides
  readonly watch: PipelineWatch
  private readonly senders: ChannelSender[]
  private readonly scheduler: JobScheduler
  /** Set with CARELOOP_METRICS_LISTEN: /metrics on its own address, opened by listen(). */
  private readonly openMetricsEndpoint: (() => Promise<{ server: FastifyInstance; url: string }>) | undefined
  private metricsEndpoint: { server: FastifyInstance; url: string } | undefined
  private listening: string | undefined

  private constructor(deps: CareloopDependencies) {
    this.config = deps.config
    this.ops = deps.ops
    this.history = deps.history
    this.engine = deps.engine
    this.dispatcher = deps.dispatcher
    this.source = deps.source
    this.embedded = deps.embedded
    this.kafka = deps.kafka
    this.server = deps.server
    this.rules = deps.rules
    this.writeKey = deps.writeKey
    this.generated = deps.generated
    this.logger = deps.logger
    this.links = deps.links
    this.shopperTokenSecret = deps.shopperTokenSecret
    this.sla = deps.sla
    this.retention = deps.retention
    this.taskWebhooks = deps.taskWebhooks
    this.templateOverrides = deps.templateOverrides
    this.watch = deps.watch
    this.senders = deps.senders
    this.scheduler = new JobScheduler(jobTable(deps), deps.logger)
    deps.wakeups.attach(this.scheduler)
    const metricsAddress = deps.config.metricsListen
    this.openMetricsEndpoint = metricsAddress ? () => startMetricsServer(deps.metrics, metricsAddress) : undefined
  }

  static async open(options: CareloopOptions): Promise<Careloop> {
    const { config } = options
    const clock = options.clock ?? systemClock
    const logger = redactingLogger(options.logger ?? pino({ level: config.logLevel }))
    const { ops, history } = await openStores(config, { clock, logger })
    const apiKeys = parseApiKeys(config.apiKeys)
    const { writeKey, linkSecret, shopperTokenSecret, generated } = await ensureCredentials(config, ops, apiKeys.size, clock.now())
    // Links point at CARELOOP_PUBLIC_URL, else at where this process listens (known after listen()).
    let publicBase = config.publicUrl ?? `http://${config.host}:${config.port}`
    const links: PublicLinks = { secret: linkSecret, publicUrl: () => publicBase, setPublicUrl: (url: string) => void (publicBase = config.publicUrl ?? url) }
    await installStarterPack(ops.rules, ops.settings, clock.now())
    const rules = new RuleRegistry(ops.rules)
    await rules.refresh(true)
    for (const [id, problem] of rules.broken) logger.error({ rule: id, problem }, 'stored rule does not compile; skipped')
    const shop = { name: config.shopName, url: config.shopUrl }
    // The source comes first (the engine is named after it); its assignment changes reach the
    // engine late-bound.
    let engineRef: Engine | undefined
    const { source, sink, embedded, kafka, lag } = await openEventInput(config, ops, logger, () => void engineRef?.forgetState())
    const watch = new PipelineWatch({
      clock,
      stallMs: config.stallMs,
      backlog: async () => [...(await lag()).values()].reduce((a, b) => a + b, 0),
      earliestTimer: () => ops.engine.nextTimerDue(source.partitions()),
    })
    const metrics = new Metrics({
      timerBacklog: () => ops.engine.pendingTimerCount(),
      outboxBacklog: () => ops.outbox.backlog(),
      lag,
      pipeline: () => watch.status,
      ...(history instanceof SpooledHistoryStore ? { historySpool: () => spoolDepth(history, clock) } : {}),
    })
    const wakeups = new JobWakeups(clock, options.wakeups ?? true)
    const engine = new Engine({
      ops,
      history,
      rules,
      clock,
      logger,
      shop,
      sourceName: source.name,
      metrics,
      settleMs: config.absenceSettleMs,
      money: createMoney(config.shopCurrency, config.currencyRates),
      onProgress: (now) => watch.progressed(now),
      onCommitted: wakeups.committed,
      // Both stores are servers: history is appended while the operational transaction is built.
      overlapHistory: config.databaseUrl !== undefined && config.clickhouseUrl !== undefined,
      stateCacheSize: config.stateCacheSize,
      stateCacheBytes: config.stateCacheBytes,
      stateCacheHot: config.stateCacheHot,
      ...(embedded ? { turn: embedded.turn } : {}),
      ...(kafka
        ? {
            onDeadLetters: (letters, records) => kafka.deadLetters.publish(records.map((record, i) => ({ record, reason: letters[i]?.reason ?? 'invalid' }))),
            // Merge steps and forwarded events go to their customer's owner through the events topic.
            handOff: async (records) => void (await kafka.sink.accept(records.map((h) => ({ messageId: h.logId, customerId: h.key, receivedAt: clock.now(), body: h.body })))),
            // The consumer hands over several partitions' batches at once: one step takes them together.
            gatherBatches: true,
          }
        : {}),
    })
    engineRef = engine
    const templateOverrides = new TemplateOverrides(ops.templates, logger)
    await templateOverrides.refresh()
    const overrides = new Set((options.senders ?? []).map((s) => s.channel))
    const senders = [...defaultSenders(config, { inbox: ops.inbox, clock, links, overrides: templateOverrides }).filter((s) => !overrides.has(s.channel)), ...(options.senders ?? [])]
    const dispatcher = new Dispatcher({ ops, history, clock, logger, metrics, leaseMs: config.outboxLeaseMs, addressWaitMs: config.addressWaitMs, senders: new Map(senders.map((s) => [s.channel, s])), links })
    // With an embedded store this process is the only sender: anything left mid-send by a crash
    // is due now. With a shared server other processes may hold leases, which expire on their own.
    if (!config.databaseUrl) await ops.outbox.releaseLeases(clock.now())
    const server = await buildServer({
      ops,
      history,
      sink,
      clock,
      logger,
      writeKey,
      apiKeys,
      onRulesChanged: async () => void (await rules.refresh()),
      brokenRules: () => rules.broken,
      version: VERSION,
      metrics,
      links,
      shopperTokenSecret,
      shop,
      talk: config.talk,
      twilioAuthToken: config.twilio?.authToken,
      loadCustomer: async (id) => (await ops.engine.loadStates([id])).get(id),
      templateOverrides,
      pipeline: () => watch.check(),
      ...(kafka ? { readiness: { kafka: () => kafka.ping() } } : {}),
      ...(config.metricsToken ? { metricsToken: config.metricsToken } : {}),
      serveMetrics: config.metricsListen === undefined,
      ingestLimits: config.ingestLimits,
      privacy: { mailPickupDir: join(config.dataDir, 'mail'), onErased: () => engine.forgetState() },
    })
    const sla = new SlaJob({ ops, history, clock, logger, metrics })
    const carrierGrace = new CarrierGraceJob({ history, engine, clock, logger })
    const retention = new RetentionJob({ ops, history, engine, source, clock, logger, ...(config.retention ? { periods: config.retention } : {}) })
    return new Careloop({
      config,
      ops,
      history,
      metrics,
      engine,
      dispatcher,
      source,
      embedded,
      kafka,
      server,
      rules,
      writeKey,
      generated,
      senders,
      logger,
      links,
      shopperTokenSecret,
      sla,
      retention,
      carrierGrace,
      taskWebhooks: new TaskWebhookJob({ ops, history, clock, logger, shop }),
      templateOverrides,
      watch,
      wakeups,
      nextTimerDue: (partitions) => engine.nextTimerWake(partitions),
    })
  }

  /** Where the separate /metrics endpoint listens (after listen()), if configured. */
  get metricsUrl(): string | undefined {
    return this.metricsEndpoint?.url
  }

  /** Starts listening on config.host:port (port 0 = any free port); returns the base URL. */
  async listen(): Promise<string> {
    if (this.listening) return this.listening
    const address = await this.server.listen({ port: this.config.port, host: this.config.host })
    if (this.openMetricsEndpoint && !this.metricsEndpoint) this.metricsEndpoint = await this.openMetricsEndpoint()
    this.listening = address
    this.links.setPublicUrl(address)
    return address
  }

  /** Starts the background loops: the event source, due timers and the outbox. */
  async start(): Promise<void> {
    await this.source.start((batch) => this.engine.handleBatch(batch))
    this.scheduler.start()
  }

  /**
   * One deterministic pass for tests driving an injected clock: process every logged event,
   * fire due timers, send what is due.
   */
  async tick(): Promise<void> {
    if (!this.embedded) throw new Error('tick() drives the embedded log; in Kafka mode the consumer group runs on its own')
    await this.embedded.drain((batch) => this.engine.handleBatch(batch))
    while ((await this.engine.fireDueTimers(this.source.partitions())) > 0) {
      /* keep firing until none are due */
    }
    await this.engine.fireSchedules(this.source.partitions())
    await dispatchAll(this.dispatcher)
    await this.taskWebhooks.run()
  }

  /** Graceful stop: finish the current batch, stop jobs, close the server and the stores. */
  async stop(): Promise<void> {
    await this.scheduler.stop()
    if (this.kafka) await this.kafka.close()
    else await this.source.stop()
    await this.server.close()
    await this.metricsEndpoint?.server.close()
    for (const sender of this.senders) await sender.close?.()
    await this.history.close()
    await this.ops.close()
  }
}
