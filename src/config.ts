// Configuration from the environment. Names are a stable interface (see README).
import { resolve } from 'node:path'
import { loadKafkaSettings, type KafkaSettings } from './stream/kafka/index.ts'

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
  /** Scale-out: a Kafka consumer group as the event source (KAFKA_BROKERS set). */
  kafka: KafkaSettings | undefined
  /** Load a generated demo shop into the engine after start. */
  demo: { shoppers: number; seed: number } | undefined
}

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`)
  return n
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
    mailFrom: env.CARELOOP_MAIL_FROM ?? 'careloop <care@careloop.localhost>',
    writeKey: env.CARELOOP_WRITE_KEY || undefined,
    apiKeys: env.CARELOOP_API_KEYS || undefined,
    shopName: env.CARELOOP_SHOP_NAME ?? 'Demo Shop',
    shopUrl: env.CARELOOP_SHOP_URL ?? 'https://shop.example.com',
    logLevel: env.LOG_LEVEL ?? 'info',
    databaseUrl: env.DATABASE_URL || undefined,
    clickhouseUrl: env.CLICKHOUSE_URL || undefined,
    clickhouseDatabase: env.CLICKHOUSE_DATABASE || 'careloop',
    outboxLeaseMs: intFrom(env, 'CARELOOP_OUTBOX_LEASE_MS', 60_000),
    kafka: loadKafkaSettings(env),
    demo: env.CARELOOP_DEMO === '1' || demoShoppers > 0 ? { shoppers: demoShoppers || 200, seed: intFrom(env, 'CARELOOP_DEMO_SEED', 42) } : undefined,
  }
}
