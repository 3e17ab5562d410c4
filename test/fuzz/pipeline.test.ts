// Pipeline fuzz: generated hostile Segment messages through decode → reducer → rules → decide →
// guards → templates (pure), and through a real embedded engine over HTTP. Nothing throws; each
// message is processed or rejected with a field path; a normal event afterwards still works.
// Runs: CARELOOP_FUZZ_RUNS (default small); seed: CARELOOP_FUZZ_SEED (default random; fast-check
// prints it on failure, and the same seed replays the failure).
import { randomUUID } from 'node:crypto'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { ShopEventNames } from '../../src/model/event.ts'
import { MONEY_COMPLAINT_PATTERN, starterRules, type RuleDocument } from '../../src/rules/index.ts'
import { startEngine, WRITE_KEY, type TestEngine } from '../support/careloop.ts'
import { Pipeline } from '../support/pipeline.ts'

const seed = process.env.CARELOOP_FUZZ_SEED === undefined ? undefined : Number(process.env.CARELOOP_FUZZ_SEED)
const numRuns = Number(process.env.CARELOOP_FUZZ_RUNS ?? 150)
const httpRuns = Math.max(10, Math.floor(numRuns / 4))
// Long runs (npm run fuzz) get time in proportion; the default runs finish well inside the minimum.
const pureTimeout = 60_000 + numRuns * 200
const httpTimeout = 60_000 + httpRuns * 3_000
const T0 = Date.UTC(2026, 5, 1, 8, 0, 0)

const BUILTINS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', '__defineGetter__', 'length', 'then']
const KNOWN_PROPS = ['order_id', 'checkout_id', 'cart_id', 'product_id', 'total', 'value', 'revenue', 'status', 'text', 'topic', 'dwell_ms', 'products', 'currency', 'estimated_delivery_at', 'promised_delivery_at', 'url']
const KNOWN_TRAITS = ['email', 'name', 'phone', 'locale', 'timezone', 'vip', 'push_token']

const codeUnit = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
  { weight: 1, arbitrary: fc.constantFrom(0, 0xd800, 0xdfff, 0xfffd, 0x202e, 0x0a) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }) },
)
const hostileString = fc.array(codeUnit, { maxLength: 20 }).map((u) => String.fromCharCode(...u))
const key = fc.oneof(fc.constantFrom(...BUILTINS), fc.constantFrom(...KNOWN_PROPS, ...KNOWN_TRAITS), hostileString)

function deep(depth: number): unknown {
  let v: unknown = 'bottom'
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { [BUILTINS[i % BUILTINS.length] as string]: v }
  return v
}

const scalar = fc.oneof(
  hostileString,
  fc.constantFrom(...BUILTINS, ...Object.values(ShopEventNames), 'delayed', 'exception', 'refund', 'I was charged twice', 'Europe/Berlin', 'Not/AZone', 'zh-TW', 'xx-\u0000'),
  fc.integer().map((n) => n),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(1e308, -1e308, 5e-324, Number.MAX_SAFE_INTEGER + 2, 0, -0),
  fc.integer({ min: -1e6, max: 1e6 }).map(String),
  fc.constantFrom('1e400', '0x10', ' 12 ', '', 'NaN', 'Infinity', '2026-13-45T99:99:99Z', '9999-12-31T23:59:59Z', '0001-01-01'),
  fc.boolean(),
  fc.constant(null),
)
const value: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 5 }) },
  { weight: 1, arbitrary: fc.dictionary(key, scalar, { maxKeys: 4 }) },
  { weight: 1, arbitrary: fc.constantFrom(deep(60), deep(120), 'x'.repeat(50_000), Array.from({ length: 2_000 }, (_, i) => i)) },
)
const bag = fc.oneof(
  { weight: 6, arbitrary: fc.dictionary(key, value, { maxKeys: 8 }) },
  { weight: 1, arbitrary: fc.oneof(fc.array(value, { maxLength: 3 }), scalar) },
)
const maybe = <T>(arb: fc.Arbitrary<T>, freq = 4) => fc.option(arb, { nil: undefined, freq })
/** Mostly the right type with hostile content; now and then a wrong type. */
const mostly = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 40, arbitrary: arb }, { weight: 1, arbitrary: value })
const str = fc.oneof(hostileString.filter((x) => x.length > 0), fc.constantFrom(...BUILTINS))

