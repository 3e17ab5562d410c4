// Ingest before the engine (embedded mode): while ingest requests are in flight, the engine's turns
// wait for them, at most maxWaitMs each, then run runMs; the HTTP ingest route counts a request from its
// received body (write key accepted) until its reply is sent. Ordering only, no timing assertions.
import { randomUUID } from 'node:crypto'
import { request as httpRequest } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EngineCore, type EngineOptions } from '../../src/stream/engine/EngineCore.ts'
import { IngestPressure } from '../../src/stream/ingest/IngestPressure.ts'
import { startEngine, WRITE_KEY, type TestEngine } from '../support/careloop.ts'

const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}

describe('IngestPressure', () => {
  it('a turn is one turn of the event loop while no request is in flight', async () => {
    const pressure = new IngestPressure(60_000)
    let done = false
    void pressure.turn().then(() => (done = true))
    await turns(2)
    expect(done).toBe(true)
  })

  it('a turn waits for the requests in flight to end, and each ends once however often it is called', async () => {
    const pressure = new IngestPressure(60_000)
    const a = pressure.receiving()
    const b = pressure.receiving()
    let done = false
    void pressure.turn().then(() => (done = true))
    await turns(5)
    expect(done).toBe(false)
    a()
    a()
    expect(pressure.requestsInFlight).toBe(1)
    await turns(5)
    expect(done).toBe(false)
    b()
    await turns(2)
    expect(done).toBe(true)
    expect(pressure.requestsInFlight).toBe(0)
  })

  it('a request waiting for the disk does not hold the engine; once its append is durable it does again', async () => {
    const pressure = new IngestPressure(60_000)
    const end = pressure.receiving()
    let durable!: () => void
    const append = pressure.aside(new Promise<void>((resolve) => (durable = resolve)))
    await pressure.turn()
    durable()
    await append
    let done = false
    void pressure.turn().then(() => (done = true))
    await turns(5)
    expect(done).toBe(false)
    end()
    await turns(2)
    expect(done).toBe(true)
    // An append outside any request (a resend) leaves the count balanced.
    await pressure.aside(Promise.resolve())
    await pressure.turn()
    expect(pressure.requestsInFlight).toBe(0)
  })

  it('a turn waits at most maxWaitMs under requests that never end; then the engine runs runMs without waiting', async () => {
    const pressure = new IngestPressure(1, 60_000)
    pressure.receiving()
    await pressure.turn()
    let done = false
    void pressure.turn().then(() => (done = true))
    await turns(2)
    expect(done).toBe(true)
    expect(pressure.requestsInFlight).toBe(1)
  })
})

describe('the engine’s turns', () => {
  it('give way to ingest only while no timer firing or sweep waits behind the running step', async () => {
    const pressure = new IngestPressure(60_000)
    // Only the turn is exercised: the stores are never reached.
    const core = new EngineCore({ turn: () => pressure.turn() } as unknown as EngineOptions)
    const request = pressure.receiving()
    let first = false
    void core.turn().then(() => (first = true))
    await turns(5)
    expect(first).toBe(false)
    core.stepsWaiting = 1
    let second = false
    void core.turn().then(() => (second = true))
    await turns(2)
    expect(second).toBe(true)
    request()
    await turns(2)
    expect(first).toBe(true)
  })
})

describe('the ingest route and the engine', () => {
  let engine: TestEngine
  beforeAll(async () => {
    engine = await startEngine()
  })
  afterAll(async () => {
    await engine?.app.stop()
  })

  const send = (authorization: string, batch: unknown[]) =>
    fetch(`${engine.url}/v1/batch`, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body: JSON.stringify({ batch }) })
  const writeKey = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`
  const track = () => ({ type: 'track', messageId: randomUUID(), userId: 'u1', event: 'Product Viewed', timestamp: new Date().toISOString() })
  /** Requests in flight as seen from inside each append the requests of `run` make (the request is in flight while the log makes it durable). */
  async function inFlightAtAppends(run: () => Promise<void>): Promise<number[]> {
    const pressure = engine.app.embedded?.pressure
    if (!pressure) throw new Error('embedded mode expected')
    const log = engine.app.ops.log
    const append = log.append.bind(log)
    const seen: number[] = []
    log.append = async (events, tx) => {
      seen.push(pressure.requestsInFlight)
      return append(events, tx)
    }
    try {
      await run()
    } finally {
      log.append = append
    }
    return seen
  }

  it('counts an accepted request while it is in flight, an answered or refused one no more', async () => {
    const seen = await inFlightAtAppends(async () => {
      expect((await send(writeKey, [track(), track()])).status).toBe(200)
      expect((await send(writeKey, [track(), { type: 'track' }])).status).toBe(400)
      expect((await send(`Basic ${Buffer.from('wrong:').toString('base64')}`, [track()])).status).toBe(401)
    })
    expect(seen).toEqual([1, 1])
    await turns(2)
    expect(engine.app.embedded?.pressure.requestsInFlight).toBe(0)
  })

  it('does not count a request whose body is still arriving: the engine has nothing to give way to', async () => {
    const pressure = engine.app.embedded?.pressure
    if (!pressure) throw new Error('embedded mode expected')
    const body = Buffer.from(JSON.stringify({ batch: [track(), track()] }))
    const headersIn = new Promise<void>((resolve) => engine.app.server.server.once('request', () => resolve()))
    const req = httpRequest(`${engine.url}/v1/batch`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length, authorization: writeKey } })
    const answered = new Promise<number>((resolve, reject) => {
      req.on('response', (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      })
      req.on('error', reject)
    })
    req.flushHeaders()
    req.write(body.subarray(0, 10))
    await headersIn
    // The write key's check (onRequest) has run by now; the body has not arrived.
    await turns(10)
    expect(pressure.requestsInFlight).toBe(0)
    const seen = await inFlightAtAppends(async () => {
      req.end(body.subarray(10))
      expect(await answered).toBe(200)
    })
    expect(seen).toEqual([1])
  })
})
