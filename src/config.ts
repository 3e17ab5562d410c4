// Configuration from the environment. Names are a stable interface (see README).
import { resolve } from 'node:path'
import { intFrom } from './lib/envInt.ts'
import { heapGrowthPercentFrom } from './lib/heapGrowth.ts'
import { retentionFromEnv, type RetentionPeriods } from './model/retention.ts'
import { PRIORITIES, type Priority } from './model/priority.ts'
import { loadKafkaSettings, type KafkaSettings } from './stream/kafka/config.ts'
import { POSTGRES_SIZE } from './store/operational/PgliteDatabase.ts'

export { DEFAULT_HEAP_GROWTH_PERCENT } from './lib/heapGrowth.ts'

export interface Config {
  port: number
  host: string
  dataDir: string
  smtpUrl: string | undefined
  mailFrom: string
  writeKey: string | undefined
  apiKeys: string | undefined
  shopName: string
  shopUrl: string
  logLevel: string
  /** PostgreSQL server for the operational store; unset = PGlite in dataDir. */
  databaseUrl: string | undefined
  /** ClickHouse server for the history store; unset = chDB in dataDir. */
  clickhouseUrl: string | undefined
  /** ClickHouse database holding careloop's tables (created if missing). */
  clickhouseDatabase: string
  /** How long a leased outbox message belongs to one sender before another may retry it. */
  outboxLeaseMs: number
  /** Pending work without progress (or a backlog only growing) for this long makes /readyz fail. */
  stallMs: number
  /** The shop's currency (ISO 4217): money conditions with `currency: shop` compare in it. */
  shopCurrency: string
  /** Units of other currencies per one unit of the shop's ("CNY=7.2,EUR=0.92"), over the built-in table. */
  currencyRates: string
  /** Allowed lateness of awaited events for absences whose rule sets no `settle`. */
  absenceSettleMs: number
  /** How long a nudge waits for an address for its channel (a shopper not identified yet) before it is skipped. */
  addressWaitMs: number
  /** Scale-out: a Kafka consumer group as the event source (KAFKA_BROKERS set). */
  kafka: KafkaSettings | undefined
  /** careloop's public base URL for links in messages (unsubscribe, talk to a person, tracking); default: where it listens. */
  publicUrl: string | undefined
  /** HMAC secret for links in messages; generated and kept in the store when unset. */
  linkSecret: string | undefined
  /** Secret for shopper tokens (HS256 JWT, sub = customer id) the inbox and preference APIs accept; generated when unset. */
  shopperTokenSecret: string | undefined
  /** Where "talk to a person" requests land. */
  talk: { queue: string; priority: Priority; slaMs: number }
  /** Twilio (SMS and the phone robot); both channels are off without an account. */
  twilio: { baseUrl: string; accountSid: string; authToken: string; smsFrom: string | undefined; voiceFrom: string | undefined; careLine: string | undefined } | undefined
  /** Firebase Cloud Messaging HTTP v1 for push. */
  fcm: { baseUrl: string; projectId: string; accessToken: string } | undefined
  /** The shop's webhook endpoint for webhook nudges (Standard Webhooks signatures). */
  webhook: { url: string; secret: string } | undefined
  /** Bearer token Prometheus may send for GET /metrics instead of an API key. */
  metricsToken: string | undefined
  /** Serve /metrics on this separate address without auth (and not on the API's address). */
  metricsListen: { host: string; port: number } | undefined
  /** Ingest back-pressure: per write key events/s and burst, and requests in flight (0 = off). */
  ingestLimits: { ratePerSecond: number; burst: number; maxInFlight: number }
  /** Load a generated demo shop into the engine after start. */
  demo: { shoppers: number; seed: number } | undefined
  /** How long each kind of record is kept (CARELOOP_RETAIN_*, docs/retention.md); absent = the defaults. */
  retention?: RetentionPeriods
  /** Embedded PostgreSQL's shared_buffers (CARELOOP_PGLITE_SHARED_BUFFERS); absent = PGlite's own 128MB. */
  pgliteSharedBuffers?: string
  /** Most customer states the engine keeps in memory between steps (CARELOOP_STATE_CACHE, default 20,000); absent = no bound by count. */
  stateCacheSize?: number
  /** Bytes of serialized customer states kept between steps (CARELOOP_STATE_CACHE_MB, in MiB); absent = no bound by bytes. */
  stateCacheBytes?: number
  /** Most recently used customer states kept as objects between steps, the rest serialized (CARELOOP_STATE_CACHE_HOT); absent = all (the default). */
  stateCacheHot?: number
  /** Embedded: small history appends go through the spool in the operational store (CARELOOP_HISTORY_SPOOL, default on; 0 = every append to chDB in its step, the spool only while chDB is out of reach). */
  historySpool: boolean
  /** Most log records one engine step takes while a backlog waits (CARELOOP_EVENT_BATCH, embedded log). */
  eventBatch?: number
  /** V8's old generation may grow this % past the live heap before a full GC (CARELOOP_HEAP_GROWTH_PERCENT); 0 = V8's own sizing. */
  heapGrowthPercent?: number
}



