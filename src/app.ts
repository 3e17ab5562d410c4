// The composition root: opens the stores, wires source → engine → outbox → channels, the jobs
// and the HTTP server. Embedded mode: PGlite + chDB in one process, nothing else needed.
import { randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { pino, type Logger } from 'pino'
import { hashKey, parseApiKeys } from './api/plugins/auth.ts'
import { startMetricsServer } from './api/routes/metrics.ts'
import { buildServer } from './api/server.ts'
import { defaultSenders } from './channels/defaultSenders.ts'
import { Dispatcher } from './channels/Dispatcher.ts'
import type { LinkSettings } from './channels/links.ts'
import { TemplateOverrides } from './channels/templates/overrides.ts'
import type { ChannelSender } from './channels/types.ts'
import type { Config } from './config.ts'
import { JobScheduler } from './jobs/JobScheduler.ts'
import { SlaJob } from './jobs/SlaJob.ts'
import { systemClock, type Clock } from './lib/clock.ts'
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
import { openHistoryStore } from './store/history/openHistoryStore.ts'
import { openOperationalStore, type OperationalStore } from './store/operational/OperationalStore.ts'

export const VERSION = '0.1.0'

export interface CareloopOptions {
  config: Config
  clock?: Clock
  logger?: Logger
  /** Channel senders replacing the configured ones for their channels (tests, custom providers). */
  senders?: ChannelSender[]
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
  const key = newSecret('ck')
  await ops.settings.addApiKey(hashKey(key), 'admin', 'first-admin', now)
  generated.adminKey = key
}

export class Careloop {
  private readonly scheduler: JobScheduler
  private listening: string | undefined

  private constructor(
    readonly config: Config,
    readonly ops: OperationalStore,
    readonly history: HistoryStore,
    readonly engine: Engine,
    readonly dispatcher: Dispatcher,
    readonly source: EventSource,
    /** Set in embedded mode: the log this process reads. */
    readonly embedded: EmbeddedLogSource | undefined,
    /** Set in scale-out mode. */
    readonly kafka: KafkaMode | undefined,
    readonly server: FastifyInstance,
    readonly rules: RuleRegistry,
    readonly writeKey: string,
    readonly generated: GeneratedCredentials,
    private readonly senders: ChannelSender[],
    readonly logger: Logger,
    /** Signs and verifies the links in messages (unsubscribe, talk to a person, tracking). */
    readonly links: LinkSettings & { setPublicUrl(url: string): void },
    /** Verifies shopper tokens (inbox, preferences); shops mint them with the same secret. */
    readonly shopperTokenSecret: string,
    /** Warns about tasks near their SLA and escalates breached ones (each minute). */
    readonly sla: SlaJob,
    /** Live stored template versions the senders use instead of the files. */
    readonly templateOverrides: TemplateOverrides,
    /** Notices a pipeline that has work and makes no progress (readiness, metrics, log). */
    readonly watch: PipelineWatch,
  ) {
    this.scheduler = new JobScheduler(
      [
        { name: 'due-timers', schedule: '* * * * * *', run: () => this.engine.fireDueTimers(this.source.partitions()) },
        { name: 'outbox', schedule: '* * * * * *', run: () => this.dispatchAll() },
        {
          name: 'rules-refresh',
          schedule: '*/5 * * * * *',
          run: async () => {
            await this.rules.refresh()
            await this.templateOverrides.refresh()
          },
        },
        { name: 'sla', schedule: '0 * * * * *', run: () => this.sla.run() },
        { name: 'scheduled-care', schedule: '5 * * * * *', run: () => this.engine.fireSchedules(this.source.partitions()) },
        { name: 'pipeline-watch', schedule: '*/5 * * * * *', run: () => this.checkPipeline() },
      ],
      logger,
    )
  }

  static async open(options: CareloopOptions): Promise<Careloop> {
    const { config } = options
    const clock = options.clock ?? systemClock
    const logger = options.logger ?? pino({ level: config.logLevel })
    mkdirSync(config.dataDir, { recursive: true })
    const ops = await openOperationalStore(config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: join(config.dataDir, 'ops') })
    let history: HistoryStore
    try {
      history = await openHistoryStore(config.clickhouseUrl ? { url: config.clickhouseUrl, database: config.clickhouseDatabase } : { dataDir: config.dataDir })
    } catch (err) {
      await ops.close()
      throw err
    }
    const generated: GeneratedCredentials = {}
    const apiKeys = parseApiKeys(config.apiKeys)
    const writeKey = await ensureWriteKey(config, ops, generated)
    await ensureAdminKey(ops, apiKeys.size, clock.now(), generated)
    const linkSecret = await ensureSecret(config.linkSecret, ops, 'link_secret', 'ls')
    const shopperTokenSecret = await ensureSecret(config.shopperTokenSecret, ops, 'shopper_token_secret', 'st')
    // Links point at CARELOOP_PUBLIC_URL, else at where this process listens (known after listen()).
    let publicBase = config.publicUrl ?? `http://${config.host}:${config.port}`
    const links = { secret: linkSecret, publicUrl: () => publicBase, setPublicUrl: (url: string) => void (publicBase = config.publicUrl ?? url) }
    await installStarterPack(ops.rules, ops.settings, clock.now())
    const rules = new RuleRegistry(ops.rules)
    await rules.refresh(true)
    for (const [id, problem] of rules.broken) logger.error({ rule: id, problem }, 'stored rule does not compile; skipped')
    const shop = { name: config.shopName, url: config.shopUrl }
    // The engine exists before the source (the source calls it); assignment changes reach it late-bound.
    let engineRef: Engine | undefined
    const kafka = config.kafka
      ? await openKafkaMode(config.kafka, { logger, onAssignmentChange: () => void engineRef?.forgetState() })
      : undefined
    const embedded = kafka ? undefined : new EmbeddedLogSource(ops.log, ops.engine, { onError: (err, retryInMs) => logger.error({ err, retryInMs }, 'event batch failed; will retry') })
    const source: EventSource = kafka ? kafka.source : (embedded as EmbeddedLogSource)
    const lag = async (): Promise<Map<number, number>> => {
      if (kafka) return kafka.source.lag()
      const head = await ops.log.head(EMBEDDED_PARTITION)
      const done = (await ops.engine.positions(EMBEDDED_SOURCE, [EMBEDDED_PARTITION])).get(EMBEDDED_PARTITION) ?? 0
      return new Map([[EMBEDDED_PARTITION, Math.max(0, head - done)]])
    }
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
    })
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
      ...(kafka
        ? { onDeadLetters: (letters, records) => kafka.deadLetters.publish(records.map((record, i) => ({ record, reason: letters[i]?.reason ?? 'invalid' }))) }
        : {}),
    })
    engineRef = engine
    const templateOverrides = new TemplateOverrides(ops.templates, logger)
    await templateOverrides.refresh()
    const overrides = new Set((options.senders ?? []).map((s) => s.channel))
    const senders = [...defaultSenders(config, { inbox: ops.inbox, clock, links, overrides: templateOverrides }).filter((s) => !overrides.has(s.channel)), ...(options.senders ?? [])]
    const dispatcher = new Dispatcher({ ops, history, clock, logger, metrics, leaseMs: config.outboxLeaseMs, senders: new Map(senders.map((s) => [s.channel, s])), links })
    // With an embedded store this process is the only sender: anything left mid-send by a crash
    // is due now. With a shared server other processes may hold leases, which expire on their own.
    if (!config.databaseUrl) await ops.outbox.releaseLeases(clock.now())
    const sink: IngestSink = kafka ? kafka.sink : new EmbeddedIngestSink(ops.log, EMBEDDED_PARTITION, () => embedded?.notify())
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
    })
    const sla = new SlaJob({ ops, history, clock, logger, metrics })
    const app = new Careloop(config, ops, history, engine, dispatcher, source, embedded, kafka, server, rules, writeKey, generated, senders, logger, links, shopperTokenSecret, sla, templateOverrides, watch)
    const metricsAddress = config.metricsListen
    if (metricsAddress) app.openMetricsEndpoint = () => startMetricsServer(metrics, metricsAddress)
    return app
  }

  /** Set with CARELOOP_METRICS_LISTEN: /metrics on its own address, opened by listen(). */
  private openMetricsEndpoint: (() => Promise<{ server: FastifyInstance; url: string }>) | undefined
  private metricsEndpoint: { server: FastifyInstance; url: string } | undefined

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

  private async checkPipeline(): Promise<void> {
    const wasReady = this.watch.status?.ready ?? true
    const status = await this.watch.check({ sample: true })
    if (wasReady && !status.ready) this.logger.error({ pipeline: status }, 'pipeline stalled')
    else if (!wasReady && status.ready) this.logger.info({ pipeline: status }, 'pipeline moving again')
  }

  private async dispatchAll(): Promise<number> {
    let total = 0
    for (;;) {
      const n = await this.dispatcher.dispatchDue()
      total += n
      if (n === 0) return total
    }
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
    await this.dispatchAll()
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
