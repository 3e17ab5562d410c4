// Applies one event to a customer's state. Mutates in place: the state belongs to exactly one
// writer, and copying it on every event would cost more than the rules themselves.
import { dict, getOwn, setOwn, type CustomerState, type OrderState } from '../../model/customer.ts'
import { fieldText, historyProperties, ShopEventNames as E, type ShopEvent } from '../../model/event.ts'
import { toEpochMs as toTime } from '../../lib/time.ts'

export interface RetentionPolicy {
  /** How long occurrences of any event name are remembered for windowed counts. */
  countWindowMs: number
  /** Longer windows some rules need, per event name. */
  countWindows?: ReadonlyMap<string, number>
  maxCountsPerName: number
  recentEvents: number
  seenMessageIds: number
  maxOrders: number
}

export const defaultRetention: RetentionPolicy = {
  countWindowMs: 90 * 86_400_000,
  maxCountsPerName: 200,
  recentEvents: 50,
  seenMessageIds: 256,
  maxOrders: 50,
}

const RECENT_PROPERTY_BYTES = 2_000

function toNumber(value: unknown): number | undefined {
  const n = typeof value === 'string' ? Number(value) : value
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined
}

/** Input objects are parsed JSON: read own fields only. */
function own(obj: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined
}

function orderFor(state: CustomerState, orderId: string, ts: number): OrderState {
  let order = getOwn(state.orders, orderId)
  if (order === undefined) {
    order = { order_id: orderId, status: 'placed', updated_at: ts }
    setOwn(state.orders, orderId, order)
  }
  return order
}

function setIfDefined<K extends keyof OrderState>(order: OrderState, key: K, value: OrderState[K] | undefined): void {
  if (value !== undefined) order[key] = value
}

/** A carrier's estimate: the latest one counts, the first one is the promise it may break. */
function noteEstimate(order: OrderState, estimate: number | undefined): void {
  if (estimate === undefined) return
  order.first_estimated_delivery_at ??= estimate
  order.estimated_delivery_at = estimate
}

/** Checkouts a recent Order Completed names: completed, whatever order their events arrive in. */
export function completedCheckouts(state: CustomerState): Set<string> {
  const ids = new Set<string>()
  for (const recent of state.recent) {
    if (recent.name !== E.orderCompleted) continue
    const id = fieldText(getOwn(recent.properties, 'checkout_id'))
    if (id !== undefined) ids.add(id)
  }
  return ids
}

function applyOrderEvent(state: CustomerState, event: ShopEvent): void {
  const p = event.properties
  const orderId = fieldText(own(p, 'order_id'))
  if (event.name === E.checkoutStarted) {
    const checkoutId = fieldText(p.checkout_id) ?? fieldText(p.cart_id)
    if (checkoutId !== undefined && !completedCheckouts(state).has(checkoutId)) {
      setOwn(state.checkouts, checkoutId, {
        checkout_id: checkoutId,
        cart_id: fieldText(p.cart_id),
        value: toNumber(p.value) ?? toNumber(p.total),
        currency: fieldText(p.currency),
        started_at: event.ts,
        products: Array.isArray(p.products) ? p.products : undefined,
      })
    }
    return
  }
  if (orderId === undefined) return
  const order = orderFor(state, orderId, event.ts)
  order.updated_at = Math.max(order.updated_at, event.ts)
  switch (event.name) {
    case E.orderCompleted: {
      order.status = 'placed'
      order.placed_at = event.ts
      setIfDefined(order, 'total', toNumber(p.total) ?? toNumber(p.revenue))
      setIfDefined(order, 'currency', fieldText(p.currency))
      setIfDefined(order, 'promised_delivery_at', toTime(p.promised_delivery_at))
      if (Array.isArray(p.products)) order.products = p.products
      const checkoutId = fieldText(p.checkout_id)
      if (checkoutId !== undefined) delete state.checkouts[checkoutId]
      break
    }
    case E.paymentFailed:
      if (order.status === 'placed') order.status = 'payment_failed'
      break
    case E.orderShipped:
      order.status = 'shipped'
      setIfDefined(order, 'carrier', fieldText(p.carrier))
      setIfDefined(order, 'tracking_number', fieldText(p.tracking_number))
      noteEstimate(order, toTime(p.estimated_delivery_at))
      break
    case E.shipmentUpdated: {
      const status = fieldText(p.status)
      setIfDefined(order, 'shipment_status', status)
      if (status === 'delayed' || status === 'exception') order.status = 'delayed'
      noteEstimate(order, toTime(p.estimated_delivery_at))
      break
    }
    case E.orderDelivered:
      order.status = 'delivered'
      break
    case E.orderCancelled:
      order.status = 'cancelled'
      break
    case E.orderRefunded:
      order.status = 'refunded'
      break
    case E.returnRequested:
      order.returns = (order.returns ?? 0) + 1
      break
  }
  trimOrders(state)
}

function trimOrders(state: CustomerState, max = defaultRetention.maxOrders): void {
  const ids = Object.keys(state.orders)
  if (ids.length <= max) return
  ids.sort((a, b) => (state.orders[a] as OrderState).updated_at - (state.orders[b] as OrderState).updated_at)
  for (const id of ids.slice(0, ids.length - max)) delete state.orders[id]
}

