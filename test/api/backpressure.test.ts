// Ingest back-pressure: a token bucket per write key and a bound on requests in flight; beyond
// either, 429 with Retry-After and a JSON body, counted in a metric, nothing stored. Time is an
// injected clock: no timing assertions.
import { randomUUID } from 'node:crypto'
import { Analytics } from '@segment/analytics-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { IngestLimiter } from '../../src/api/plugins/ingestLimits.ts'
import { ManualClock } from '../../src/lib/clock.ts'
import { EMBEDDED_PARTITION } from '../../src/stream/source/EmbeddedLogSource.ts'
import { KEYS, startEngine, WRITE_KEY, type TestEngine } from '../support/careloop.ts'

describe('IngestLimiter', () => {
  const settings = { ratePerSecond: 10, burst: 20, maxInFlight: 0 }

  it('lets a burst through, refuses beyond it with the seconds until enough tokens, refills with time', () => {
    const clock = new ManualClock(0)
    const limiter = new IngestLimiter(settings, clock)
    const first = limiter.admit('k', 20)
    expect(first.ok).toBe(true)
    if (first.ok) first.release()
    expect(limiter.admit('k', 1)).toEqual({ ok: false, reason: 'rate_limit', retryAfterS: 1 })
    expect(limiter.admit('k', 15)).toEqual({ ok: false, reason: 'rate_limit', retryAfterS: 2 })
    clock.advance(1000)
    expect(limiter.admit('k', 10).ok).toBe(true)
    expect(limiter.admit('k', 1).ok).toBe(false)
  })

  it('keeps write keys apart, including keys named like object built-ins', () => {
    const limiter = new IngestLimiter(settings, new ManualClock(0))
    for (const key of ['__proto__', 'constructor', 'toString', 'k']) {
      expect(limiter.admit(key, 20).ok, key).toBe(true)
      expect(limiter.admit(key, 1).ok, key).toBe(false)
    }
  })

  it('lets a request larger than the burst through on a full bucket and makes it pay the debt', () => {
    const clock = new ManualClock(0)
    const limiter = new IngestLimiter(settings, clock)
    expect(limiter.admit('k', 50).ok).toBe(true)
    // 50 taken from 20: 30 owed, plus 1 needed = 3.1 s at 10/s.
    expect(limiter.admit('k', 1)).toEqual({ ok: false, reason: 'rate_limit', retryAfterS: 4 })
    clock.advance(3000)
    expect(limiter.admit('k', 1).ok).toBe(false)
    clock.advance(1000)
    expect(limiter.admit('k', 1).ok).toBe(true)
  })

  it('a clock stepping back neither refills nor drains the bucket', () => {
    const clock = new ManualClock(10_000)
    const limiter = new IngestLimiter(settings, clock)
    expect(limiter.admit('k', 20).ok).toBe(true)
    clock.set(0)
    expect(limiter.admit('k', 1).ok).toBe(false)
    clock.set(1000)
    expect(limiter.admit('k', 10).ok).toBe(true)
  })

  it('bounds requests in flight; release frees a slot once, however often it is called', () => {
    const limiter = new IngestLimiter({ ratePerSecond: 0, burst: 0, maxInFlight: 2 }, new ManualClock(0))
    const a = limiter.admit('k', 1)
    const b = limiter.admit('other', 1)
    expect(a.ok && b.ok).toBe(true)
    expect(limiter.admit('k', 1)).toEqual({ ok: false, reason: 'in_flight', retryAfterS: 1 })
    if (a.ok) {
      a.release()
      a.release()
    }
    expect(limiter.active).toBe(1)
    expect(limiter.admit('k', 1).ok).toBe(true)
    expect(limiter.admit('k', 1).ok).toBe(false)
  })

  it('a refused request takes no tokens', () => {
    const limiter = new IngestLimiter({ ratePerSecond: 10, burst: 20, maxInFlight: 1 }, new ManualClock(0))
    const held = limiter.admit('k', 5)
    expect(held.ok).toBe(true)
    expect(limiter.admit('k', 5).ok).toBe(false) // in flight
    if (held.ok) held.release()
    expect(limiter.admit('k', 15).ok).toBe(true) // 20 - 5: the refused one took nothing
  })
})

