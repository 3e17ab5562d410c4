import { Ajv } from 'ajv'
import { beforeAll, describe, expect, it } from 'vitest'
import { IdentifyMessageSchema, TrackMessageSchema } from '../../src/model/event.ts'
import { DAY } from '../../src/demo/localtime.ts'
import { Rng } from '../../src/demo/random.ts'
import {
  DEFAULT_START,
  countByEvent,
  generateTrace,
  traceIterator,
  traceShoppers,
  type SegmentMessage,
  type TrackSegmentMessage,
} from '../../src/demo/trace.ts'
import { scenarioCounts } from './scenarios.ts'

const byOrder = (messages: SegmentMessage[], event: string): Map<string, number> =>
  new Map(
    messages
      .filter((m): m is TrackSegmentMessage => m.type === 'track' && m.event === event)
      .map((m) => [String(m.properties.order_id), Date.parse(m.timestamp)]),
  )

describe('Rng', () => {
  it('is deterministic per seed and forks independent streams', () => {
    const a = new Rng(1)
    const b = new Rng(1)
    expect(Array.from({ length: 5 }, () => a.next())).toEqual(Array.from({ length: 5 }, () => b.next()))
    expect(new Rng(1).next()).not.toBe(new Rng(2).next())
    expect(new Rng(1).fork('x').next()).not.toBe(new Rng(1).fork('y').next())
    const r = new Rng(9)
    for (let i = 0; i < 1000; i++) {
      const n = r.int(3, 5)
      expect(n >= 3 && n <= 5 && Number.isInteger(n)).toBe(true)
    }
    expect(r.pattern('SF####-@@')).toMatch(/^SF\d{4}-[A-Z]{2}$/)
  })
})

