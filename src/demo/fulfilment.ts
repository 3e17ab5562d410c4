// What happens to an order after it is placed: payment capture, shipping, on-time or late
// delivery, returns, refunds and complaints. Decided when the order is placed and scheduled
// ahead, because the trace must be generated without waiting for the parcel.
import type { CartLine, ShopperState } from './shopper.ts'
import { round2 } from './shopper.ts'
import { DAY, HOUR, MINUTE, atLocalHour, localDate } from './localtime.ts'
import { COMPLAINT_CHANNELS, DELAY_DESCRIPTIONS, RETURN_REASONS, complaintText, type ComplaintTopic } from './texts.ts'

export interface Order {
  order_id: string
  checkout_id: string
  subtotal: number
  total: number
  currency: string
  products: Record<string, unknown>[]
  lines: CartLine[]
  placedAt: number
  promisedAt: number
}

const iso = (ms: number): string => new Date(ms).toISOString()

/** A local day `days` after the instant, at a local hour (delivery windows end at 21:00). */
function dayAt(state: ShopperState, from: number, days: number, hour: number): number {
  return atLocalHour(state.shopper.timezone, from + days * DAY, hour)
}

function complain(state: ShopperState, t: number, topic: ComplaintTopic, order?: Order): void {
  const { rng, shopper } = state
  const date = order ? localDate(shopper.timezone, order.promisedAt) : undefined
  const props: Record<string, unknown> = {
    topic,
    text: complaintText(rng, shopper.locale, topic, { order: order?.order_id, date }),
    channel: rng.weighted(COMPLAINT_CHANNELS),
  }
  if (order) props.order_id = order.order_id
  state.timeline.track(t, 'Complaint Filed', props)
}

export function placeOrder(state: ShopperState, order: Order): void {
  const { rng, shopper, timeline } = state
  const t0 = order.placedAt
  const freeShipping = order.subtotal >= (shopper.localCurrency ? 50 * shopper.region.rate : 50)
  const shipping = freeShipping ? 0 : round2((shopper.localCurrency ? shopper.region.rate : 1) * 4.99)
  const coupon = rng.chance(0.1) ? rng.pick(['WELCOME10', 'SPRING10', 'VIP10']) : undefined
  const discount = coupon ? round2(order.subtotal * 0.1) : 0
  order.total = round2(order.subtotal - discount + shipping)
  order.promisedAt = dayAt(state, t0, rng.int(...shopper.region.shipDays), 21)
  const props: Record<string, unknown> = {
    order_id: order.order_id,
    checkout_id: order.checkout_id,
    total: order.total,
    revenue: round2(order.subtotal - discount),
    subtotal: order.subtotal,
    shipping,
    discount,
    currency: order.currency,
    payment_method: shopper.paymentMethod,
    products: order.products,
    promised_delivery_at: iso(order.promisedAt),
  }
  if (coupon) props.coupon = coupon
  timeline.track(t0, 'Order Completed', props)
  // Everything after this point is in the future; skip the work when it falls past the trace.
  if (!timeline.inTrace(t0 + MINUTE)) return

  // The card was authorised at checkout but capture fails later: Payment Failed by order_id.
  if (rng.chance(0.015 + shopper.payTrouble * 0.05)) {
    const t = t0 + rng.int(5, 90) * MINUTE
    timeline.track(t, 'Payment Failed', { order_id: order.order_id, reason: 'capture_failed', amount: order.total, currency: order.currency, payment_method: shopper.paymentMethod })
    if (rng.chance(0.6)) {
      timeline.track(t + rng.int(1, 6) * HOUR, 'Order Cancelled', { order_id: order.order_id, total: order.total, currency: order.currency, reason: 'payment_failed' })
      return
    }
  }
  // Double charges happen more to shoppers whose payments already misbehave.
  if (rng.chance(0.012 + shopper.payTrouble * 0.08)) {
    const t = t0 + rng.int(2, 72) * HOUR
    complain(state, t, 'payment_security', rng.chance(0.8) ? order : undefined)
    if (rng.chance(0.7)) {
      timeline.track(t + rng.int(20, 96) * HOUR, 'Order Refunded', { order_id: order.order_id, total: order.total, currency: order.currency, reason: 'duplicate_charge' })
    }
  }
  if (rng.chance(0.02)) {
    timeline.track(t0 + rng.int(20, 480) * MINUTE, 'Order Cancelled', { order_id: order.order_id, total: order.total, currency: order.currency, reason: 'customer_request' })
    return
  }
  ship(state, order)
}

