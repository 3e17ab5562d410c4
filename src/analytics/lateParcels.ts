// Late parcels as a problem of their order: a parcel delivered after its due date, or still not
// delivered when the history ends past it. A message about such an order is not needless — the
// shopper had a reason to hear from the shop even if they never complained. The due date is the
// shop's promise (`promised_delivery_at` of Order Completed), else the carrier's first estimate
// (`estimated_delivery_at` of the first Order Shipped): later estimates are the lateness itself.

/** A track event as the late-parcel logic reads it. */
export interface OrderEvent {
  customerId: string
  name: string
  ts: number
  properties: Record<string, unknown>
}

/** A parcel that was late: from its due date until its delivery (null: not delivered by the history's end). */
export interface LateParcel {
  customerId: string
  orderId: string
  dueAt: number
  deliveredAt: number | null
}

/** Epoch ms of an ISO date-time or epoch-ms value; undefined when unreadable. */
export function instantOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined
  if (typeof value !== 'string' || value === '') return undefined
  if (/^[0-9]{1,15}$/.test(value)) return Number(value)
  const ms = Date.parse(value)
  return Number.isNaN(ms) ? undefined : ms
}

function orderIdOf(properties: Record<string, unknown>): string | undefined {
  const v = Object.hasOwn(properties, 'order_id') ? properties.order_id : undefined
  return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined
}

interface OrderDates {
  customerId: string
  orderId: string
  promisedAt?: number
  shipped?: { ts: number; estimate: number | undefined }
  deliveredAt?: number
}

/**
 * The late parcels among the events' orders, as of `end` (the history's last moment): an order
 * with a due date that was delivered after it, or not delivered and due before `end`.
 */
export function lateParcels(events: Iterable<OrderEvent>, end: number): LateParcel[] {
  const orders = new Map<string, OrderDates>()
  for (const e of events) {
    if (e.name !== 'Order Completed' && e.name !== 'Order Shipped' && e.name !== 'Order Delivered') continue
    const orderId = orderIdOf(e.properties)
    if (orderId === undefined) continue
    const key = `${e.customerId}\u0000${orderId}`
    let order = orders.get(key)
    if (!order) orders.set(key, (order = { customerId: e.customerId, orderId }))
    if (e.name === 'Order Completed') order.promisedAt ??= instantOf(e.properties.promised_delivery_at)
    else if (e.name === 'Order Shipped') {
      if (!order.shipped || e.ts < order.shipped.ts) order.shipped = { ts: e.ts, estimate: instantOf(e.properties.estimated_delivery_at) }
    } else order.deliveredAt = Math.min(order.deliveredAt ?? e.ts, e.ts)
  }
  const late: LateParcel[] = []
  for (const o of orders.values()) {
    const dueAt = o.promisedAt ?? o.shipped?.estimate
    if (dueAt === undefined) continue
    if (o.deliveredAt === undefined ? dueAt < end : o.deliveredAt > dueAt) {
      late.push({ customerId: o.customerId, orderId: o.orderId, dueAt, deliveredAt: o.deliveredAt ?? null })
    }
  }
  return late
}

/**
 * Whether a late parcel followed a message sent at `sentAt`: the parcel was late at some moment in
 * (sentAt, sentAt + followMs] — due by then and not delivered before the message went.
 */
export function lateAfter(parcel: LateParcel, sentAt: number, followMs: number): boolean {
  return parcel.dueAt <= sentAt + followMs && (parcel.deliveredAt === null || parcel.deliveredAt > sentAt)
}
