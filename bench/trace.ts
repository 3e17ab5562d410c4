// The benchmark's input: a seeded demo trace (src/demo), topped up with the custom events the
// generated rules listen to, serialised to the bytes an engine receives, decoded, and — outside
// any timed loop — turned into one evaluation context per event exactly as the engine would
// build it (state *after* the event is applied).
import { emptyCustomerState, type CustomerState } from '../src/model/customer.ts'
import type { ShopEvent } from '../src/model/event.ts'
import type { EvalContext } from '../src/rules/index.ts'
import { decodeMessage } from '../src/stream/decode.ts'
import { applyEvent, type RetentionPolicy } from '../src/stream/state/reducer.ts'
import { DEFAULT_DAYS, DEFAULT_START, generateTrace, type SegmentMessage, type TrackSegmentMessage } from '../src/demo/trace.ts'
import { Rng } from '../src/demo/random.ts'
import { DAY, MINUTE } from '../src/demo/localtime.ts'

export const CAMPAIGNS = ['spring_sale', 'new_arrivals', 'tea_week', 'vip_preview', 'back_in_stock', 'free_shipping'] as const
export const NEWSLETTER_TOPICS = ['deals', 'product_news', 'care_tips'] as const

/** What a shopper types to find a product: its first plain English word, else its category. */
export function searchWord(name: string, category: string): string {
  return (name.split(/\s+/).find((w) => /^[A-Za-z]{4,}$/.test(w)) ?? category).toLowerCase()
}

export interface BenchTrace {
  /** Segment messages, time-ordered (demo trace + custom events). */
  messages: SegmentMessage[]
  /** The same messages as JSON strings: what a source hands to the engine. */
  json: string[]
  totalBytes: number
  /** Decoded ShopEvents (decodeMessage), same order. */
  events: ShopEvent[]
  customers: string[]
  /** Event name → count. */
  byName: Map<string, number>
  /** How many events were added on top of the demo trace, by name. */
  added: Map<string, number>
}

function bump(map: Map<string, number>, key: string, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by)
}

/**
 * The demo shop emits the standard e-commerce events only. Real shops also send custom ones;
 * these are derived deterministically from what the shopper did, so their property values are
 * the catalog's and the shopper's own.
 */
function augment(base: SegmentMessage[], seed: number, added: Map<string, number>): SegmentMessage[] {
  const rng = new Rng(seed ^ 0x5eed_be4c)
  const end = DEFAULT_START + DEFAULT_DAYS * DAY
  const extra: SegmentMessage[] = []
  const orderProducts = new Map<string, Array<Record<string, unknown>>>()
  const make = (from: TrackSegmentMessage | SegmentMessage, suffix: string, ts: number, event: string, properties: Record<string, unknown>): void => {
    if (ts < DEFAULT_START || ts >= end) return
    extra.push({
      type: 'track',
      messageId: `${from.messageId}_${suffix}`,
      userId: from.userId,
      timestamp: new Date(ts).toISOString(),
      event,
      properties,
      context: { timezone: from.context.timezone, locale: from.context.locale },
    })
    bump(added, event)
  }
  for (const m of base) {
    const ts = Date.parse(m.timestamp)
    if (m.type === 'identify') {
      // Subscribers open a few newsletters over the month; some click through to a promotion.
      if (!rng.chance(0.6)) continue
      const opens = rng.int(1, 4)
      for (let i = 0; i < opens; i++) {
        const campaign = rng.pick(CAMPAIGNS)
        const at = ts + rng.int(1, 28 * 24) * 60 * MINUTE
        make(m, `nl${i}`, at, 'Newsletter Opened', { campaign, topic: rng.pick(NEWSLETTER_TOPICS), newsletter_id: `nl_${campaign}` })
        if (rng.chance(0.3)) make(m, `pc${i}`, at + rng.int(1, 30) * MINUTE, 'Promotion Clicked', { campaign, category: rng.pick(['tea', 'electronics', 'home', 'fashion', 'beauty']) })
      }
      continue
    }
    const p = m.properties
    switch (m.event) {
      case 'Product Viewed': {
        if (rng.chance(0.12)) {
          const word = searchWord(String(p.name), String(p.category))
          make(m, 'sr', ts - rng.int(5, 90) * 1000 - Number(p.dwell_ms ?? 0), 'Search Performed', {
            query: word,
            category: p.category,
            results: rng.chance(0.08) ? 0 : rng.int(1, 48),
          })
        }
        if (Number(p.dwell_ms ?? 0) >= 20_000 && rng.chance(0.07)) {
          make(m, 'wl', ts + rng.int(2, 20) * 1000, 'Wishlist Added', {
            product_id: p.product_id,
            sku: p.sku,
            name: p.name,
            category: p.category,
            price: p.price,
            currency: p.currency,
          })
        }
        break
      }
      case 'Order Completed': {
        orderProducts.set(String(p.order_id), (p.products as Array<Record<string, unknown>>) ?? [])
        if (typeof p.coupon === 'string') {
          make(m, 'cp', ts - rng.int(10, 120) * 1000, 'Coupon Applied', {
            coupon: p.coupon,
            checkout_id: p.checkout_id,
            discount: p.discount,
            subtotal: p.subtotal,
            currency: p.currency,
          })
        }
        break
      }
      case 'Order Delivered': {
        const products = orderProducts.get(String(p.order_id)) ?? []
        const first = products[0]
        if (first !== undefined && rng.chance(0.22)) {
          make(m, 'rv', ts + rng.int(6, 24 * 8) * 60 * MINUTE, 'Review Submitted', {
            order_id: p.order_id,
            product_id: first.product_id,
            category: first.category,
            rating: rng.weighted([[5, 48], [4, 24], [3, 10], [2, 8], [1, 10]] as const),
          })
        }
        break
      }
    }
  }
  const all = base.concat(extra)
  const keyed = all.map((msg, i) => ({ msg, ts: Date.parse(msg.timestamp), i }))
  keyed.sort((a, b) => a.ts - b.ts || a.i - b.i)
  return keyed.map((k) => k.msg)
}

