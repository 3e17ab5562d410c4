// Any key is safe: a name such as "constructor", "toString" or "__proto__" in any input position
// (customer id, event name, property name, trait name, order id, checkout id, product id) is
// decided exactly like a plain name. Pure pipeline by property test; then a real embedded engine.
import { randomUUID } from 'node:crypto'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { emptyCustomerState, reviveState } from '../../src/model/customer.ts'
import { ShopEventNames } from '../../src/model/event.ts'
import { starterRules, type RuleDocument } from '../../src/rules/index.ts'
import { applyEvent } from '../../src/stream/state/reducer.ts'
import { startEngine, type TestEngine } from '../support/careloop.ts'
import { requireServers } from '../support/requireServers.ts'
import { createServerStores, type ServerStores } from '../support/serverStores.ts'
import { T0, track } from '../support/events.ts'
import { Pipeline, type PipelineResult } from '../support/pipeline.ts'

const seed = Number(process.env.CARELOOP_FUZZ_SEED ?? 4242)
const numRuns = Number(process.env.CARELOOP_FUZZ_RUNS ?? 100)
const MIN = 60_000

export const BUILTIN_NAMES = [
  '__proto__', 'constructor', 'prototype', 'toString', 'toLocaleString', 'valueOf', 'hasOwnProperty',
  'isPrototypeOf', 'propertyIsEnumerable', '__defineGetter__', '__defineSetter__', '__lookupGetter__',
  '__lookupSetter__', 'length', 'name', 'then', 'call', 'apply', 'bind', 'splice', 'push',
]

// Names the scenario or the starter pack use themselves: a hostile key equal to one of them would
// change the scenario, not test key handling.
const RESERVED = new Set<string>([
  ...Object.values(ShopEventNames),
  'order_id', 'checkout_id', 'cart_id', 'product_id', 'status', 'total', 'value', 'topic', 'text', 'dwell_ms', 'email',
  'vip', 'locale', 'timezone', 'revenue', 'currency', 'products', 'phone', 'push_token', 'url', 'yes', 'vip-level',
  'estimated_delivery_at', 'promised_delivery_at', 'carrier', 'tracking_number', 'plainname',
])

const keyArb = fc
  .oneof(
    { weight: 3, arbitrary: fc.constantFrom(...BUILTIN_NAMES) },
    { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 30 }) },
    { weight: 1, arbitrary: fc.constantFrom(...BUILTIN_NAMES).chain((b) => fc.string({ maxLength: 3 }).map((s) => b + s)) },
  )
  .filter((k) => !k.includes('.') && k.trim() === k && k.length > 0 && !RESERVED.has(k))

function keyRule(k: string): RuleDocument {
  return {
    id: 'on-key',
    name: 'Keyed moment',
    triggers: [{ event: k, entity: k }],
    when: {
      all: [
        { fact: `properties.${k}`, eq: 'yes' },
        { fact: `traits.${k}`, eq: 'vip-level' },
        { count: { event: k, within: '1d' }, gte: 2 },
      ],
    },
    actions: [
      { nudge: { channel: 'email', template: 'payment-failed', topic: 'care' } },
      { task: { queue: 'care', priority: 'normal', sla: '4h' } },
    ],
    guards: { cooldown: '1h', per: 'entity' },
  } as RuleDocument
}

const orderRule: RuleDocument = {
  id: 'on-order',
  name: 'Order placed',
  triggers: [{ event: 'Order Completed', entity: 'order_id' }],
  when: { all: [{ fact: 'order.status', eq: 'placed' }, { fact: 'order.total', gte: 500 }] },
  actions: [{ task: { queue: 'vip', priority: 'high', sla: '1h' } }],
} as RuleDocument

