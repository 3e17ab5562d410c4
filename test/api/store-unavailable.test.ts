// 503, not 500: while the operational store cannot answer, ingest and every other API route say
// "unavailable, retry after N s"; when it is back, the same requests succeed. Against a real
// PostgreSQL server of this file's own (stopped and started mid-test), since other files share the
// global one.
import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { PGlite } from '@electric-sql/pglite'
import { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { isStoreUnavailable } from '../../src/store/unavailable.ts'
import { freePort, postgresBinDir, startPostgres, type RunningService } from '../support/services/postgres.ts'
import { KEYS, startEngine, WRITE_KEY, type TestEngine } from '../support/careloop.ts'

const run = promisify(execFile)

/** Runs a PostgreSQL binary as the cluster's owner (`postgres` when we are root, as startPostgres does). */
const asOwner = (file: string, args: string[]) => (process.getuid?.() === 0 ? run('runuser', ['-u', 'postgres', '--', file, ...args]) : run(file, args))

describe('isStoreUnavailable', () => {
  const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code })

  it('knows connection, resource, shutdown and I/O failures, also wrapped', () => {
    for (const code of ['08006', '08001', '53100', '53300', '57P01', '57P03', '58030', '25006', 'ECONNREFUSED', 'ECONNRESET', 'ENOSPC', 'EROFS', 'ETIMEDOUT']) {
      expect(isStoreUnavailable(withCode(code)), code).toBe(true)
    }
    expect(isStoreUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true)
    // chDB and the ClickHouse server out of disk or memory.
    expect(isStoreUnavailable(new Error('Cannot reserve 1.00 MiB, not enough space.'))).toBe(true)
    expect(isStoreUnavailable(new Error('Code: 241. DB::Exception: Memory limit (total) exceeded: would use 3.50 GiB. (MEMORY_LIMIT_EXCEEDED)'))).toBe(true)
    expect(isStoreUnavailable(new Error('Code: 252. DB::Exception: Too many parts (300). Merges are processing significantly slower than inserts. (TOO_MANY_PARTS)'))).toBe(true)
    expect(isStoreUnavailable(new Error('wrapped', { cause: withCode('ECONNREFUSED') }))).toBe(true)
    expect(isStoreUnavailable(new AggregateError([new Error('a'), withCode('ECONNREFUSED')]))).toBe(true)
  })

  it('knows an unreachable Kafka cluster, but not a message the broker refuses', () => {
    const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092')
    expect(isStoreUnavailable(refused)).toBe(true)
    expect(isStoreUnavailable(new KafkaJSNumberOfRetriesExceeded(refused, { retryCount: 5, retryTime: 100 }))).toBe(true)
    // What kafkajs builds from a broker's error code (its typings only know a plain Error).
    const protocol = (type: string, code: number, retriable: boolean) => new KafkaJSProtocolError(Object.assign(new Error(type), { type, code, retriable }))
    expect(isStoreUnavailable(protocol('LEADER_NOT_AVAILABLE', 5, true))).toBe(true)
    expect(isStoreUnavailable(protocol('MESSAGE_TOO_LARGE', 10, false))).toBe(false)
  })

  it('does not take input or programming errors for an outage', () => {
    for (const code of ['22021', '22P02', '23505', '42601', '42P01', '40001', 'ERR_INVALID_ARG_TYPE', '159']) {
      expect(isStoreUnavailable(withCode(code)), code).toBe(false)
    }
    for (const value of [undefined, null, 'ECONNREFUSED', 42, {}, new TypeError("Cannot read properties of undefined (reading 'x')")]) {
      expect(isStoreUnavailable(value)).toBe(false)
    }
    const cyclic: Error & { cause?: unknown } = new Error('loop')
    cyclic.cause = cyclic
    expect(isStoreUnavailable(cyclic)).toBe(false)
  })

  it('classifies what the real drivers throw', async () => {
    const port = await freePort()
    const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` })
    const refused = await client.connect().then(() => undefined, (e: unknown) => e)
    expect(isStoreUnavailable(refused)).toBe(true)

    const lite = await PGlite.create('memory://')
    const syntax = await lite.query('SELEC 1').then(() => undefined, (e: unknown) => e)
    const nul = await lite.query('SELECT $1::text', ['a\u0000b']).then(() => undefined, (e: unknown) => e)
    expect(isStoreUnavailable(syntax)).toBe(false)
    expect(isStoreUnavailable(nul)).toBe(false)
    await lite.close()
    const closed = await lite.query('SELECT 1').then(() => undefined, (e: unknown) => e)
    expect(closed).toBeInstanceOf(Error)
    expect(isStoreUnavailable(closed)).toBe(true)
  })
})

describe('a PostgreSQL outage', () => {
  let server: RunningService
  let engine: TestEngine
  let dataDir: string
  const clock = new ManualClock(Date.UTC(2026, 6, 1, 10))

  beforeAll(async () => {
    server = await startPostgres()
    engine = await startEngine({ clock, databaseUrl: server.url })
    const probe = new pg.Client({ connectionString: server.url })
    await probe.connect()
    dataDir = (await probe.query<{ data_directory: string }>('SHOW data_directory')).rows[0]!.data_directory
    await probe.end()
  })
  afterAll(async () => {
    await engine?.app.stop().catch(() => {})
    await server?.stop()
  })

  const pgCtl = (args: string[]) => asOwner(join(postgresBinDir(), 'pg_ctl'), [...args, '-D', dataDir, '-w', '-t', '60', '-s'])
  const track = (messageId = randomUUID()) => ({ type: 'track', messageId, userId: 'u1', event: 'Product Viewed', timestamp: new Date(clock.now()).toISOString() })
  const ingest = (messages: unknown[]) =>
    engine.app.server.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}` },
      payload: { batch: messages },
    })
  const api = (url: string) => engine.app.server.inject({ method: 'GET', url, headers: { authorization: `Bearer ${KEYS.admin}` } })

  it('answers 503 with Retry-After while the server is down, and 200 again once it is back', async () => {
    expect((await ingest([track()])).statusCode).toBe(200)

    await pgCtl(['stop', '-m', 'fast'])
    const during = [track(), track()]
    for (let attempt = 0; attempt < 2; attempt++) {
      // The first attempt meets the pool's dropped connections, the second a refused connect.
      const res = await ingest(during)
      expect(res.statusCode, res.body).toBe(503)
      expect(res.headers['retry-after']).toBe('5')
      expect(res.json()).toMatchObject({ error: 'store_unavailable' })
    }
    for (const url of ['/api/tasks', '/api/rules', '/api/queues', '/api/customers/u1/preferences']) {
      const res = await api(url)
      expect(res.statusCode, `${url}: ${res.body}`).toBe(503)
      expect(res.headers['retry-after']).toBe('5')
    }
    expect((await engine.app.server.inject({ url: '/readyz' })).statusCode).toBe(503)
    // The scraper still sees what can be read (gauges asking the store are left out).
    const scrape = await engine.app.server.inject({ url: '/metrics', headers: { authorization: `Bearer ${KEYS.admin}` } })
    expect(scrape.statusCode).toBe(200)
    expect(scrape.body).toMatch(/^careloop_http_refused_total\{reason="store_unavailable"\} [1-9]/m)

    await pgCtl(['start', '-l', join(dirname(dataDir), 'postgres.log')])
    const resent = await ingest(during)
    expect(resent.statusCode, resent.body).toBe(200)
    // Nothing of the refused requests had been stored: the resend stores both.
    expect(resent.json()).toEqual({ success: true, stored: 2, duplicates: 0 })
    expect((await api('/api/tasks')).statusCode).toBe(200)
    const text = (await engine.app.server.inject({ url: '/metrics', headers: { authorization: `Bearer ${KEYS.admin}` } })).body
    expect(Number(/^careloop_http_refused_total\{reason="store_unavailable"\} (\d+)/m.exec(text)?.[1])).toBeGreaterThanOrEqual(6)
  })
})
