// Finders for the situations the demo trace must contain (the moments careloop reacts to).
import type { SegmentMessage, TrackSegmentMessage } from '../../src/demo/trace.ts'

const DAY = 86_400_000
const CJK = /[\u4e00-\u9fff]/

function tracks(messages: SegmentMessage[], event: string): TrackSegmentMessage[] {
  return messages.filter((m): m is TrackSegmentMessage => m.type === 'track' && m.event === event)
}

function byUser(messages: TrackSegmentMessage[]): Map<string, number[]> {
  const out = new Map<string, number[]>()
  for (const m of messages) {
    const list = out.get(m.userId) ?? []
    list.push(Date.parse(m.timestamp))
    out.set(m.userId, list)
  }
  return out
}

/** Most events of one kind any single user has inside a sliding window. */
function maxInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b)
  let best = 0
  let lo = 0
  for (let hi = 0; hi < sorted.length; hi++) {
    while ((sorted[hi] as number) - (sorted[lo] as number) > windowMs) lo++
    best = Math.max(best, hi - lo + 1)
  }
  return best
}

export function scenarioCounts(messages: SegmentMessage[]) {
  const longDwell = tracks(messages, 'Product Viewed').filter((m) => Number(m.properties.dwell_ms) >= 120_000).length
  const lateUpdates = tracks(messages, 'Shipment Updated').filter((m) =>
    ['delayed', 'exception'].includes(String(m.properties.status)),
  ).length
  const eta = new Map(tracks(messages, 'Order Shipped').map((m) => [String(m.properties.order_id), Date.parse(String(m.properties.estimated_delivery_at))]))
  const lateDeliveries = tracks(messages, 'Order Delivered').filter(
    (m) => Date.parse(m.timestamp) > (eta.get(String(m.properties.order_id)) ?? Infinity),
  ).length
  const serialReturners = [...byUser(tracks(messages, 'Return Requested')).values()].filter((t) => maxInWindow(t, 90 * DAY) >= 3).length
  const doubleFailures = [...byUser(tracks(messages, 'Payment Failed')).values()].filter((t) => maxInWindow(t, DAY) >= 2).length
  const completed = new Set(tracks(messages, 'Order Completed').map((m) => m.properties.checkout_id))
  const abandoned = tracks(messages, 'Checkout Started').filter((m) => !completed.has(m.properties.checkout_id)).length
  const money = tracks(messages, 'Complaint Filed').filter((m) => ['payment_security', 'refund'].includes(String(m.properties.topic)))
  const moneyChinese = money.filter((m) => CJK.test(String(m.properties.text))).length
  const moneyEnglish = money.filter((m) => !CJK.test(String(m.properties.text))).length
  const bigOrders = tracks(messages, 'Order Completed').filter((m) => Number(m.properties.total) >= 500).length
  return { longDwell, lateUpdates, lateDeliveries, serialReturners, doubleFailures, abandoned, moneyChinese, moneyEnglish, bigOrders }
}
