// One input that fails to process never holds up the others: it is parked as a dead letter with
// the reason and its original bytes, counted, and processing goes on. Only a store that cannot be
// reached is retried. Faults are injected into the real engine's rule set and stores (a rule
// evaluation that throws stands for any bug reached by unusual input).
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import type { RuleSet } from '../../src/rules/ruleSet.ts'
import { startEngine, type TestEngine } from '../support/careloop.ts'

const MIN = 60_000
const START = Date.UTC(2026, 5, 1, 10, 0, 0)
const clock = new ManualClock(START)
let engine: TestEngine

beforeAll(async () => {
  engine = await startEngine({ clock })
})
afterAll(async () => {
  await engine?.app.stop()
})

function msg(userId: string, event: string, properties: Record<string, unknown> = {}, at = clock.now()) {
  return { type: 'track', messageId: randomUUID(), userId, event, properties, timestamp: new Date(at).toISOString() }
}

/** Makes the live rule set throw for inputs `fails` picks, until the returned function is called. */
function breakRules(patch: (set: RuleSet) => () => void): () => void {
  return patch(engine.app.rules.ruleSet)
}

async function deadLetters() {
  return engine.app.ops.deadLetters.list(1000)
}

async function metric(name: string): Promise<string> {
  const text = await engine.app.server.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer admin-key' } })
  return text.body
    .split('\n')
    .filter((l) => l.startsWith(name))
    .join('\n')
}