/** Segment messages placing `k` in every keyed position. */
function scenario(k: string): unknown[] {
  let t = T0
  const at = () => new Date((t += MIN)).toISOString()
  const msg = (event: string, properties: Record<string, unknown>) => ({ type: 'track', messageId: randomUUID(), userId: k, event, properties, timestamp: at() })
  return [
    { type: 'identify', messageId: randomUUID(), userId: k, traits: { [k]: 'vip-level', email: 'shopper@example.com', locale: 'en' }, timestamp: at() },
    msg(k, { [k]: 'yes' }),
    msg(k, { [k]: 'yes' }),
    msg('Checkout Started', { checkout_id: k, value: 80 }),
    msg('Order Completed', { order_id: k, checkout_id: k, total: 600 }),
    msg('Shipment Updated', { order_id: k, status: 'delayed' }),
    msg('Product Viewed', { product_id: k, dwell_ms: 200_000 }),
    msg('Return Requested', { order_id: k }),
    msg('Return Requested', { order_id: k }),
    msg('Return Requested', { order_id: k }),
    msg('Complaint Filed', { order_id: k, topic: 'refund', text: 'I want a refund' }),
    msg(k, { [k]: 'yes' }),
  ]
}

function summary(result: PipelineResult, k: string): unknown {
  if (!result.ok) return { errors: result.errors.map((e) => e.path) }
  return {
    decisions: result.decisions.map((d) => ({
      rule: d.moment.rule.id,
      entity: d.moment.entity === k ? '§' : d.moment.entity,
      outcome: d.outcome,
      reason: d.reason,
      planned: d.planned.map((a) => (a.kind === 'nudge' ? `nudge:${a.channel}:${a.template}` : `task:${a.queue}:${a.priority}`)),
    })),
    verdicts: result.verdicts.map((v) => v.verdict),
    rendered: result.rendered,
    refused: result.renderRefused,
  }
}

function run(k: string): { steps: unknown[]; state: unknown } {
  const pipeline = new Pipeline([...starterRules, keyRule(k), orderRule], () => T0 + DAY_MS)
  const steps = scenario(k).map((m) => summary(pipeline.process(JSON.stringify(m)), k))
  const state = pipeline.state(k)
  const swap = (key: string) => (key === k ? '§' : key)
  return {
    steps,
    state: state && {
      counts: Object.keys(state.counts).map(swap).sort().map((n) => [n, state.counts[n === '§' ? k : n]?.length]),
      orders: Object.keys(state.orders).map(swap),
      order: state.orders[k] && { status: state.orders[k]?.status, returns: state.orders[k]?.returns, total: state.orders[k]?.total },
      checkouts: Object.keys(state.checkouts).map(swap),
      trait: state.traits[k],
      traitKeys: Object.keys(state.traits).map(swap).sort(),
      firings: Object.keys(state.firings).length,
      timers: Object.keys(state.timers).length,
      proto: Object.getPrototypeOf(state.traits),
    },
  }
}
const DAY_MS = 86_400_000

describe('input-derived keys', () => {
  it('a built-in name as event name, property, trait, order id and checkout id is an ordinary name (reducer)', () => {
    for (const name of BUILTIN_NAMES) {
      const state = emptyCustomerState(name)
      applyEvent(state, { ...track(name, { [name]: 1, order_id: name, checkout_id: name }), type: 'track' })
      applyEvent(state, track('Checkout Started', { checkout_id: name, value: 5 }))
      applyEvent(state, track('Order Completed', { order_id: name, total: 9 }))
      applyEvent(state, { ...track('Identify', JSON.parse(`{"${name}": {"polluted": true}, "email": "a@b.c"}`)), type: 'identify' })
      expect(state.counts[name]).toEqual([T0])
      expect(state.orders[name]?.total).toBe(9)
      expect(Object.getPrototypeOf(state.traits)).toBe(null)
      expect(Object.keys(state.traits)).toEqual([name, 'email'])
      expect((state.traits as Record<string, unknown>).polluted).toBeUndefined()
      // Through JSON and back (the store), the shape is the same.
      const back = reviveState(JSON.parse(JSON.stringify(state)))
      expect(Object.getPrototypeOf(back.orders)).toBe(null)
      expect(Object.keys(back.traits)).toEqual([name, 'email'])
      expect(back.traits[name]).toEqual({ polluted: true })
      expect(back.counts[name]).toEqual([T0])
    }
  })

  it('the pipeline decides the same for a hostile key as for a plain name in the same positions', () => {
    const plain = run('plainname')
    // The scenario itself must exercise every rule, or the comparison proves little.
    const fired = new Set((plain.steps as Array<{ decisions: Array<{ rule: string; outcome: string }> }>).flatMap((s) => s.decisions.filter((d) => d.outcome === 'planned').map((d) => d.rule)))
    expect([...fired].sort()).toEqual(['delayed-shipment', 'long-dwell', 'money-complaint', 'on-key', 'on-order', 'repeat-returns'].sort())
    fc.assert(
      fc.property(keyArb, (k) => {
        expect(run(k)).toEqual(plain)
      }),
      { seed, numRuns },
    )
  }, 60_000 + numRuns * 500)
})