export function recordOccurrence(state: CustomerState, name: string, ts: number, policy: RetentionPolicy): void {
  let times = getOwn(state.counts, name)
  if (times === undefined) {
    times = []
    setOwn(state.counts, name, times)
  }
  // Events usually arrive in time order; insert in place when one is late.
  let i = times.length
  while (i > 0 && (times[i - 1] as number) > ts) i--
  times.splice(i, 0, ts)
  const window = Math.max(policy.countWindowMs, policy.countWindows?.get(name) ?? 0)
  const horizon = (times[times.length - 1] as number) - window
  let drop = 0
  while (drop < times.length && (times[drop] as number) < horizon) drop++
  if (times.length - drop > policy.maxCountsPerName) drop = times.length - policy.maxCountsPerName
  if (drop > 0) times.splice(0, drop)
}

/**
 * Approximate JSON size, giving up once past `budget` (cheaper than JSON.stringify per event). An
 * object counts as the array of its [key, value] entries, without building them (garbage per event).
 */
export function roughSize(value: unknown, budget: number): number {
  if (typeof value === 'string') return value.length + 2
  if (value === null || typeof value !== 'object') return 8
  let size = 2
  if (Array.isArray(value)) {
    for (const item of value) {
      size += roughSize(item, budget - size) + 1
      if (size > budget) return size
    }
    return size
  }
  for (const key of Object.keys(value)) {
    size += roughEntrySize(key, (value as Record<string, unknown>)[key], budget - size) + 1
    if (size > budget) return size
  }
  return size
}

/** roughSize of the array [key, item]. */
function roughEntrySize(key: string, item: unknown, budget: number): number {
  const size = 2 + key.length + 2 + 1
  if (size > budget) return size
  return size + roughSize(item, budget - size) + 1
}

function compactProperties(properties: Record<string, unknown>): Record<string, unknown> {
  if (roughSize(properties, RECENT_PROPERTY_BYTES) <= RECENT_PROPERTY_BYTES) return properties
  // Keep the scalar fields; drop big arrays and objects from the context copy.
  const out = dict<unknown>()
  for (const [k, v] of Object.entries(properties)) {
    if (v === null || typeof v !== 'object') out[k] = typeof v === 'string' ? v.slice(0, 500) : v
  }
  return out
}

// Up to SCAN_UP_TO ids the redelivery check scans the stored `seen` list itself; beyond, a Set
// beside the live state makes it O(1). Most shoppers have few recent events: a Set for each of them
// cost more heap than its state's list (and a build whenever the state was read back).
const SCAN_UP_TO = 32
const seenSets = new WeakMap<CustomerState, Set<string>>()

/** The Set of a long list (built on first use); it always holds exactly the list's ids. */
function seenSet(state: CustomerState): Set<string> {
  let set = seenSets.get(state)
  if (set === undefined) {
    set = new Set(state.seen)
    seenSets.set(state, set)
  }
  return set
}

/** True when this messageId was already applied to the state (a redelivery). */
export function alreadyApplied(state: CustomerState, messageId: string): boolean {
  return state.seen.length <= SCAN_UP_TO ? state.seen.includes(messageId) : seenSet(state).has(messageId)
}

/** Adds applied messageIds to the state's bounded redelivery memory. */
export function rememberSeen(state: CustomerState, messageIds: readonly string[], policy: RetentionPolicy = defaultRetention): void {
  for (const id of messageIds) {
    if (alreadyApplied(state, id)) continue
    state.seen.push(id)
    // A Set exists only for a list already past SCAN_UP_TO (built from it, then kept with it).
    seenSets.get(state)?.add(id)
  }
  if (state.seen.length > policy.seenMessageIds) {
    const dropped = state.seen.splice(0, state.seen.length - policy.seenMessageIds)
    const set = seenSets.get(state)
    if (set !== undefined) for (const id of dropped) set.delete(id)
  }
  if (state.seen.length <= SCAN_UP_TO) seenSets.delete(state)
}

export function applyEvent(state: CustomerState, event: ShopEvent, policy: RetentionPolicy = defaultRetention): void {
  const locale = fieldText(own(event.context, 'locale'))
  const timezone = fieldText(own(event.context, 'timezone'))
  if (event.type === 'identify') {
    for (const [key, value] of Object.entries(event.properties)) setOwn(state.traits, key, value)
    state.locale = fieldText(own(event.properties, 'locale')) ?? locale ?? state.locale
    state.timezone = fieldText(own(event.properties, 'timezone')) ?? timezone ?? state.timezone
  } else if (event.type === 'group') {
    // A new group replaces the old one; the same group's traits are merged, as identify's are.
    if (state.group === undefined || state.group.id !== event.groupId) state.group = { id: event.groupId ?? '', traits: dict() }
    for (const [key, value] of Object.entries(event.properties)) setOwn(state.group.traits, key, value)
  } else {
    state.locale ??= locale
    state.timezone ??= timezone
    // Page and screen views never touch orders, even when their properties name one.
    if (event.type === 'track') applyOrderEvent(state, event)
  }
  recordOccurrence(state, event.name, event.ts, policy)
  state.recent.push({ messageId: event.messageId, name: event.name, ts: event.ts, properties: compactProperties(historyProperties(event)) })
  if (state.recent.length > policy.recentEvents) state.recent.splice(0, state.recent.length - policy.recentEvents)
  rememberSeen(state, [event.messageId], policy)
  state.version += 1
  state.updatedAt = Math.max(state.updatedAt, event.ts)
}
