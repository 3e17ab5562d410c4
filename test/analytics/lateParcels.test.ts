// Late parcels as a problem of their order, on hand-made events (each case worked out beside it)
// and on generated ones against a direct reading of the definition: hostile order ids and
// unreadable dates never throw and never make a parcel late.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { instantOf, lateAfter, lateParcels, type OrderEvent } from '../../src/analytics/lateParcels.ts'

const H = 3_600_000
const D = 24 * H
const T = Date.UTC(2026, 10, 2, 20)
const iso = (ms: number) => new Date(ms).toISOString()
const ev = (customerId: string, name: string, ts: number, properties: Record<string, unknown>): OrderEvent => ({ customerId, name, ts, properties })

describe('late parcels', () => {
  const events = [
    // a: promised T, carrier said T - 1 day, delivered T - 2 h: on time by the promise.
    ev('c', 'Order Completed', T - 4 * D, { order_id: 'a', promised_delivery_at: iso(T) }),
    ev('c', 'Order Shipped', T - 3 * D, { order_id: 'a', estimated_delivery_at: iso(T - D) }),
    ev('c', 'Order Delivered', T - 2 * H, { order_id: 'a' }),
    // b: promised T, a later estimate T + 2 days (not the due date), delivered T + 1 day: late.
    ev('c', 'Order Completed', T - 4 * D, { order_id: 'b', promised_delivery_at: iso(T) }),
    ev('c', 'Shipment Updated', T - H, { order_id: 'b', estimated_delivery_at: iso(T + 2 * D) }),
    ev('c', 'Order Delivered', T + D, { order_id: 'b' }),
    // 7: no promise; first estimate T as epoch ms (a number id), a second Order Shipped later; never delivered: late.
    ev('d', 'Order Completed', T - 4 * D, { order_id: 7 }),
    ev('d', 'Order Shipped', T - 3 * D, { order_id: 7, estimated_delivery_at: T }),
    ev('d', 'Order Shipped', T - 2 * D, { order_id: 7, estimated_delivery_at: iso(T + 5 * D) }),
    // e: promised T + 3 days, not delivered, history ends before: not late (yet).
    ev('d', 'Order Completed', T - D, { order_id: 'e', promised_delivery_at: iso(T + 3 * D) }),
    // f: no date at all: never late. __proto__: an order id like any other.
    ev('d', 'Order Completed', T - D, { order_id: 'f', promised_delivery_at: 'soon' }),
    ev('d', 'Order Completed', T - D, { order_id: '__proto__', promised_delivery_at: iso(T) }),
    ev('d', 'Order Delivered', T + H, { order_id: '__proto__' }),
  ]
  const end = T + 2 * D

  it('are the orders delivered after their promise (else first estimate), or not by the end', () => {
    expect(lateParcels(events, end)).toEqual([
      { customerId: 'c', orderId: 'b', dueAt: T, deliveredAt: T + D },
      { customerId: 'd', orderId: '7', dueAt: T, deliveredAt: null },
      { customerId: 'd', orderId: '__proto__', dueAt: T, deliveredAt: T + H },
    ])
  })

  it('follow a message when late at some moment within the follow window after it', () => {
    const b = { customerId: 'c', orderId: 'b', dueAt: T, deliveredAt: T + D }
    expect(lateAfter(b, T - 3 * D - 1, 3 * D)).toBe(false) // due after the window
    expect(lateAfter(b, T - 3 * D, 3 * D)).toBe(true) // due at the window's end
    expect(lateAfter(b, T + 12 * H, 3 * D)).toBe(true) // already late when sent, delivered after
    expect(lateAfter(b, T + D, 3 * D)).toBe(false) // sent at the delivery
    expect(lateAfter({ ...b, deliveredAt: null }, T + 30 * D, 3 * D)).toBe(true)
  })

  it('reads ISO text and epoch ms, nothing else', () => {
    expect(instantOf(iso(T))).toBe(T)
    expect(instantOf(String(T))).toBe(T)
    expect(instantOf(T)).toBe(T)
    for (const bad of ['', 'soon', '\u0000', '\ud800', null, {}, Number.NaN, Infinity]) expect(instantOf(bad)).toBeUndefined()
  })

  it('match the definition on generated orders', () => {
    const when = fc.option(fc.integer({ min: -5, max: 5 }), { nil: null })
    const order = fc.record({ id: fc.oneof(fc.string({ unit: 'binary', maxLength: 6 }), fc.constantFrom('__proto__', 'constructor')), promised: when, estimate: when, delivered: when, junk: fc.boolean() })
    fc.assert(
      fc.property(fc.uniqueArray(order, { selector: (o) => o.id, maxLength: 8 }), fc.integer({ min: -5, max: 5 }), (orders, endDay) => {
        const at = (d: number) => T + d * D
        const events = orders.flatMap((o) => [
          ev('c', 'Order Completed', at(-9), { order_id: o.id, promised_delivery_at: o.junk ? 'soon' : o.promised === null ? undefined : iso(at(o.promised)) }),
          ...(o.estimate === null ? [] : [ev('c', 'Order Shipped', at(-8), { order_id: o.id, estimated_delivery_at: at(o.estimate) })]),
          ...(o.delivered === null ? [] : [ev('c', 'Order Delivered', at(o.delivered), { order_id: o.id })]),
        ])
        const expected = orders.flatMap((o) => {
          const due = (o.junk ? null : o.promised) ?? o.estimate
          if (due === null) return []
          const late = o.delivered === null ? at(due) < at(endDay) : o.delivered > due
          return late ? [o.id] : []
        })
        expect(lateParcels(events, at(endDay)).map((p) => p.orderId).sort()).toEqual(expected.sort())
      }),
    )
  })
})
