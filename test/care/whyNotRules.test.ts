// The shopper journey's "why not" for one rule and one shopper (src/care/whyNotRules.ts): the
// first failing top-level condition with what it read, counts, waits armed or ended by what they
// awaited (same entity only), scheduled and broken rules; any recent events never make it throw.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { checkRule } from '../../src/care/whyNotRules.ts'
import { emptyCustomerState, type CustomerState, type RecentEvent } from '../../src/model/customer.ts'

const T0 = Date.UTC(2026, 10, 2, 10)
const HOUR = 3_600_000

function shopper(recent: Array<Omit<RecentEvent, 'messageId'>>, patch: Partial<CustomerState> = {}): CustomerState {
  const state = emptyCustomerState('s-1')
  state.recent = recent.map((e, i) => ({ messageId: `m${i}`, ...e }))
  for (const e of state.recent) (state.counts[e.name] ??= []).push(e.ts)
  return Object.assign(state, patch)
}

const action = [{ nudge: { channel: 'email', template: 'payment-failed' } }]
const rule = (document: Record<string, unknown>) => ({ id: String(document.id), version: 3, document: { name: String(document.id), actions: action, ...document } })

describe('checkRule', () => {
  it('names the first failing condition of the trigger or the rule and what each read', () => {
    const r = rule({
      id: 'repeat',
      triggers: [{ event: 'Payment Failed', when: { any: [{ fact: 'properties.amount', gt: 10 }, { fact: 'properties.retry', eq: true }] } }],
      when: { all: [{ count: { event: 'Payment Failed', within: '24h' }, gte: 3 }, { fact: 'traits.vip', eq: true }] },
    })
    const state = shopper([
      { name: 'Payment Failed', ts: T0 - 30 * HOUR, properties: { amount: 5 } },
      { name: 'Payment Failed', ts: T0 - HOUR, properties: { amount: 5 } },
      { name: 'Payment Failed', ts: T0, properties: { amount: 50 } },
    ])
    const check = checkRule(r, state)
    expect(check).toEqual({
      ruleId: 'repeat',
      version: 3,
      name: 'repeat',
      verdict: 'failed',
      events: ['Payment Failed'],
      event: { name: 'Payment Failed', ts: T0, messageId: 'm2' },
      failed: '/when/all/0',
      checks: [
        { path: '/triggers/0/when', condition: { any: [{ fact: 'properties.amount', gt: 10 }, { fact: 'properties.retry', eq: true }] }, held: true },
        { path: '/when/all/0', condition: { count: { event: 'Payment Failed', within: '24h' }, gte: 3 }, held: false, value: 2 },
        { path: '/when/all/1', condition: { fact: 'traits.vip', eq: true }, held: false, value: null },
      ],
    })
    state.traits.vip = true
    state.counts['Payment Failed']?.push(T0 - 2 * HOUR)
    expect(checkRule(r, state)).toMatchObject({ verdict: 'held', checks: [{ held: true }, { held: true, value: 3 }, { held: true, value: true }] })
    expect(checkRule(r, shopper([{ name: 'Order Completed', ts: T0, properties: {} }]))).toMatchObject({ verdict: 'no_event', events: ['Payment Failed'], checks: [] })
    expect(checkRule(r, undefined)).toMatchObject({ verdict: 'no_event' })
  })

  it('checks the most recent of several triggers when none holds, and a holding one when one does', () => {
    const r = rule({ id: 'two', triggers: [{ event: 'A', when: { fact: 'properties.x', eq: 1 } }, { event: 'B', when: { fact: 'properties.x', eq: 2 } }] })
    const failing = shopper([{ name: 'A', ts: T0, properties: { x: 0 } }, { name: 'B', ts: T0 + 1, properties: { x: 0 } }])
    expect(checkRule(r, failing)).toMatchObject({ verdict: 'failed', failed: '/triggers/1/when', event: { name: 'B' } })
    const holding = shopper([{ name: 'A', ts: T0, properties: { x: 1 } }, { name: 'B', ts: T0 + 1, properties: { x: 0 } }])
    expect(checkRule(r, holding)).toMatchObject({ verdict: 'held', event: { name: 'A' } })
  })

  it('tells a wait still armed from one its awaited event ended, for the same entity only', () => {
    const r = rule({ id: 'late', triggers: [{ absence: { start: ['Order Shipped'], awaited: ['Order Delivered'], entity: 'order_id', after: '3d' } }] })
    const shipped = { name: 'Order Shipped', ts: T0, properties: { order_id: 'O-1' } }
    const timers = { t1: { ruleId: 'late', triggerIndex: 0, entity: 'O-1', dueAt: T0 + 72 * HOUR } }
    expect(checkRule(r, shopper([shipped], { timers }))).toMatchObject({ verdict: 'waiting', dueAt: T0 + 72 * HOUR })
    const delivered = { name: 'Order Delivered', ts: T0 + HOUR, properties: { order_id: 'O-1' } }
    expect(checkRule(r, shopper([shipped, delivered]))).toMatchObject({ verdict: 'awaited', awaited: { name: 'Order Delivered', ts: T0 + HOUR } })
    const otherOrder = { name: 'Order Delivered', ts: T0 + HOUR, properties: { order_id: 'O-2' } }
    expect(checkRule(r, shopper([shipped, otherOrder]))).toMatchObject({ verdict: 'held' })
  })

  it('says scheduled for a scheduled rule and broken for a document that does not compile', () => {
    expect(checkRule(rule({ id: 'bday', triggers: [{ schedule: { cron: '0 9 * * *' } }] }), shopper([]))).toMatchObject({ verdict: 'scheduled', events: [] })
    expect(checkRule({ id: 'bad', version: 1, document: { id: 'bad', triggers: 'nope' } }, shopper([]))).toEqual({ ruleId: 'bad', version: 1, name: 'bad', verdict: 'broken', events: [], checks: [] })
  })

  it('never throws on any recent events, and answers plain JSON', () => {
    const r = rule({
      id: 'any',
      triggers: [{ event: 'E', when: { fact: 'properties.__proto__', exists: true } }],
      when: { all: [{ fact: 'order.total', gte: 10 }, { fact: 'properties.constructor', contains: 'x' }, { fact: 'properties.deep', eq: 'y' }] },
    })
    const key = fc.constantFrom('__proto__', 'constructor', 'toString', 'order_id', 'deep', 'x', '\u0000', '\ud800')
    const properties = fc.dictionary(key, fc.anything(), { maxKeys: 4, noNullPrototype: false })
    const event = fc.record({ name: fc.constantFrom('E', 'F'), ts: fc.integer({ min: 0, max: T0 }), properties })
    fc.assert(
      fc.property(fc.array(event, { maxLength: 6 }), (recent) => {
        const check = checkRule(r, shopper(recent))
        expect(['held', 'failed', 'no_event']).toContain(check.verdict)
        expect(JSON.parse(JSON.stringify(check)).verdict).toBe(check.verdict)
        for (const c of check.checks) expect(c.value === undefined || c.value === null || ['string', 'number', 'boolean'].includes(typeof c.value)).toBe(true)
      }),
      { numRuns: 300, seed: 24 },
    )
  })
})