describe('generateTrace', () => {
  const options = { seed: 300, shoppers: 300 }
  let trace: SegmentMessage[]
  beforeAll(() => {
    trace = generateTrace(options)
  })

  it('is deterministic: same seed and options give the same trace, another seed another', () => {
    const small = { seed: 7, shoppers: 40, days: 14 }
    expect(JSON.stringify(generateTrace(small))).toBe(JSON.stringify(generateTrace(small)))
    expect(JSON.stringify(generateTrace({ ...small, seed: 8 }))).not.toBe(JSON.stringify(generateTrace(small)))
  })

  it('streams the same trace it returns, and a shopper does not depend on the population size', () => {
    const small = { seed: 11, shoppers: 30, days: 10 }
    expect([...traceIterator(small)]).toEqual(generateTrace(small))
    const fewer = generateTrace({ ...small, shoppers: 10 })
    const first10 = generateTrace(small).filter((m) => Number(m.userId.split('_').at(-1)) < 10)
    expect(first10).toEqual(fewer)
  })

  it('is sorted by timestamp, inside the trace window, with unique message ids', () => {
    const end = DEFAULT_START + 30 * DAY
    let prev = -Infinity
    for (const m of trace) {
      const ts = Date.parse(m.timestamp)
      expect(ts).toBeGreaterThanOrEqual(prev)
      prev = ts
    }
    expect(Date.parse(trace[0]?.timestamp ?? '')).toBeGreaterThanOrEqual(DEFAULT_START)
    expect(prev).toBeLessThan(end)
    expect(new Set(trace.map((m) => m.messageId)).size).toBe(trace.length)
  })

  it('matches the event contract (TrackMessageSchema / IdentifyMessageSchema)', () => {
    const ajv = new Ajv({ allErrors: true })
    const track = ajv.compile(TrackMessageSchema)
    const identify = ajv.compile(IdentifyMessageSchema)
    for (const m of trace) {
      const validate = m.type === 'track' ? track : identify
      if (!validate(m)) throw new Error(`${m.messageId}: ${ajv.errorsText(validate.errors)}`)
      expect(m.userId).toBeTruthy()
      expect(new Date(m.timestamp).toISOString()).toBe(m.timestamp)
    }
  })

  it('identifies every shopper first, with contact traits', () => {
    const seen = new Set<string>()
    for (const m of trace) {
      if (!seen.has(m.userId)) expect(m.type).toBe('identify')
      seen.add(m.userId)
      if (m.type === 'identify') {
        expect(m.traits).toMatchObject({ email: expect.stringMatching(/@/), name: expect.any(String), phone: expect.any(String) })
        expect(['en', 'zh-CN', 'zh-TW']).toContain(m.traits.locale)
        expect(m.traits.timezone).toBe(m.context.timezone)
      }
    }
  })

  it('has realistic volumes: 20–60 events per shopper per 30 days, about 10% VIP', () => {
    const perShopper = trace.length / options.shoppers
    expect(perShopper).toBeGreaterThan(20)
    expect(perShopper).toBeLessThan(60)
    const counts = countByEvent(trace)
    expect(counts['Product Viewed']).toBeGreaterThan((counts['Order Completed'] ?? 0) * 5)
    const vip = traceShoppers(options).filter((s) => s.vip).length / options.shoppers
    expect(vip).toBeGreaterThan(0.05)
    expect(vip).toBeLessThan(0.18)
  })

  it('keeps each order causal: completed → shipped → delivered → returned', () => {
    const completed = byOrder(trace, 'Order Completed')
    const shipped = byOrder(trace, 'Order Shipped')
    const delivered = byOrder(trace, 'Order Delivered')
    for (const [order, t] of shipped) expect(t).toBeGreaterThan(completed.get(order) ?? Infinity)
    for (const [order, t] of delivered) expect(t).toBeGreaterThan(shipped.get(order) ?? Infinity)
    for (const m of trace) {
      if (m.type !== 'track' || m.event !== 'Return Requested') continue
      expect(Date.parse(m.timestamp)).toBeGreaterThan(delivered.get(String(m.properties.order_id)) ?? Infinity)
    }
    const checkouts = new Set(trace.flatMap((m) => (m.type === 'track' && m.event === 'Checkout Started' ? [m.properties.checkout_id] : [])))
    for (const m of trace) if (m.type === 'track' && m.event === 'Order Completed') expect(checkouts.has(m.properties.checkout_id)).toBe(true)
  })

  it('contains the moments careloop reacts to', () => {
    const s = scenarioCounts(trace)
    expect(s.longDwell, 'a Product Viewed with dwell_ms ≥ 120000').toBeGreaterThan(0)
    expect(s.lateUpdates, 'a Shipment Updated delayed/exception').toBeGreaterThan(0)
    expect(s.lateDeliveries, 'an Order Delivered after its ETA').toBeGreaterThan(0)
    expect(s.serialReturners, 'a shopper with ≥ 3 returns in 90 days').toBeGreaterThan(0)
    expect(s.doubleFailures, 'a shopper with 2 Payment Failed within 24 h').toBeGreaterThan(0)
    expect(s.abandoned, 'a checkout without an order').toBeGreaterThan(0)
    expect(s.moneyChinese, 'a money complaint in Chinese').toBeGreaterThan(0)
    expect(s.moneyEnglish, 'a money complaint in English').toBeGreaterThan(0)
    expect(s.bigOrders, 'an order total ≥ 500').toBeGreaterThan(0)
  })

  it('can end at a given instant (the CLI --now), never emitting future events', () => {
    const now = Date.UTC(2026, 5, 1, 13, 37)
    const shifted = generateTrace({ seed: 5, shoppers: 50, days: 20, start: now - 20 * DAY })
    expect(shifted.length).toBeGreaterThan(0)
    expect(Date.parse(shifted.at(-1)?.timestamp ?? '')).toBeLessThan(now)
    // Shifting changes ids, so a re-run is not swallowed as a redelivery of the previous one.
    const original = generateTrace({ seed: 5, shoppers: 50, days: 20 })
    expect(shifted[0]?.messageId).not.toBe(original[0]?.messageId)
  })
})
