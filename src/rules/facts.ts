// Facts a condition can read, addressed by dotted paths. Each path is compiled once to a getter.
import { didYouMean } from './suggest.ts'
import type { CustomerState, OrderState } from '../model/customer.ts'
import type { ShopEvent } from '../model/event.ts'
import type { Money } from '../lib/money.ts'

/** Everything a rule may look at when a moment is evaluated. */
export interface EvalContext {
  /** The triggering event; for a timer, the event that armed it. */
  event: ShopEvent
  /** Customer state after the event was applied. */
  state: CustomerState
  /** The order the event or timer refers to, if any. */
  order: OrderState | undefined
  /** The moment's time: the event's time, or the timer's due time. Windows count back from it. */
  at: number
  /** Currency conversion for money conditions; without it only same-currency amounts compare. */
  money?: Money
  /** Grace learned per carrier from delivery history (ms); absent carriers have too little history. */
  carrierGrace?: ReadonlyMap<string, number>
  /** Share (0–1) of each carrier's delivered parcels scanned out for delivery first; absent carriers have too little history. */
  carrierOutForDelivery?: ReadonlyMap<string, number>
}

export type FactGetter = (ctx: EvalContext) => unknown

export const FACT_ROOTS = ['properties', 'traits', 'order', 'customer', 'context', 'event', 'group', 'carrier'] as const

// Maps, not object literals: `customer.toString` must not resolve to a built-in.
const CUSTOMER_FIELDS = new Map<string, FactGetter>([
  ['id', (c) => c.state.customerId],
  ['locale', (c) => c.state.locale],
  ['timezone', (c) => c.state.timezone],
])

const EVENT_FIELDS = new Map<string, FactGetter>([
  ['name', (c) => c.event.name],
  ['type', (c) => c.event.type],
  ['timestamp', (c) => c.event.ts],
  ['message_id', (c) => c.event.messageId],
])

/** The parcel's carrier: the event's own, else the order's. */
function carrierOf(c: EvalContext): string | undefined {
  const own = Object.hasOwn(c.event.properties, 'carrier') ? c.event.properties.carrier : undefined
  const name = typeof own === 'string' && own !== '' ? own : c.order?.carrier
  return name === undefined || name === '' ? undefined : name
}

const CARRIER_FIELDS = new Map<string, FactGetter>([
  ['name', carrierOf],
  ['grace', (c) => {
    const name = carrierOf(c)
    return name === undefined ? undefined : c.carrierGrace?.get(name)
  }],
  ['out_for_delivery', (c) => {
    const name = carrierOf(c)
    return name === undefined ? undefined : c.carrierOutForDelivery?.get(name)
  }],
])

function walk(root: unknown, keys: readonly string[]): unknown {
  let value = root
  for (const key of keys) {
    if (value === null || typeof value !== 'object') return undefined
    // Own properties only: "constructor" or "__proto__" are ordinary names, never built-ins.
    if (!Object.hasOwn(value, key)) return undefined
    value = (value as Record<string, unknown>)[key]
  }
  return value
}

function pathGetter(select: (c: EvalContext) => unknown, keys: string[]): FactGetter {
  // Specialised shapes for the common short paths: this is the hot loop of rule evaluation.
  if (keys.length === 0) return select
  if (keys.length === 1) {
    const key = keys[0] as string
    return (c) => {
      const obj = select(c) as Record<string, unknown> | undefined
      return obj !== null && typeof obj === 'object' && Object.hasOwn(obj, key) ? obj[key] : undefined
    }
  }
  return (c) => walk(select(c), keys)
}

/** Compiles a fact path; returns an error message when the path is not a known fact. */
export function compileFact(path: string): FactGetter | { error: string } {
  const parts = path.split('.')
  const root = parts[0] as string
  const rest = parts.slice(1)
  if (parts.some((p) => p.length === 0)) return { error: `"${path}" has an empty segment` }
  switch (root) {
    case 'properties':
      return pathGetter((c) => c.event.properties, rest)
    case 'traits':
      return pathGetter((c) => c.state.traits, rest)
    case 'order':
      return pathGetter((c) => c.order, rest)
    case 'context':
      return pathGetter((c) => c.event.context, rest)
    case 'customer': {
      const getter = rest.length === 1 ? CUSTOMER_FIELDS.get(rest[0] as string) : undefined
      return getter ?? { error: `"${path}": customer facts are ${[...CUSTOMER_FIELDS.keys()].join(', ')}` }
    }
    case 'group':
      // group.id, group.traits.<name>: the shopper's group from the latest group call.
      if (rest[0] === 'id' && rest.length === 1) return (c) => c.state.group?.id
      if (rest[0] === 'traits') return pathGetter((c) => c.state.group?.traits, rest.slice(1))
      return { error: `"${path}": group facts are group.id and group.traits.<name>` }
    case 'event': {
      const getter = rest.length === 1 ? EVENT_FIELDS.get(rest[0] as string) : undefined
      return getter ?? { error: `"${path}": event facts are ${[...EVENT_FIELDS.keys()].join(', ')}` }
    }
    case 'carrier': {
      // carrier.grace (ms) and carrier.out_for_delivery (share): learned from delivery history; undefined with too little of it.
      const getter = rest.length === 1 ? CARRIER_FIELDS.get(rest[0] as string) : undefined
      return getter ?? { error: `"${path}": carrier facts are ${[...CARRIER_FIELDS.keys()].join(', ')}` }
    }
    default:
      return { error: `"${path}" must start with one of ${FACT_ROOTS.join(', ')}${didYouMean(root ?? '', FACT_ROOTS)}` }
  }
}
