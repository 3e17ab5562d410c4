// The dwell script's address and its beacon door (POST /v1/t): what navigator.sendBeacon sends — a text/plain body with the write
// key inside — is ingested exactly as /v1/track would: stored once however often it is resent,
// refused without the right key, 400 with field paths for bad messages, never 5xx.
import { randomUUID } from 'node:crypto'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { startEngine, WRITE_KEY, type TestEngine } from '../support/careloop.ts'

const clock = new ManualClock(Date.UTC(2026, 6, 1, 10))
let engine: TestEngine

beforeAll(async () => {
  engine = await startEngine({ clock })
})
afterAll(async () => {
  await engine?.app.stop()
})

const beacon = (body: unknown, contentType = 'text/plain;charset=UTF-8') =>
  engine.app.server.inject({ method: 'POST', url: '/v1/t', headers: { 'content-type': contentType, origin: 'https://shop.test' }, payload: typeof body === 'string' ? body : JSON.stringify(body) })

const viewed = (extra: Record<string, unknown> = {}) => ({
  writeKey: WRITE_KEY,
  type: 'track',
  messageId: `dwell-${randomUUID()}`,
  anonymousId: `a-${randomUUID().slice(0, 8)}`,
  event: 'Product Viewed',
  properties: { product_id: 'P1', dwell_ms: 4200, dwell_source: 'script' },
  timestamp: new Date(clock.now()).toISOString(),
  ...extra,
})

describe('GET /dwell.js', () => {
  it('serves the script to any origin, the same as /console/widget/dwell.js', async () => {
    const short = await engine.app.server.inject({ method: 'GET', url: '/dwell.js' })
    expect(short.statusCode).toBe(200)
    expect(short.headers['content-type']).toMatch(/javascript/)
    expect(short.headers['access-control-allow-origin']).toBe('*')
    const long = await engine.app.server.inject({ method: 'GET', url: '/console/widget/dwell.js' })
    expect(short.body).toBe(long.body)
  })
})

describe('POST /v1/t', () => {
  it('stores a text/plain beacon once, however often it is resent, and answers any origin', async () => {
    const body = viewed()
    const first = await beacon(body)
    expect(first.statusCode, first.body).toBe(200)
    expect(first.json()).toMatchObject({ success: true, stored: 1, duplicates: 0 })
    expect(first.headers['access-control-allow-origin']).toBe('*')
    const again = await beacon(body)
    expect(again.json()).toMatchObject({ success: true, stored: 0, duplicates: 1 })
    // fetch(keepalive) sends JSON: the same door.
    expect((await beacon(viewed(), 'application/json')).json()).toMatchObject({ success: true, stored: 1 })
    const preflight = await engine.app.server.inject({ method: 'OPTIONS', url: '/v1/t', headers: { origin: 'https://shop.test', 'access-control-request-method': 'POST' } })
    expect(preflight.statusCode).toBe(204)
    expect(preflight.headers['access-control-allow-methods']).toContain('POST')
  })

  it('refuses a missing or wrong write key (401), with or without a Basic header', async () => {
    const { writeKey: _key, ...keyless } = viewed()
    const refused = await beacon(keyless)
    expect(refused.statusCode).toBe(401)
    expect(refused.headers['access-control-allow-origin']).toBe('*')
    expect((await beacon(viewed({ writeKey: 'not-the-key' }))).statusCode).toBe(401)
    expect((await beacon(viewed({ writeKey: 42 }))).statusCode).toBe(401)
  })

  it('answers 400 with the field path for a bad message and for a body that is not a JSON object', async () => {
    const bad = await beacon(viewed({ event: '', timestamp: 'yesterday' }))
    expect(bad.statusCode).toBe(400)
    expect(bad.json().errors.map((e: { path: string }) => e.path).sort()).toEqual(['/event', '/timestamp'])
    expect((await beacon('not json')).statusCode).toBe(400)
    expect((await beacon('[1,2]')).statusCode).toBe(400)
    expect((await beacon('')).statusCode).toBeLessThan(500)
  })

  it('never answers 5xx to hostile bodies', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.json(), fc.dictionary(fc.string(), fc.jsonValue()).map((d) => JSON.stringify({ ...viewed(), ...d }))), async (body) => {
        const res = await beacon(body)
        expect(res.statusCode, `${body} → ${res.body}`).toBeLessThan(500)
      }),
      { numRuns: 150 },
    )
  })
})
