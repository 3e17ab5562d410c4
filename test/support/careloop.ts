// Starts a real careloop engine (embedded stores in a fresh directory, HTTP on a free port) for tests.
import { pino, type Logger } from 'pino'
import { afterAll, beforeAll } from 'vitest'
import { Careloop } from '../../src/app.ts'
import { loadConfig, type Config } from '../../src/config.ts'
import { GUARD_POLICY_SETTING, type GuardPolicy } from '../../src/channels/guards/index.ts'
import type { Clock } from '../../src/lib/clock.ts'
import { freshDataDir } from './stores.ts'

export const WRITE_KEY = 'test-write-key'
export const KEYS = { admin: 'admin-key', ops: 'ops-key', alice: 'alice-key', bob: 'bob-key' }

export interface TestEngine {
  app: Careloop
  url: string
  config: Config
  api(method: string, path: string, body?: unknown, key?: string, headers?: Record<string, string>): Promise<{ status: number; body: any }>
  ingest(messages: unknown[]): Promise<{ status: number; body: any }>
}

export interface StartOptions {
  clock?: Clock
  smtpUrl?: string
  dataDir?: string
  /** Server stores instead of the embedded ones. */
  databaseUrl?: string
  clickhouseUrl?: string
  clickhouseDatabase?: string
  /**
   * Guard policy overrides. Tests that are not about guards run at whatever hour CI runs, so by
   * default they switch quiet hours off; guard tests pass the policy they test.
   */
  guards?: Partial<GuardPolicy>
  /** Other configuration (providers, talk queue …). */
  config?: Partial<Config>
  /** The engine's logger; default silent (TEST_LOG_LEVEL to see it). */
  logger?: Logger
}

export async function startEngine(options: StartOptions = {}): Promise<TestEngine> {
  const config: Config = {
    ...loadConfig({}),
    databaseUrl: options.databaseUrl,
    clickhouseUrl: options.clickhouseUrl,
    clickhouseDatabase: options.clickhouseDatabase ?? 'careloop',
    port: 0,
    dataDir: options.dataDir ?? freshDataDir(),
    smtpUrl: options.smtpUrl,
    writeKey: WRITE_KEY,
    apiKeys: `${KEYS.admin}:admin:admin,${KEYS.ops}:ops:olivia,${KEYS.alice}:agent:alice,${KEYS.bob}:agent:bob`,
    shopUrl: 'https://shop.test',
    ...options.config,
  }
  const app = await Careloop.open({ config, clock: options.clock, logger: options.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }) })
  await app.ops.settings.putIfAbsent(GUARD_POLICY_SETTING, options.guards ?? { quietHours: null })
  const url = await app.listen()
  async function api(method: string, path: string, body?: unknown, key: string = KEYS.admin, headers: Record<string, string> = {}) {
    const init: RequestInit = { method, headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers } }
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body)
      ;(init.headers as Record<string, string>)['content-type'] ??= typeof body === 'string' ? 'application/yaml' : 'application/json'
    }
    const res = await fetch(url + path, init)
    const text = await res.text()
    return { status: res.status, body: text ? JSON.parse(text) : undefined }
  }
  async function ingest(messages: unknown[]) {
    const res = await fetch(`${url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}` },
      body: JSON.stringify({ batch: messages }),
    })
    return { status: res.status, body: await res.json() }
  }
  return { app, url, config, api, ingest }
}

/** The Basic-auth header Segment's clients send: the write key as the user name. */
export const WRITE_KEY_AUTH = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`

/**
 * Starts an engine before the tests of the enclosing file or describe block and stops it after
 * them; the returned function gives the running engine.
 */
export function useEngine(options: StartOptions = {}): () => TestEngine {
  let engine: TestEngine | undefined
  beforeAll(async () => {
    engine = await startEngine(options)
  })
  afterAll(async () => {
    await engine?.app.stop()
  })
  return () => {
    if (engine === undefined) throw new Error('the engine starts in beforeAll')
    return engine
  }
}