function ship(state: ShopperState, order: Order): void {
  const { rng, shopper, timeline } = state
  const carrier = rng.pick(shopper.region.carriers)
  const shipment = { order_id: order.order_id, carrier: carrier.name, tracking_number: rng.pattern(carrier.tracking) }
  const shippedAt = Math.max(order.placedAt + 2 * HOUR, dayAt(state, order.placedAt, rng.chance(0.3) ? 0 : 1, rng.float(10, 18)))
  // Carriers sometimes promise a day earlier than the shop did; never before the day after shipping.
  const eta = Math.max(rng.chance(0.2) ? order.promisedAt - DAY : order.promisedAt, dayAt(state, shippedAt, 1, 21))
  timeline.track(shippedAt, 'Order Shipped', { ...shipment, estimated_delivery_at: iso(eta) })

  const outcome = rng.weighted([['on_time', 84], ['late_update', 11], ['late_silent', 5]] as const)
  let deliveredAt: number | undefined
  if (outcome === 'on_time') {
    const span = Math.max(0, Math.round((eta - shippedAt) / DAY) - 1)
    deliveredAt = Math.min(eta - HOUR, Math.max(shippedAt + 14 * HOUR, dayAt(state, shippedAt, 1 + rng.int(0, span), rng.float(9, 20))))
    if (rng.chance(0.2)) {
      timeline.track(shippedAt + rng.int(4, 12) * HOUR, 'Shipment Updated', { ...shipment, status: 'in_transit', estimated_delivery_at: iso(eta) })
    }
  } else if (outcome === 'late_update') {
    // Many carriers only move the estimate (the scan still says in transit); others say why.
    const status = rng.weighted([['delayed', 50], ['exception', 20], ['in_transit', 30]] as const)
    const updatedAt = Math.max(shippedAt + 6 * HOUR, eta + rng.int(-30, 10) * HOUR)
    const newEta = dayAt(state, eta, rng.int(2, 6), 21)
    timeline.track(updatedAt, 'Shipment Updated', {
      ...shipment,
      status,
      estimated_delivery_at: iso(newEta),
      ...(status === 'in_transit' ? {} : { description: rng.pick(DELAY_DESCRIPTIONS[status]) }),
    })
    // A quarter of these parcels never arrive within the trace (lost, returned to sender).
    if (rng.chance(0.75)) {
      const late = rng.chance(0.2) ? rng.int(1, 3) : -rng.int(0, 3)
      deliveredAt = Math.max(updatedAt + 12 * HOUR, dayAt(state, newEta, late, rng.float(9, 20)))
    }
  } else {
    // Late with no word from the carrier: only the absence of Order Delivered tells.
    deliveredAt = dayAt(state, eta, rng.int(1, 4), rng.float(9, 20))
  }

  if (outcome !== 'on_time' && rng.chance(shopper.vip ? 0.45 : 0.3)) {
    complain(state, eta + rng.int(4, 48) * HOUR, 'late', order)
  }
  if (deliveredAt === undefined) return
  // The carrier scans every parcel out for delivery on the morning of its delivery day, with
  // that day's delivery window as the estimate.
  const morning = Math.max(shippedAt + HOUR, Math.min(deliveredAt - 30 * MINUTE, dayAt(state, deliveredAt, 0, rng.float(7, 9))))
  if (morning < deliveredAt) {
    timeline.track(morning, 'Shipment Updated', { ...shipment, status: 'out_for_delivery', estimated_delivery_at: iso(Math.max(deliveredAt, dayAt(state, deliveredAt, 0, 20))) })
  }
  timeline.track(deliveredAt, 'Order Delivered', { order_id: order.order_id, carrier: carrier.name, tracking_number: shipment.tracking_number })
  afterDelivery(state, order, deliveredAt, outcome !== 'on_time')
}

function afterDelivery(state: ShopperState, order: Order, deliveredAt: number, wasLate: boolean): void {
  const { rng, shopper, timeline } = state
  if (!timeline.inTrace(deliveredAt)) return
  let forcedReason: string | undefined
  const problem = rng.weighted([['none', 96], ['damaged', 3], ['wrong_item', 1]] as const)
  if (problem !== 'none') {
    complain(state, deliveredAt + rng.int(1, 30) * HOUR, problem, order)
    if (rng.chance(0.8)) forcedReason = problem === 'damaged' ? 'damaged' : 'not_as_described'
  }
  const returning = forcedReason !== undefined || rng.chance(shopper.returnRate + (wasLate ? 0.05 : 0))
  if (!returning) return
  // Serial returners send back most of an order; others one item.
  const lines = shopper.kind === 'returner' ? order.lines.filter(() => rng.chance(0.7)) : []
  if (lines.length === 0) lines.push(rng.pick(order.lines))
  let t = deliveredAt + rng.int(6, 24 * 9) * HOUR
  for (const line of lines) {
    const reason = forcedReason ?? (wasLate && rng.chance(0.3) ? 'arrived_late' : rng.weighted(RETURN_REASONS))
    t += rng.int(1, 30) * MINUTE
    timeline.track(t, 'Return Requested', {
      order_id: order.order_id,
      product_id: line.product.product_id,
      name: line.product.name,
      quantity: line.quantity,
      reason,
    })
    const amount = round2(line.price * line.quantity)
    let refundAt = t + rng.int(3 * 24, 10 * 24) * HOUR
    // Refunds that take too long are the commonest money complaint after a return.
    if (rng.chance(0.12)) {
      const complainedAt = t + rng.int(7 * 24, 15 * 24) * HOUR
      complain(state, complainedAt, 'refund', rng.chance(0.7) ? order : undefined)
      refundAt = Math.max(refundAt, complainedAt + rng.int(24, 72) * HOUR)
    }
    if (rng.chance(0.88)) {
      timeline.track(refundAt, 'Order Refunded', {
        order_id: order.order_id,
        total: amount,
        currency: order.currency,
        reason: 'return',
        products: [{ product_id: line.product.product_id, quantity: line.quantity, price: line.price }],
      })
    }
  }
}
