// The rule language's late-parcel parts: a local cut-off on an absence's `at` date, and a bound read
// from another fact. Pure: compiled rules and a rule set, no engine.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { emptyCustomerState, type OrderState } from '../../src/model/customer.ts'
import { compileRule, RuleSet, validateRule, type EvalContext } from '../../src/rules/index.ts'
import { localTimeOn } from '../../src/rules/schedule.ts'
import { T0, track } from '../support/events.ts'
import { luxonLocalTimeOn } from '../support/luxonCalendar.ts'

const cutoffRule = (cutoff: unknown, extra: Record<string, unknown> = {}) => ({
  id: 'ofd',
  name: 'Not out for delivery by noon',
  triggers: [{ absence: { start: ['Order Shipped'], awaited: ['Order Delivered'], entity: 'order_id', at: 'properties.estimated_delivery_at', cutoff, ...extra } }],
  actions: [{ nudge: { channel: 'email', template: 'delayed-shipment' } }],
})

function armedDue(doc: unknown, estimate: string, timezone: string | undefined): number | undefined {
  const compiled = compileRule({ document: doc })
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors))
  const set = new RuleSet([compiled.rule])
  const state = emptyCustomerState('c1')
  if (timezone !== undefined) state.timezone = timezone
  const event = track('Order Shipped', { order_id: 'A1', estimated_delivery_at: estimate }, { ts: T0 })
  const ctx: EvalContext = { event, state, order: undefined, at: T0 }
  return set.timerChanges(event, ctx).find((c) => c.op === 'arm')?.dueAt
}

describe('absence cut-off', () => {
  it('is due at the local time on the local date of the estimate, in the shopper zone', () => {
    // 21:00 in Shanghai on 3 June is 13:00 UTC; noon there is 04:00 UTC.
    expect(armedDue(cutoffRule('12:00'), '2026-06-03T13:00:00Z', 'Asia/Shanghai')).toBe(Date.UTC(2026, 5, 3, 4, 0))
    // The same instant is 09:00 on 3 June in New York (EDT, −4): noon there is 16:00 UTC.
    expect(armedDue(cutoffRule('12:00'), '2026-06-03T13:00:00Z', 'America/New_York')).toBe(Date.UTC(2026, 5, 3, 16, 0))
    // An instant late in the UTC day is the next local date in Shanghai.
    expect(armedDue(cutoffRule('12:00'), '2026-06-03T20:00:00Z', 'Asia/Shanghai')).toBe(Date.UTC(2026, 5, 4, 4, 0))
  })

  it('falls back to UTC without a zone or with an unknown one, and adds grace', () => {
    expect(armedDue(cutoffRule('12:00'), '2026-06-03T13:00:00Z', undefined)).toBe(Date.UTC(2026, 5, 3, 12, 0))
    expect(armedDue(cutoffRule('12:00'), '2026-06-03T13:00:00Z', 'Mars/Olympus')).toBe(Date.UTC(2026, 5, 3, 12, 0))
    expect(armedDue(cutoffRule('09:30', { grace: '2h' }), '2026-06-03T13:00:00Z', undefined)).toBe(Date.UTC(2026, 5, 3, 11, 30))
  })

  it('lands on the wall-clock time across DST changes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 730 }), fc.integer({ min: 0, max: 23 * 60 + 59 }), fc.constantFrom('Europe/Berlin', 'America/New_York', 'Asia/Shanghai', 'UTC'), (day, minutes, zone) => {
        const ms = Date.UTC(2026, 0, 1) + day * 86_400_000
        const due = localTimeOn(ms, zone, minutes)
        const parts = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(due)
        const get = (type: string) => Number(parts.find((p) => p.type === type)?.value)
        const dateOf = new Intl.DateTimeFormat('en-CA', { timeZone: zone }).format(ms)
        expect(new Intl.DateTimeFormat('en-CA', { timeZone: zone }).format(due)).toBe(dateOf)
        // A time inside a spring-forward gap moves forward by the gap (one hour).
        const shown = get('hour') * 60 + get('minute')
        expect(shown === minutes || shown === minutes + 60).toBe(true)
      }),
    )
  })

  it('answers from its per-day memory exactly as the zone arithmetic does, DST days and odd offsets included', () => {
    // Zones whose midnight falls in a DST gap, 30- and 45-minute offsets and DST, an unknown zone.
    const zones = ['Europe/Berlin', 'America/Santiago', 'Asia/Beirut', 'America/Havana', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'Pacific/Chatham', 'America/St_Johns', 'UTC', 'Mars/Olympus']
    const direct = luxonLocalTimeOn
    const start = Date.UTC(2025, 0, 1)
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 * 365 * 86_400 }), fc.constantFrom(...zones), fc.constantFrom(0, 30, 720, 1439)), { minLength: 1, maxLength: 40 }), (calls) => {
        // Near-together instants exercise remembered days; seconds across 3 years reach every DST change.
        for (const [s, zone, minutes] of calls) {
          for (const ms of [start + s * 1000, start + s * 1000 + 3_600_000, start + (s % 86_400) * 1000]) {
            expect(localTimeOn(ms, zone, minutes)).toBe(direct(ms, zone, minutes))
          }
        }
      }),
      { numRuns: 120 },
    )
    // Every hour around a spring-forward midnight (Santiago, September 2025) and a fall-back one.
    for (const zone of ['America/Santiago', 'Asia/Beirut', 'Europe/Berlin']) {
      for (let h = 0; h < 24 * 400; h += 2) {
        const ms = start + h * 3_600_000 + 1_234
        expect(localTimeOn(ms, zone, 720)).toBe(direct(ms, zone, 720))
      }
    }
  })

  it('is refused with its field path when malformed or without at', () => {
    for (const bad of ['12', '24:00', '12:60', '7:00', '12:00:00', 'noon']) {
      expect(validateRule(cutoffRule(bad)), bad).toContainEqual({ path: '/triggers/0/absence/cutoff', message: expect.stringContaining('HH:MM') })
    }
    const withAfter = { ...cutoffRule('12:00'), triggers: [{ absence: { start: ['Order Shipped'], awaited: ['Order Delivered'], entity: 'order_id', after: '1h', cutoff: '12:00' } }] }
    expect(validateRule(withAfter)).toContainEqual({ path: '/triggers/0/absence/cutoff', message: 'needs at (the time fact whose local date it applies to)' })
  })
})

