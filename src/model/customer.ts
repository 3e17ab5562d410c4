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
  /** The first delivery estimate given (the promise a later estimate may break). */
  first_estimated_delivery_at?: number
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

export interface ShopperGroup {
  id: string
  traits: Record<string, unknown>
}

export interface CustomerState {
  customerId: string
  traits: Record<string, unknown>
  /** The group (company, household, account) of the latest `group` call, with its traits. */
  group?: ShopperGroup
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
  /**
   * Schedule trigger (`ruleId|index`) → the local date of its last moment decided for this
   * shopper: each date is decided once, even when a new time zone brings its cron time round again.
   */
  scheduled?: Record<string, string>
  /** Pending absence timers of this customer, by timer id (the durable copy is in the store). */
  timers: Record<string, PendingTimer>
  /** Recently applied messageIds: a redelivered event is recognised and not applied twice. */
  seen: string[]
  /** The source partition this customer's events arrive on (one writer per customer). */
  partition?: number
  /** Number of events applied; grows by one per event. */
  version: number
  updatedAt: number
  /** An anonymous shopper merged into this known id: what arrives for it now goes there. */
  mergedInto?: string
  /** Anonymous ids (without `anon:`) whose profiles were merged into this one. */
  mergedFrom?: string[]
}

/**
 * A map keyed by input (event names, order ids, trait names …): no prototype, so "constructor",
 * "toString" or "__proto__" are ordinary keys and never resolve to built-ins.
 */
export function dict<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>
}

/** An own entry of an input-keyed map, never an inherited one (safe on plain objects too). */
export function getOwn<T>(map: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return map !== undefined && Object.hasOwn(map, key) ? map[key] : undefined
}

/** Sets an own entry; on a plain object `__proto__` would otherwise replace the prototype. */
export function setOwn<T>(map: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true })
}

/** Copies own entries into a fresh null-prototype map; `__proto__` stays an ordinary key. */
export function toDict<T>(source: unknown): Record<string, T> {
  const out = dict<T>()
  if (source === null || typeof source !== 'object' || Array.isArray(source)) return out
  for (const key of Object.keys(source)) setOwn(out, key, (source as Record<string, T>)[key] as T)
  return out
}

export function emptyCustomerState(customerId: string): CustomerState {
  return {
    customerId,
    traits: dict(),
    orders: dict(),
    checkouts: dict(),
    counts: dict(),
    recent: [],
    firings: dict(),
    timers: dict(),
    seen: [],
    version: 0,
    updatedAt: 0,
  }
}

/**
 * A state as stored (parsed JSON) → the live shape: every input-keyed map null-prototype, as
 * emptyCustomerState makes them. Missing parts (older snapshots) are filled in.
 */
export function reviveState(stored: unknown, customerId?: string): CustomerState {
  const raw = (stored !== null && typeof stored === 'object' ? stored : {}) as Partial<CustomerState>
  const state: CustomerState = {
    customerId: typeof raw.customerId === 'string' ? raw.customerId : (customerId ?? ''),
    traits: toDict(raw.traits),
    orders: toDict(raw.orders),
    checkouts: toDict(raw.checkouts),
    counts: toDict(raw.counts),
    recent: Array.isArray(raw.recent) ? raw.recent : [],
    firings: toDict(raw.firings),
    timers: toDict(raw.timers),
    seen: Array.isArray(raw.seen) ? raw.seen : [],
    version: typeof raw.version === 'number' ? raw.version : 0,
    updatedAt: typeof raw.updatedAt === 'number' ? raw.updatedAt : 0,
  }
  if (typeof raw.timezone === 'string') state.timezone = raw.timezone
  if (typeof raw.locale === 'string') state.locale = raw.locale
  if (typeof raw.partition === 'number') state.partition = raw.partition
  if (raw.scheduled !== null && typeof raw.scheduled === 'object') {
    const scheduled = dict<string>()
    for (const [key, date] of Object.entries(raw.scheduled)) if (typeof date === 'string') setOwn(scheduled, key, date)
    state.scheduled = scheduled
  }
  if (typeof raw.mergedInto === 'string') state.mergedInto = raw.mergedInto
  if (Array.isArray(raw.mergedFrom)) state.mergedFrom = raw.mergedFrom.filter((id): id is string => typeof id === 'string')
  const group = raw.group as Partial<ShopperGroup> | undefined
  if (group !== null && typeof group === 'object' && typeof group.id === 'string') state.group = { id: group.id, traits: toDict(group.traits) }
  return state
}