const engineSuite = (title: string, setup: { servers: boolean }) => describe(title, () => {
  let engine: TestEngine
  let servers: ServerStores | undefined
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 8, 0, 0))
  beforeAll(async () => {
    if (setup.servers) {
      servers = await createServerStores('careloop_keys')
      const { databaseUrl, clickhouseUrl, clickhouseDatabase } = servers
      engine = await startEngine({ clock, databaseUrl, clickhouseUrl, clickhouseDatabase })
    } else engine = await startEngine({ clock })
  })
  afterAll(async () => {
    await engine?.app.stop()
    await servers?.drop()
  })

  it('processes events named "constructor" and "__proto__" and order id "__proto__"; state round-trips; a rule on "constructor" fires', async () => {
    const rule = {
      id: 'ctor-rule',
      name: 'Constructor event',
      triggers: [{ event: 'constructor', entity: 'order_id' }],
      when: { fact: 'properties.__proto__', eq: 'x' },
      actions: [{ task: { queue: 'care', priority: 'normal', sla: '4h' } }],
    }
    expect((await engine.api('POST', '/api/rules', rule)).status).toBe(201)
    const userId = 'toString'
    const now = () => new Date(clock.now()).toISOString()
    const messages = [
      { type: 'identify', messageId: randomUUID(), userId, traits: { email: 'ts@example.com', hasOwnProperty: 'yes' }, timestamp: now() },
      { type: 'track', messageId: randomUUID(), userId, event: '__proto__', properties: { order_id: '__proto__' }, timestamp: now() },
      { type: 'track', messageId: randomUUID(), userId, event: 'Order Completed', properties: { order_id: '__proto__', total: 12 }, timestamp: now() },
    ]
    // Raw JSON so "__proto__" is an own key on the wire, as a shop would send it.
    const body = JSON.stringify({ batch: messages }).replace('"properties":{"order_id":"__proto__"}', '"properties":{"order_id":"__proto__","__proto__":"x"}')
    const post = (text: string) =>
      fetch(`${engine.url}/v1/batch`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from('test-write-key:').toString('base64')}` }, body: text })
    const first = await post(body)
    expect(first.status, await first.clone().text()).toBe(200)
    await engine.app.tick()
    const ctor = { type: 'track', messageId: randomUUID(), userId, event: 'constructor', timestamp: now() }
    const second = await post(JSON.stringify({ batch: [ctor] }).replace('}]}', ',"properties":{"order_id":"__proto__","__proto__":"x"}}]}'))
    expect(second.status, await second.clone().text()).toBe(200)
    await engine.app.tick()

    expect(await engine.app.ops.deadLetters.count()).toBe(0)
    const state = (await engine.app.ops.engine.loadStates([userId])).get(userId)
    expect(state).toBeDefined()
    expect(Object.keys(state!.counts).sort()).toEqual(['Identify', 'Order Completed', '__proto__', 'constructor'])
    expect(Object.getPrototypeOf(state!.orders)).toBe(null)
    expect(state!.orders.__proto__).toMatchObject({ order_id: '__proto__', total: 12, status: 'placed' })
    expect(state!.traits.hasOwnProperty).toBe('yes')
    const tasks = await engine.app.ops.tasks.list({ customerId: userId })
    expect(tasks.map((t) => t.ruleId)).toEqual(['ctor-rule'])
  })
})

engineSuite('input-derived keys through a real engine (PGlite, chDB)', { servers: false })
if (requireServers('input-derived keys through a real engine (PostgreSQL and ClickHouse servers)')) {
  engineSuite('input-derived keys through a real engine (PostgreSQL and ClickHouse servers)', { servers: true })
}