const ruleBait = fc.dictionary(
  fc.constantFrom(...KNOWN_PROPS, ...BUILTINS),
  fc.oneof(
    fc.constantFrom('o-1', 'o-2', 'c-1', 'p-1', '__proto__', 'constructor', 'delayed', 'exception', 'refund', 'I was charged twice', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab', 600, '600', 200_000, '2026-06-03T00:00:00Z'),
    value,
  ),
  { maxKeys: 6 },
)

const messageArb = fc
  .record({
    type: fc.oneof({ weight: 40, arbitrary: fc.constantFrom('track', 'track', 'identify') }, { weight: 1, arbitrary: scalar }),
    messageId: mostly(fc.oneof(fc.uuid(), str)),
    userId: fc.oneof({ weight: 10, arbitrary: mostly(fc.constantFrom('fz-1', 'constructor', '__proto__')) }, { weight: 2, arbitrary: mostly(str) }, { weight: 1, arbitrary: fc.constant(undefined) }),
    anonymousId: maybe(mostly(str), 10),
    event: mostly(fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...Object.values(ShopEventNames)) }, { weight: 2, arbitrary: fc.constantFrom(...BUILTINS) }, { weight: 1, arbitrary: str })),
    properties: maybe(fc.oneof({ weight: 8, arbitrary: ruleBait }, { weight: 2, arbitrary: fc.dictionary(key, value, { maxKeys: 8 }) }, { weight: 1, arbitrary: bag }), 8),
    traits: maybe(fc.oneof({ weight: 4, arbitrary: fc.dictionary(fc.constantFrom(...KNOWN_TRAITS, ...BUILTINS), value, { maxKeys: 5 }) }, { weight: 1, arbitrary: bag }), 8),
    context: maybe(mostly(fc.record({ locale: maybe(mostly(fc.constantFrom('en', 'zh-TW', 'de', '', 'xx-\u0000', 'constructor'))), timezone: maybe(mostly(fc.constantFrom('Europe/Berlin', 'Not/AZone', 'constructor', ''))), page: maybe(fc.dictionary(key, value, { maxKeys: 3 })) }))),
    timestamp: maybe(mostly(fc.oneof({ weight: 5, arbitrary: fc.integer({ min: -60 * 24 * 3, max: 60 * 24 * 30 }).map((m) => new Date(T0 + m * 60_000).toISOString()) }, { weight: 1, arbitrary: scalar }))),
    extra: maybe(fc.dictionary(key, value, { maxKeys: 2 })),
  })
  .map(({ extra, ...m }) => {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries({ ...(extra ?? {}), ...m })) if (v !== undefined) Object.defineProperty(out, k, { value: v, enumerable: true })
    return out
  })

/** A plausible story with hostile ids and text, so rules fire and templates render hostile content. */
const storyArb = fc
  .record({ user: fc.constantFrom('fz-1', 'constructor', '__proto__'), id: fc.oneof(str, fc.integer()), text: hostileString, name: hostileString, locale: fc.constantFrom('en', 'zh-TW', 'de', 'constructor', 'xx'), tz: fc.constantFrom('Europe/Berlin', 'Not/AZone', 'toString') })
  .map(({ user, id, text, name, locale, tz }) => {
    let t = T0
    const at = () => new Date((t += 60_000)).toISOString()
    const track = (event: string, properties: Record<string, unknown>) => JSON.stringify({ type: 'track', messageId: randomUUID(), userId: user, event, properties, timestamp: at() })
    return [
      JSON.stringify({ type: 'identify', messageId: randomUUID(), userId: user, traits: { email: 'fz@example.com', name, locale, timezone: tz, vip: true, [name]: text }, timestamp: at() }),
      track('Order Completed', { order_id: id, total: 900, currency: text, products: [{ name: text, price: text }] }),
      track('Shipment Updated', { order_id: id, status: 'delayed', estimated_delivery_at: text, carrier: text }),
      track('Product Viewed', { product_id: id, dwell_ms: 200_000, url: text, name: text }),
      track('Complaint Filed', { order_id: id, topic: 'refund', text: `${text} refund` }),
      track('Payment Failed', { order_id: id, reason: text }),
      track('constructor', { __proto__: id, constructor: text }),
    ]
  })

/** Raw wire text: mostly the message's JSON, sometimes broken or not an object. */
const wireArb = fc.oneof(
  { weight: 30, arbitrary: messageArb.map((m) => JSON.stringify(m)) },
  { weight: 1, arbitrary: messageArb.map((m) => JSON.stringify(m).slice(0, -3)) },
  { weight: 1, arbitrary: fc.constantFrom('null', '[]', '"track"', '42', '{}', '{"type":"track","event":"a\u0000"}', '\uFEFF{}', '') },
)

const hostileRules: RuleDocument[] = [
  {
    id: 'fz-ctor',
    name: 'Reads built-in names',
    triggers: [{ event: 'constructor', entity: '__proto__' }],
    when: { any: [{ fact: 'properties.constructor', exists: true }, { fact: 'traits.__proto__.toString', eq: 'x' }, { count: { event: 'toString', within: '1d' }, gte: 1 }] },
    actions: [{ nudge: { channel: 'email', template: 'payment-failed', topic: 'care' } }, { task: { queue: 'care', priority: 'normal', sla: '1h' } }],
  },
  {
    id: 'fz-pattern',
    name: 'Patterns on hostile text',
    triggers: [{ event: 'toString' }, { event: 'Complaint Filed' }],
    when: { any: [{ fact: 'properties.text', matches: '^(a+)+$' }, { fact: 'properties.hasOwnProperty', matches: MONEY_COMPLAINT_PATTERN }] },
    actions: [{ nudge: { channel: 'sms', template: 'payment-failed', topic: 'care' } }],
  },
] as RuleDocument[]