function priorityFrom(raw: string | undefined): Priority {
  if (raw === undefined || raw === '') return 'high'
  const known = PRIORITIES.find((priority) => priority === raw)
  if (known !== undefined) return known
  throw new Error(`CARELOOP_TALK_PRIORITY must be ${PRIORITIES.slice(0, -1).join(', ')} or ${PRIORITIES.at(-1)}, got "${raw}"`)
}

/** Parses `host:port` or `[v6 host]:port`. */
export function parseListenAddress(name: string, raw: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(raw.trim())
  const port = match ? Number(match[3]) : NaN
  if (!match || port > 65535) throw new Error(`${name} must be host:port (e.g. 127.0.0.1:9464), got "${raw}"`)
  return { host: (match[1] ?? match[2]) as string, port }
}

function requireEnv(env: NodeJS.ProcessEnv, name: string, because: string): string {
  const value = env[name]
  if (!value) throw new Error(`${because} needs ${name}`)
  return value
}

/** An RFC 5322 mailbox with a quoted display name ("Ana's \"Shop\"" <care@…>). */
export function mailbox(name: string, address: string): string {
  const display = name.replace(/[\r\n]+/g, ' ').trim()
  return display === '' ? address : `"${display.replace(/["\\]/g, '\\$&')}" <${address}>`
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  if (env.KAFKA_BROKERS && (!env.DATABASE_URL || !env.CLICKHOUSE_URL)) {
    // Several processes must share state, timers, tasks and history: embedded stores cannot.
    throw new Error('KAFKA_BROKERS needs DATABASE_URL and CLICKHOUSE_URL: every process of the group must share the stores')
  }
  const demoShoppers = intFrom(env, 'CARELOOP_DEMO_SHOPPERS', 0)
  return {
    port: intFrom(env, 'PORT', 8080),
    host: env.HOST ?? '127.0.0.1',
    dataDir: resolve(env.CARELOOP_DATA_DIR ?? './.careloop'),
    smtpUrl: env.CARELOOP_SMTP_URL || undefined,
    // Shoppers see the shop's name as the sender unless the shop names its own address.
    mailFrom: env.CARELOOP_MAIL_FROM || mailbox(env.CARELOOP_SHOP_NAME ?? 'Demo Shop', 'care@careloop.localhost'),
    writeKey: env.CARELOOP_WRITE_KEY || undefined,
    apiKeys: env.CARELOOP_API_KEYS || undefined,
    shopName: env.CARELOOP_SHOP_NAME ?? 'Demo Shop',
    shopUrl: env.CARELOOP_SHOP_URL ?? 'https://shop.example.com',
    logLevel: env.LOG_LEVEL ?? 'info',
    databaseUrl: env.DATABASE_URL || undefined,
    clickhouseUrl: env.CLICKHOUSE_URL || undefined,
    clickhouseDatabase: env.CLICKHOUSE_DATABASE || 'careloop',
    outboxLeaseMs: intFrom(env, 'CARELOOP_OUTBOX_LEASE_MS', 60_000),
    stallMs: intFrom(env, 'CARELOOP_STALL_MS', 60_000),
    absenceSettleMs: intFrom(env, 'CARELOOP_ABSENCE_SETTLE_MS', 300_000),
    addressWaitMs: intFrom(env, 'CARELOOP_ADDRESS_WAIT_MS', 86_400_000),
    shopCurrency: (env.CARELOOP_SHOP_CURRENCY ?? '').trim().toUpperCase() || 'USD',
    currencyRates: env.CARELOOP_CURRENCY_RATES ?? '',
    kafka: loadKafkaSettings(env),
    publicUrl: env.CARELOOP_PUBLIC_URL || undefined,
    linkSecret: env.CARELOOP_LINK_SECRET || undefined,
    shopperTokenSecret: env.CARELOOP_SHOPPER_TOKEN_SECRET || undefined,
    talk: {
      queue: env.CARELOOP_TALK_QUEUE || 'care',
      priority: priorityFrom(env.CARELOOP_TALK_PRIORITY),
      slaMs: intFrom(env, 'CARELOOP_TALK_SLA_MINUTES', 240) * 60_000,
    },
    twilio: env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN
      ? {
          baseUrl: env.CARELOOP_TWILIO_URL || 'https://api.twilio.com',
          accountSid: env.TWILIO_ACCOUNT_SID,
          authToken: env.TWILIO_AUTH_TOKEN,
          smsFrom: env.CARELOOP_SMS_FROM || undefined,
          voiceFrom: env.CARELOOP_VOICE_FROM || undefined,
          careLine: env.CARELOOP_VOICE_CARE_LINE || undefined,
        }
      : undefined,
    fcm: env.FCM_PROJECT_ID && env.FCM_ACCESS_TOKEN
      ? { baseUrl: env.CARELOOP_FCM_URL || 'https://fcm.googleapis.com', projectId: env.FCM_PROJECT_ID, accessToken: env.FCM_ACCESS_TOKEN }
      : undefined,
    webhook: env.CARELOOP_WEBHOOK_URL ? { url: env.CARELOOP_WEBHOOK_URL, secret: requireEnv(env, 'CARELOOP_WEBHOOK_SECRET', 'CARELOOP_WEBHOOK_URL') } : undefined,
    metricsToken: env.CARELOOP_METRICS_TOKEN || undefined,
    metricsListen: env.CARELOOP_METRICS_LISTEN ? parseListenAddress('CARELOOP_METRICS_LISTEN', env.CARELOOP_METRICS_LISTEN) : undefined,
    ingestLimits: {
      // Generous: well above what one shop's tracking sends; a burst holds a full batch of 5,000.
      ratePerSecond: intFrom(env, 'CARELOOP_INGEST_RATE', 2000),
      burst: intFrom(env, 'CARELOOP_INGEST_BURST', 10_000),
      maxInFlight: intFrom(env, 'CARELOOP_INGEST_MAX_IN_FLIGHT', 64),
    },
    demo: env.CARELOOP_DEMO === '1' || demoShoppers > 0 ? { shoppers: demoShoppers || 200, seed: intFrom(env, 'CARELOOP_DEMO_SEED', 42) } : undefined,
    retention: retentionFromEnv(env),
    pgliteSharedBuffers: sizeFrom(env, 'CARELOOP_PGLITE_SHARED_BUFFERS', DEFAULT_PGLITE_SHARED_BUFFERS),
    stateCacheSize: intFrom(env, 'CARELOOP_STATE_CACHE', DEFAULT_STATE_CACHE) || undefined,
    stateCacheBytes: intFrom(env, 'CARELOOP_STATE_CACHE_MB', 0) * 2 ** 20 || undefined,
    stateCacheHot: intFrom(env, 'CARELOOP_STATE_CACHE_HOT', 0) || undefined,
    historySpool: env.CARELOOP_HISTORY_SPOOL !== '0',
    eventBatch: intFrom(env, 'CARELOOP_EVENT_BATCH', DEFAULT_EVENT_BATCH) || DEFAULT_EVENT_BATCH,
    heapGrowthPercent: heapGrowthPercentFrom(env),
  }
}


/** Customer states kept between steps, all as objects (docs/performance.md, "Memory"). */
export const DEFAULT_STATE_CACHE = 20_000

/**
 * The memory-lean cache, an option: a shopper of bench/memory.bench.ts is ≈ 2.8 kB of V8 heap as a
 * live state, ≈ 0.9 kB serialized, but parsing held text on every return cost the engine its
 * headroom at 5k events/s over 20,000 shoppers (docs/performance.md, "Memory").
 */
export const LEAN_STATE_CACHE_MIB = 16
export const LEAN_STATE_CACHE_HOT = 2_000

/** Measured in docs/performance.md ("Embedded pipeline"): per-step costs stop mattering well before this. */
export const DEFAULT_EVENT_BATCH = 5_000

/** Measured in docs/performance.md ("Memory"): PGlite's 128MB default costs RSS and buys no throughput here. */
export const DEFAULT_PGLITE_SHARED_BUFFERS = '32MB'

function sizeFrom(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (!POSTGRES_SIZE.test(raw)) throw new Error(`${name} must be a size such as 32MB (kB, MB or GB), got "${raw}"`)
  return raw
}
