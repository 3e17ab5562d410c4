// Server-derived dwell over the reducer's state: a product view without dwell_ms lasts until the
// shopper's next page or track event in the session; redelivery never changes what is derived;
// a measured dwell (the script's) wins over the derived one.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { emptyCustomerState } from '../../src/model/customer.ts'
import type { ShopEvent } from '../../src/model/event.ts'
import { DWELL_SESSION_GAP_MS, dwellsSettledBy } from '../../src/stream/state/dwell.ts'
import { alreadyApplied, applyEvent } from '../../src/stream/state/reducer.ts'

const MIN = 60_000
const T0 = Date.UTC(2026, 5, 1, 9, 0, 0)

function event(id: string, name: string, ts: number, properties: Record<string, unknown> = {}, type: ShopEvent['type'] = 'track'): ShopEvent {
  return { type, messageId: id, customerId: 'c-1', name, ts, properties, context: {} }
}

/**
 * Applies events as the engine does (redeliveries skipped) and returns the dwell derived for each
 * view: the first settlement (what the engine decides on), or the last one.
 */
function play(events: readonly ShopEvent[], keep: 'first' | 'last' = 'first'): Map<string, number> {
  const state = emptyCustomerState('c-1')
  const derived = new Map<string, number>()
  for (const e of events) {
    if (alreadyApplied(state, e.messageId)) continue
    applyEvent(state, e)
    for (const d of dwellsSettledBy(state, e)) if (keep === 'last' || !derived.has(d.messageId)) derived.set(d.messageId, d.dwellMs)
  }
  return derived
}

const NAMES = ['Product Viewed', 'Product Viewed', 'Product Added', 'Identify', 'Checkout Started']

/** A shopper's events in time order, 1 ms to 40 min apart; with `measured`, some views carry a dwell. */
const shopperEvents = (measured: boolean) => {
  const step = fc.record({ gap: fc.integer({ min: 1, max: 40 * MIN }), name: fc.constantFrom(...NAMES), product: fc.constantFrom('p1', 'p2'), measured: measured ? fc.boolean() : fc.constant(false) })
  return fc.array(step, { minLength: 1, maxLength: 25 }).map((steps) => {
    let ts = T0
    return steps.map((s, i) => {
      ts += s.gap
      const props: Record<string, unknown> = { product_id: s.product }
      if (s.name === 'Product Viewed' && s.measured) props.dwell_ms = s.gap
      return event(`m${i}`, s.name, ts, props, s.name === 'Identify' ? 'identify' : 'track')
    })
  })
}

describe('server-derived dwell', () => {
  it('lasts from the view to the next page or track event of the session', () => {
    const derived = play([
      event('v1', 'Product Viewed', T0, { product_id: 'p1' }),
      event('i1', 'Identify', T0 + MIN, { email: 'a@example.com' }, 'identify'),
      event('a1', 'Product Added', T0 + 3 * MIN, { product_id: 'p1' }),
      event('v2', 'Product Viewed', T0 + 4 * MIN, { product_id: 'p2' }),
    ])
    expect(Object.fromEntries(derived)).toEqual({ 'dwell:v1': 3 * MIN })
  })

  it('ends at a page call; alias and group calls end nothing', () => {
    const derived = play([
      event('v1', 'Product Viewed', T0, { product_id: 'p1' }),
      event('al', 'Alias', T0 + MIN, { previousId: 'a-1' }, 'alias'),
      event('gr', 'Group', T0 + 2 * MIN, { plan: 'b2b' }, 'group'),
      event('pg', 'Page Viewed', T0 + 4 * MIN, { path: '/cart' }, 'page'),
    ])
    expect(Object.fromEntries(derived)).toEqual({ 'dwell:v1': 4 * MIN })
  })

  it('has no end when the next event is beyond the session gap, or there is none', () => {
    const derived = play([
      event('v1', 'Product Viewed', T0, { product_id: 'p1' }),
      event('a1', 'Product Added', T0 + DWELL_SESSION_GAP_MS + 1, { product_id: 'p1' }),
      event('v2', 'Product Viewed', T0 + 2 * DWELL_SESSION_GAP_MS, { product_id: 'p2' }),
    ])
    expect(derived.size).toBe(0)
  })

  it('leaves a view alone when a measured dwell for the same product covers it (the script wins)', () => {
    const derived = play([
      event('v1', 'Product Viewed', T0, { product_id: 'p1' }),
      event('s1', 'Product Viewed', T0 + 3 * MIN, { product_id: 'p1', dwell_ms: 170_000 }),
      event('a1', 'Checkout Started', T0 + 4 * MIN, { checkout_id: 'k1' }),
    ])
    expect(derived.size).toBe(0)
  })

  it('never replaces a dwell_ms the sender gave, even one rules cannot use', () => {
    const derived = play([event('v1', 'Product Viewed', T0, { product_id: 'p1', dwell_ms: '150000' }), event('a1', 'Product Added', T0 + 5 * MIN, { product_id: 'p1' })])
    expect(derived.size).toBe(0)
  })

  it('settles a view that arrives after its next event', () => {
    const derived = play([event('a1', 'Product Added', T0 + 5 * MIN, { product_id: 'p1' }), event('v1', 'Product Viewed', T0, { product_id: 'p1' })])
    expect(Object.fromEntries(derived)).toEqual({ 'dwell:v1': 5 * MIN })
  })

  it('derives the same dwells whatever is redelivered, and wherever', () => {
    const stream = shopperEvents(true)
    const redeliveries = fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 30 })
    fc.assert(
      fc.property(stream, redeliveries, (events, redeliver) => {
        const once = play(events)
        // Each redelivery repeats an event at a position after its first delivery.
        const delivered: ShopEvent[] = [...events]
        for (const [which, where] of redeliver) {
          const original = events[which % events.length] as ShopEvent
          const first = delivered.indexOf(original)
          delivered.splice(first + 1 + (where % (delivered.length - first)), 0, original)
        }
        expect(play(delivered)).toEqual(once)
        // Every dwell derived is the time to the next activity within the gap.
        for (const [id, dwell] of once) {
          expect(dwell).toBeGreaterThan(0)
          expect(dwell).toBeLessThanOrEqual(DWELL_SESSION_GAP_MS)
          expect(id.startsWith('dwell:')).toBe(true)
        }
      }),
      { numRuns: 300 },
    )
  })

  // Without measured dwells: a measured report arriving after the view was settled cannot take
  // the settlement back (docs/dwell.md, limits).
  it('settles every view to the same dwell in any arrival order (the last settlement is the one in time order)', () => {
    fc.assert(
      fc.property(shopperEvents(false).chain((events) => fc.tuple(fc.constant(events), fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }))), ([events, arrival]) => {
        expect(play(arrival, 'last')).toEqual(play(events))
      }),
      { numRuns: 300 },
    )
  })
})