const rules = [...starterRules, ...hostileRules]

function expectPaths(errors: Array<{ path: string; message: string }>): void {
  expect(errors.length).toBeGreaterThan(0)
  for (const e of errors) {
    expect(e.path).toMatch(/^\//)
    expect(e.message.length).toBeGreaterThan(0)
  }
}

describe('pipeline fuzz (pure: decode → reducer → rules → decide → guards → templates)', () => {
  it('processes or rejects every hostile message with a field path; a normal event still decides as expected', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(wireArb.map((w) => [w]), storyArb), { minLength: 1, maxLength: 6 }), (parts) => {
        const wires = parts.flat()
        const pipeline = new Pipeline(rules, () => T0)
        for (const wire of wires) {
          const result = pipeline.process(wire)
          if (!result.ok) expectPaths(result.errors)
        }
        const normal = { type: 'track', messageId: randomUUID(), userId: `normal-${randomUUID()}`, event: 'Payment Failed', properties: { order_id: 'o-1' }, timestamp: new Date(T0).toISOString() }
        const after = pipeline.process(JSON.stringify({ type: 'identify', messageId: randomUUID(), userId: normal.userId, traits: { email: 'n@example.com' } }))
        expect(after.ok).toBe(true)
        const result = pipeline.process(JSON.stringify(normal))
        expect(result.ok).toBe(true)
        if (!result.ok) return
        expect(result.decisions.filter((d) => d.outcome === 'planned').map((d) => d.moment.rule.id)).toEqual(['payment-failed'])
        expect(result.rendered).toBe(1)
      }),
      { numRuns, ...(seed === undefined ? {} : { seed }) },
    )
  }, pureTimeout)
})

describe('pipeline fuzz (real embedded engine over HTTP)', () => {
  let engine: TestEngine
  const clock = new ManualClock(T0)
  const auth = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`

  beforeAll(async () => {
    // Anonymous stories' nudges wait for an address; a short wait lets the backlog drain below.
    engine = await startEngine({ clock, config: { addressWaitMs: 5 * 60_000 } })
    for (const rule of hostileRules) expect((await engine.api('POST', '/api/rules', rule)).status).toBe(201)
  })
  afterAll(async () => {
    await engine?.app.stop()
  })

  it('answers no 5xx; every message is stored or dead-lettered with a reason; a normal event then has its effect', async () => {
    let batches = 0
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(messageArb.map((m) => [m]), storyArb.map((wires) => wires.map((w) => JSON.parse(w) as unknown))), { minLength: 1, maxLength: 4 }), async (parts) => {
        const batch = parts.flat()
        batches++
        const lettersBefore = await engine.app.ops.deadLetters.count()
        const res = await engine.app.server.inject({ method: 'POST', url: '/v1/batch', headers: { 'content-type': 'application/json', authorization: auth }, payload: JSON.stringify({ batch }) })
        expect(res.statusCode, res.body).toBeLessThan(500)
        expect([200, 400]).toContain(res.statusCode)
        const body = res.json()
        const rejected = (await engine.app.ops.deadLetters.count()) - lettersBefore
        expect(body.stored + body.duplicates + rejected, res.body).toBe(batch.length)
        if (rejected > 0) {
          for (const letter of (await engine.app.ops.deadLetters.list(rejected)).slice(0, rejected)) expect(letter.reason).toMatch(/^\/batch\/\d+/)
        }
        // Processing must not get stuck on anything that was accepted.
        await engine.app.tick()
        expect(await engine.app.ops.deadLetters.count()).toBe(lettersBefore + rejected)
      }),
      { numRuns: httpRuns, ...(seed === undefined ? {} : { seed }) },
    )
    expect(batches).toBeGreaterThan(0)

    const userId = `normal-${randomUUID()}`
    const normal = [
      { type: 'identify', messageId: randomUUID(), userId, traits: { email: 'normal@example.com', locale: 'en' }, timestamp: new Date(clock.now()).toISOString() },
      { type: 'track', messageId: randomUUID(), userId, event: 'Payment Failed', properties: { order_id: 'o-1' }, timestamp: new Date(clock.now()).toISOString() },
    ]
    const res = await engine.ingest(normal)
    expect(res.status).toBe(200)
    // The stories queued many emails, each channel is rate limited on the (manual) clock, and a
    // shopper's time zone may hold theirs until the morning: let up to two days pass, 5 minutes a
    // tick, until the backlog has drained.
    for (let i = 0; i < (2 * 24 * 60) / 5; i++) {
      clock.advance(5 * 60_000)
      await engine.app.tick()
      if ((await engine.app.ops.outbox.backlog()) === 0) break
    }
    expect(await engine.app.ops.outbox.backlog()).toBe(0)
    const outbox = await engine.app.ops.outbox.list({ customerId: userId })
    expect(outbox.map((o) => `${o.template}:${o.status}`)).toEqual(['payment-failed:sent'])
  }, httpTimeout)
})
