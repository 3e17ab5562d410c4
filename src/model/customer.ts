// Per-customer state: what the engine remembers about one shopper between events.
// Owned by exactly one writer (the worker that owns the customer's partition).

/** An order as the engine knows it; fields use the event contract's snake_case names. */
export interface OrderState {
  order_id: string
  status: 'placed' | 'payment_failed' | 'shipped' | 'delayed' | 'delivered' | 'cancelled' | 'refunded'
  total?: number
  currency?: string
  placed_at?: number
  promised_delivery_at?: number
  estimated_delivery_at?: number
  carrier?: string
  tracking_number?: string
  shipment_status?: string
  products?: unknown[]
  returns?: number
  updated_at: number
}

export interface CheckoutState {
  checkout_id: string
  cart_id?: string
  value?: number
  currency?: string
  started_at: number
  products?: unknown[]
}

/** A compact copy of a recent event, kept for context hand-off to agents. */
export interface RecentEvent {
  messageId: string
  name: string
  ts: number
  properties: Record<string, unknown>
}

export interface PendingTimer {
  ruleId: string
  triggerIndex: number
  entity: string
  dueAt: number
}

export interface CustomerState {
  customerId: string
  traits: Record<string, unknown>
  timezone?: string
  locale?: string
  orders: Record<string, OrderState>
  checkouts: Record<string, CheckoutState>
  /** Event name → ascending event times, for windowed counts. Bounded per name. */
  counts: Record<string, number[]>
  /** The latest events, newest last. Bounded. */
  recent: RecentEvent[]
  /** Guard key → last time a rule fired for it (cooldown / once guards). */
  firings: Record<string, number>
  /** Pending absence timers of this customer, by timer id (the durable copy is in the store). */
  timers: Record<string, PendingTimer>
  /** Recently applied messageIds: a redelivered event is recognised and not applied twice. */
  seen: string[]
  /** The source partition this customer's events arrive on (one writer per customer). */
  partition?: number
  /** Number of events applied; grows by one per event. */
  version: number
  updatedAt: number
}

export function emptyCustomerState(customerId: string): CustomerState {
  return {
    customerId,
    traits: {},
    orders: {},
    checkouts: {},
    counts: {},
    recent: [],
    firings: {},
    timers: {},
    seen: [],
    version: 0,
    updatedAt: 0,
  }
}