describe('a bound from another fact', () => {
  const rule = (when: unknown) => ({
    id: 'slip',
    name: 'New estimate past the promise',
    triggers: [{ event: 'Shipment Updated', entity: 'order_id', when }],
    actions: [{ nudge: { channel: 'email', template: 'delayed-shipment' } }],
  })
  const matches = (when: unknown, properties: Record<string, unknown>, order: Partial<OrderState> | undefined): boolean => {
    const compiled = compileRule({ document: rule(when) })
    if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors))
    const event = track('Shipment Updated', { order_id: 'A1', ...properties })
    const ctx: EvalContext = { event, state: emptyCustomerState('c1'), order: order && { order_id: 'A1', status: 'shipped', updated_at: T0, ...order }, at: T0 }
    return new RuleSet([compiled.rule]).matchEvent(ctx).length === 1
  }
  const later = { fact: 'properties.estimated_delivery_at', gt: { fact: 'order.promised_delivery_at' } }

  it('compares dates and numbers on both sides; an unknown side never holds', () => {
    const promised = Date.parse('2026-06-03T13:00:00Z')
    expect(matches(later, { estimated_delivery_at: '2026-06-05T13:00:00Z' }, { promised_delivery_at: promised })).toBe(true)
    expect(matches(later, { estimated_delivery_at: '2026-06-03T13:00:00Z' }, { promised_delivery_at: promised })).toBe(false)
    expect(matches(later, { estimated_delivery_at: '2026-06-02T13:00:00Z' }, { promised_delivery_at: promised })).toBe(false)
    expect(matches(later, { estimated_delivery_at: '2026-06-05T13:00:00Z' }, {})).toBe(false)
    expect(matches(later, {}, { promised_delivery_at: promised })).toBe(false)
    expect(matches(later, { estimated_delivery_at: '2026-06-05T13:00:00Z' }, undefined)).toBe(false)
    const gte = { fact: 'properties.estimated_delivery_at', gte: { fact: 'order.promised_delivery_at' } }
    expect(matches(gte, { estimated_delivery_at: promised }, { promised_delivery_at: promised })).toBe(true)
    expect(matches({ fact: 'properties.n', lt: { fact: 'properties.m' } }, { n: 2, m: '3' }, undefined)).toBe(true)
    expect(matches({ fact: 'properties.n', lte: { fact: 'properties.m' } }, { n: 4, m: 3 }, undefined)).toBe(false)
  })

  it('is refused with field paths: bad fact, extra key, money conversion', () => {
    expect(validateRule(rule({ fact: 'properties.a', gt: { fact: 'nowhere.x' } }))).toContainEqual({ path: '/triggers/0/when/gt/fact', message: expect.stringContaining('must start with one of') })
    expect(validateRule(rule({ fact: 'properties.a', gt: { fact: 'properties.b', plus: '1h' } }))).toContainEqual({ path: '/triggers/0/when/gt/plus', message: expect.stringContaining('unknown field') })
    expect(validateRule(rule({ fact: 'properties.a', gt: { fakt: 'properties.b' } }))).toContainEqual({ path: '/triggers/0/when/gt/fact', message: expect.stringContaining('fact path') })
    expect(validateRule(rule({ fact: 'order.total', gt: { fact: 'properties.b' }, currency: 'shop' }))).toContainEqual({ path: '/triggers/0/when/currency', message: expect.stringContaining('another fact') })
  })
})

describe('the starter delayed-shipment rule', () => {
  it('arms the noon cut-off for the estimate and re-arms it from an out-for-delivery scan, which keeps it quiet', async () => {
    const { starterRules } = await import('../../src/rules/index.ts')
    const doc = starterRules.find((r) => r.id === 'delayed-shipment')
    const compiled = compileRule({ document: doc })
    if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors))
    const set = new RuleSet([compiled.rule])
    const cutoff = compiled.rule.triggers.findIndex((t) => t.kind === 'absence' && t.cutoffMinutes !== undefined)
    const state = emptyCustomerState('c1')
    state.timezone = 'Europe/Berlin'
    const shipped = track('Order Shipped', { order_id: 'A1', estimated_delivery_at: '2026-06-03T19:00:00Z' }, { ts: T0 })
    const arm = set.timerChanges(shipped, { event: shipped, state, order: undefined, at: T0 }).find((c) => c.op === 'arm' && c.triggerIndex === cutoff)
    expect(arm?.dueAt).toBe(Date.UTC(2026, 5, 3, 10, 0)) // 12:00 CEST
    expect(set.matchTimer('delayed-shipment', cutoff, 'A1', { event: shipped, state, order: undefined, at: arm?.dueAt ?? 0 })).toBeDefined()
    const scan = track('Shipment Updated', { order_id: 'A1', status: 'out_for_delivery', estimated_delivery_at: '2026-06-03T18:00:00Z' }, { ts: Date.UTC(2026, 5, 3, 6, 0) })
    expect(set.matchTimer('delayed-shipment', cutoff, 'A1', { event: scan, state, order: undefined, at: Date.UTC(2026, 5, 3, 10, 0) })).toBeUndefined()
  })
})