describe('ingest over HTTP', () => {
  let engine: TestEngine
  const clock = new ManualClock(Date.UTC(2026, 6, 1, 10))

  beforeAll(async () => {
    engine = await startEngine({ clock, config: { ingestLimits: { ratePerSecond: 10, burst: 20, maxInFlight: 1 } } })
  })
  afterAll(async () => {
    await engine?.app.stop()
  })

  const track = () => ({ type: 'track', messageId: randomUUID(), userId: 'u1', event: 'Product Viewed', timestamp: new Date(clock.now()).toISOString() })
  const batch = (n: number) => Array.from({ length: n }, track)
  const send = (messages: unknown[]) =>
    engine.app.server.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}` },
      payload: { batch: messages },
    })
  const refused = async (reason: string) => {
    const text = (await engine.app.server.inject({ url: '/metrics', headers: { authorization: `Bearer ${KEYS.ops}` } })).body
    return Number(new RegExp(`^careloop_http_refused_total\\{reason="${reason}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0)
  }

  it('answers 429 with Retry-After and a JSON body beyond the rate, stores nothing, and takes the resend later', async () => {
    expect((await send(batch(20))).statusCode).toBe(200)
    const over = batch(5)
    const res = await send(over)
    expect(res.statusCode).toBe(429)
    expect(res.headers['retry-after']).toBe('1')
    expect(res.json()).toMatchObject({ error: 'rate_limit', message: expect.stringContaining('retry in 1 s') })
    expect(await refused('rate_limit')).toBe(1)
    clock.advance(1000)
    const resend = await send(over)
    expect(resend.statusCode).toBe(200)
    // Nothing of the refused request had been stored: the resend stores all of it.
    expect(resend.json()).toEqual({ success: true, stored: 5, duplicates: 0 })
  })

  it('single-message calls count too', async () => {
    clock.advance(10_000)
    const auth = { authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}` }
    const statuses: number[] = []
    for (let i = 0; i < 21; i++) statuses.push((await engine.app.server.inject({ method: 'POST', url: '/v1/track', headers: auth, payload: track() })).statusCode)
    expect(statuses.filter((s) => s === 200)).toHaveLength(20)
    expect(statuses[20]).toBe(429)
  })

  it('answers 429 while another ingest request is being made durable', async () => {
    clock.advance(10_000)
    // Hold the embedded store (PGlite serves one transaction at a time): the first request that
    // gets in waits on it, so the other finds the only in-flight slot taken.
    let open!: () => void
    const gate = new Promise<void>((resolve) => (open = resolve))
    let entered!: () => void
    const holding = new Promise<void>((resolve) => (entered = resolve))
    const held = engine.app.ops.db.transaction(async () => {
      entered()
      await gate
    })
    await holding
    const a = send(batch(1))
    const b = send(batch(1))
    const first = await Promise.race([a, b])
    expect(first.statusCode).toBe(429)
    expect(first.headers['retry-after']).toBe('1')
    expect(first.json().error).toBe('in_flight')
    open()
    await held
    const both = await Promise.all([a, b])
    expect(both.map((r) => r.statusCode).sort()).toEqual([200, 429])
    expect(await refused('in_flight')).toBe(1)
    // The slot is free again.
    expect((await send(batch(1))).statusCode).toBe(200)
  })
})

describe("Segment's analytics-node client", () => {
  let engine: TestEngine
  const clock = new ManualClock(Date.UTC(2026, 6, 1, 10))

  beforeAll(async () => {
    engine = await startEngine({ clock, config: { ingestLimits: { ratePerSecond: 10, burst: 20, maxInFlight: 4 } } })
  })
  afterAll(async () => {
    await engine?.app.stop()
  })

  it('backs off on 429 and Retry-After, and eventually delivers every event', async () => {
    const analytics = new Analytics({ writeKey: WRITE_KEY, host: engine.url, flushAt: 15, flushInterval: 60_000, maxRetries: 3 })
    // Each request the client makes moves the engine's clock by a second (10 tokens): batches of
    // 15 outrun that, so the client is refused now and then and must resend.
    let requests = 0
    analytics.on('http_request', () => {
      requests++
      clock.advance(1000)
    })
    const failures: unknown[] = []
    analytics.on('error', (err) => failures.push(err))
    const before = await engine.app.ops.log.head(EMBEDDED_PARTITION)
    for (let i = 0; i < 60; i++) analytics.track({ userId: `u${i % 7}`, event: 'Product Viewed', messageId: `seg-${i}`, timestamp: new Date(clock.now()) })
    await analytics.closeAndFlush({ timeout: 50_000 })
    expect(failures).toEqual([])
    expect((await engine.app.ops.log.head(EMBEDDED_PARTITION)) - before).toBe(60)
    const text = (await engine.app.server.inject({ url: '/metrics', headers: { authorization: `Bearer ${KEYS.ops}` } })).body
    expect(Number(/^careloop_http_refused_total\{reason="rate_limit"\} (\d+)/m.exec(text)?.[1])).toBeGreaterThan(0)
    expect(requests).toBeGreaterThan(4)
  })
})