describe('poison isolation', () => {
  it('parks an event whose processing throws; the rest of its batch, of its customer and later batches go on', async () => {
    const a = `p-${randomUUID().slice(0, 8)}`
    const b = `p-${randomUUID().slice(0, 8)}`
    const boom = msg(a, 'Boom', { note: 'breaks a rule' })
    const restore = breakRules((set) => {
      const original = set.matchEvent
      set.matchEvent = function (ctx) {
        if (ctx.event.name === 'Boom') throw new Error('rule evaluation bug')
        return original.call(this, ctx)
      }
      return () => void (set.matchEvent = original)
    })
    try {
      const before = (await deadLetters()).length
      const res = await engine.ingest([msg(a, 'Payment Failed', { order_id: 'o-a1' }), boom, msg(b, 'Payment Failed', { order_id: 'o-b1' }), msg(a, 'Product Viewed', { product_id: 'x' })])
      expect(res.status).toBe(200)
      await engine.app.tick()

      const letters = await deadLetters()
      expect(letters.length).toBe(before + 1)
      const letter = letters[0] as (typeof letters)[number]
      expect(letter.reason).toContain('rule evaluation bug')
      expect(JSON.parse(letter.payload).messageId).toBe(boom.messageId)

      // Both customers' other events were applied and decided on; the poison left no trace.
      const states = await engine.app.ops.engine.loadStates([a, b])
      expect(states.get(a)?.counts['Payment Failed']).toHaveLength(1)
      expect(states.get(a)?.counts['Product Viewed']).toHaveLength(1)
      expect(states.get(a)?.counts['Boom']).toBeUndefined()
      expect(states.get(a)?.seen).not.toContain(boom.messageId)
      expect((await engine.app.ops.outbox.list({ customerId: a })).map((o) => o.template)).toEqual(['payment-failed'])
      expect((await engine.app.ops.outbox.list({ customerId: b })).map((o) => o.template)).toEqual(['payment-failed'])
      expect(await metric('careloop_poison_inputs_total')).toMatch(/ 1$/)
    } finally {
      restore()
    }
    // With the fault gone, the next event of the same customer is processed as usual.
    await engine.ingest([msg(a, 'Boom')])
    await engine.app.tick()
    expect((await engine.app.ops.engine.loadStates([a])).get(a)?.counts['Boom']).toHaveLength(1)
  })

  it('parks a timer whose firing throws, marks it fired, and fires the others', async () => {
    const good = `t-${randomUUID().slice(0, 8)}`
    const bad = `t-${randomUUID().slice(0, 8)}`
    await engine.ingest([msg(good, 'Checkout Started', { checkout_id: 'k-good', value: 40 }), msg(bad, 'Checkout Started', { checkout_id: 'k-bad', value: 40 })])
    await engine.app.tick()
    const restore = breakRules((set) => {
      const original = set.matchTimer
      set.matchTimer = function (ruleId, triggerIndex, entity, ctx) {
        if (ctx.state.customerId === bad) throw new Error('timer evaluation bug')
        return original.call(this, ruleId, triggerIndex, entity, ctx)
      }
      return () => void (set.matchTimer = original)
    })
    try {
      clock.advance(66 * MIN) // the hour and the allowed lateness
      await engine.app.tick()
    } finally {
      restore()
    }
    expect((await engine.app.ops.outbox.list({ customerId: good })).map((o) => o.template)).toEqual(['abandoned-checkout'])
    expect(await engine.app.ops.outbox.list({ customerId: bad })).toEqual([])
    const letter = (await deadLetters()).find((l) => l.source === 'timer' && l.payload.includes(bad))
    expect(letter?.reason).toContain('timer evaluation bug')
    // Marked fired: it neither fires later nor blocks the sweep.
    expect((await engine.app.ops.engine.loadStates([bad])).get(bad)?.timers).toEqual({})
    clock.advance(61 * MIN)
    await engine.app.tick()
    expect(await engine.app.ops.outbox.list({ customerId: bad })).toEqual([])
  })

  it('parks the one event a store refuses while both stores answer; its neighbours are written', async () => {
    const c = `s-${randomUUID().slice(0, 8)}`
    const refused = msg(c, 'Product Viewed', { product_id: 'refused' })
    const history = engine.app.history
    const append = history.append
    history.append = async function (rows) {
      if ((rows.events ?? []).some((e) => e.message_id === refused.messageId)) throw new Error('Code: 27. DB::Exception: Cannot parse input')
      return append.call(this, rows)
    }
    try {
      await engine.ingest([msg(c, 'Product Viewed', { product_id: 'p1' }), refused, msg(c, 'Payment Failed', { order_id: 'o-c' })])
      await engine.app.tick()
    } finally {
      history.append = append
    }
    const state = (await engine.app.ops.engine.loadStates([c])).get(c)
    expect(state?.counts['Product Viewed']).toHaveLength(1)
    expect(state?.counts['Payment Failed']).toHaveLength(1)
    expect((await engine.app.ops.outbox.list({ customerId: c })).map((o) => o.template)).toEqual(['payment-failed'])
    const letter = (await deadLetters()).find((l) => l.payload.includes(refused.messageId))
    expect(letter?.reason).toMatch(/a store refused .*Cannot parse input/)
  })

  it('retries a batch while a store cannot be reached, parking nothing, and catches up after', async () => {
    const d = `o-${randomUUID().slice(0, 8)}`
    const ops = engine.app.ops
    const commit = ops.engine.commit
    const ping = ops.ping
    let attempts = 0
    ops.engine.commit = async () => {
      attempts++
      throw new Error('connect ECONNREFUSED 127.0.0.1:5432')
    }
    ops.ping = async () => false
    const before = (await deadLetters()).length
    try {
      await engine.ingest([msg(d, 'Payment Failed', { order_id: 'o-d' })])
      for (let i = 0; i < 3; i++) await expect(engine.app.tick()).rejects.toThrow(/ECONNREFUSED/)
    } finally {
      ops.engine.commit = commit
      ops.ping = ping
    }
    expect(attempts).toBe(3)
    expect((await deadLetters()).length).toBe(before)
    await engine.app.tick()
    expect((await engine.app.ops.outbox.list({ customerId: d })).map((o) => o.template)).toEqual(['payment-failed'])
  })

  // A full disk fails writes while both stores still answer a ping: that is an outage to wait out,
  // never a reason to park the shop's events (seen as lost emails after a disk-full outage).
  it.each([
    ['PostgreSQL / PGlite', 'ops', Object.assign(new Error('could not extend file "base/5/16384": No space left on device'), { code: '53100' })],
    ['ClickHouse', 'history', new Error('Code: 243. DB::Exception: Cannot write to file /data/tmp_insert: errno: 28, strerror: No space left on device')],
    ['chDB', 'history', new Error('Cannot reserve 1.00 MiB, not enough space.')],
  ] as const)('retries a batch whose write fails for want of disk on %s while pings answer, parking nothing', async (_name, store, error) => {
    const e = `full-${randomUUID().slice(0, 8)}`
    const ops = engine.app.ops
    const history = engine.app.history
    const commit = ops.engine.commit
    const append = history.append
    let attempts = 0
    // Only the customer's own effects fail: a small dead-letter write may still find room.
    const fail = (): never => {
      attempts++
      throw error
    }
    if (store === 'ops') ops.engine.commit = async (batch) => (batch.states.some((s) => s.state.customerId === e) ? fail() : commit.call(ops.engine, batch))
    else history.append = async (rows) => ((rows.events ?? []).some((r) => r.customer_id === e) ? fail() : append.call(history, rows))
    const before = (await deadLetters()).length
    try {
      await engine.ingest([msg(e, 'Payment Failed', { order_id: 'o-e' })])
      for (let i = 0; i < 2; i++) await expect(engine.app.tick()).rejects.toThrow(/space/)
      expect(await ops.ping()).toBe(true)
    } finally {
      ops.engine.commit = commit
      history.append = append
    }
    expect(attempts).toBeGreaterThanOrEqual(2)
    expect((await deadLetters()).length).toBe(before)
    await engine.app.tick()
    expect((await engine.app.ops.outbox.list({ customerId: e })).map((o) => o.template)).toEqual(['payment-failed'])
  })

  it('never blocks on hostile names: an event named after an Object built-in is processed or parked, and the next one is processed', async () => {
    const e = `h-${randomUUID().slice(0, 8)}`
    const names = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'prototype']
    const res = await engine.ingest([...names.map((n) => msg(e, n, { [n]: n, order_id: n })), msg(e, 'Payment Failed', { order_id: 'o-e' })])
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    await engine.app.tick()
    const state = (await engine.app.ops.engine.loadStates([e])).get(e)
    const parked = (await deadLetters()).filter((l) => l.payload.includes(e))
    expect(Object.keys(state?.counts ?? {}).filter((n) => names.includes(n)).length + parked.length).toBe(names.length)
    expect((await engine.app.ops.outbox.list({ customerId: e })).map((o) => o.template)).toEqual(['payment-failed'])
  })
})