export function buildTrace(seed: number, shoppers: number): BenchTrace {
  const added = new Map<string, number>()
  const messages = augment(generateTrace({ seed, shoppers }), seed, added)
  const json = messages.map((m) => JSON.stringify(m))
  const events: ShopEvent[] = []
  const byName = new Map<string, number>()
  const customers = new Set<string>()
  const receivedAt = DEFAULT_START
  for (let i = 0; i < json.length; i++) {
    const result = decodeMessage(JSON.parse(json[i] as string), receivedAt)
    if (!result.ok) throw new Error(`event ${i} does not decode: ${JSON.stringify(result.errors)}`)
    events.push(result.event)
    bump(byName, result.event.name)
    customers.add(result.event.customerId)
  }
  const totalBytes = json.reduce((s, j) => s + Buffer.byteLength(j), 0)
  return { messages, json, totalBytes, events, customers: [...customers], byName, added }
}

export function orderOf(state: CustomerState, event: ShopEvent): CustomerState['orders'][string] | undefined {
  const orderId = event.properties.order_id
  return typeof orderId === 'string' || typeof orderId === 'number' ? state.orders[String(orderId)] : undefined
}

const EMPTY: Record<string, never> = Object.freeze({}) as Record<string, never>
const EMPTY_LIST: never[] = Object.freeze([]) as unknown as never[]

/**
 * One context per event, as Engine.applyOne builds it after applyEvent, frozen in time so the
 * rule stage can be timed alone. The reducer mutates state in place, so before each event the
 * parts it is about to change (that event name's count array, the traits on Identify) are
 * replaced by copies; every earlier snapshot keeps the arrays it saw. Conditions read only
 * traits, counts, customer fields, the order and the event, and those are what a snapshot holds.
 */
export function snapshotContexts(events: readonly ShopEvent[], policy: RetentionPolicy): EvalContext[] {
  const states = new Map<string, CustomerState>()
  const out: EvalContext[] = new Array(events.length)
  for (let i = 0; i < events.length; i++) {
    const event = events[i] as ShopEvent
    let state = states.get(event.customerId)
    if (state === undefined) {
      state = emptyCustomerState(event.customerId)
      states.set(event.customerId, state)
    }
    const times = state.counts[event.name]
    if (times !== undefined) state.counts[event.name] = times.slice()
    if (event.type === 'identify') state.traits = { ...state.traits }
    applyEvent(state, event, policy)
    const order = orderOf(state, event)
    const snap: CustomerState = {
      customerId: state.customerId,
      traits: state.traits,
      locale: state.locale,
      timezone: state.timezone,
      orders: EMPTY,
      checkouts: EMPTY,
      counts: { ...state.counts },
      recent: state.recent.slice(),
      firings: EMPTY,
      timers: EMPTY,
      seen: EMPTY_LIST,
      version: state.version,
      updatedAt: state.updatedAt,
    }
    out[i] = { event, state: snap, order: order === undefined ? undefined : { ...order }, at: event.ts }
  }
  return out
}

/** Fresh, empty states for every customer of the trace (built outside timed loops). */
export function freshStates(customers: readonly string[]): Map<string, CustomerState> {
  return new Map(customers.map((id) => [id, emptyCustomerState(id)]))
}

/**
 * Deep copies of the contexts, made one after another so each copy's objects sit next to each
 * other and to its neighbours' (as a trace's consecutive snapshots do, and as the state the
 * reducer has just written does in the engine). Object spreads and array slices keep V8's object
 * shapes and element kinds; frozen placeholders are shared.
 */
export function compactCopies(contexts: readonly EvalContext[]): EvalContext[] {
  return contexts.map((ctx) => copyDeep(ctx) as EvalContext)
}

function copyDeep(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value
  if (Array.isArray(value)) return value.some((v) => v !== null && typeof v === 'object') ? value.map(copyDeep) : value.slice()
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) }
  for (const key of Object.keys(copy)) {
    const v = copy[key]
    if (v === null || typeof v !== 'object') continue
    // An own "__proto__" key (hostile input) must stay a data property, not set the prototype.
    if (key === '__proto__') Object.defineProperty(copy, key, { value: copyDeep(v), writable: true, enumerable: true, configurable: true })
    else copy[key] = copyDeep(v)
  }
  return copy
}
