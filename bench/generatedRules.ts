// A deterministic generator of realistic operations rules in the careloop rule language. Values
// come from the demo catalog and from the property values the (augmented) trace carries, so the
// rules match real events. Every rule is validated with compileRule; the bench aborts otherwise.
import { CATEGORIES, PRODUCTS, REGIONS } from '../src/demo/catalog.ts'
import { Rng } from '../src/demo/random.ts'
import { CHECKOUT_DECLINES, RETURN_REASONS } from '../src/demo/texts.ts'
import { compileRule, type CompiledRule, type RuleDocument } from '../src/rules/index.ts'
import { CAMPAIGNS, NEWSLETTER_TOPICS, searchWord } from './trace.ts'

type Cond = Record<string, unknown>
type Make = (r: Rng) => Cond

const productIds = PRODUCTS.map((p) => p.product_id)
const carriers = [...new Set(REGIONS.flatMap((r) => r.carriers.map((c) => c.name)))]
const paymentMethods = [...new Set(REGIONS.flatMap((r) => r.paymentMethods))]
const timezones = REGIONS.map((r) => r.timezone)
const declines = [...CHECKOUT_DECLINES.map(([d]) => d), 'capture_failed']
const returnReasons = RETURN_REASONS.map(([r]) => r)

const eq = (fact: string, value: unknown): Cond => ({ fact, eq: value })
const oneOf = (fact: string, values: readonly unknown[]): Make => (r) => eq(fact, r.pick(values))
function someOf(fact: string, values: readonly string[], min = 2, max = 4): Make {
  return (r) => {
    const pool = [...values]
    const n = Math.min(pool.length, r.int(min, max))
    const picked: string[] = []
    for (let i = 0; i < n; i++) picked.push(pool.splice(r.int(0, pool.length - 1), 1)[0] as string)
    return { fact, in: picked }
  }
}
const atLeast = (fact: string, bounds: readonly number[]): Make => (r) => ({ fact, gte: r.pick(bounds) })
const count = (event: string, within: readonly string[], bounds: readonly number[]): Make => (r) => ({
  count: { event, within: r.pick(within) },
  gte: r.pick(bounds),
})

/** Conditions about the shopper rather than the event; usable on any rule. */
const shopperExtras: Make[] = [
  () => eq('traits.vip', true),
  () => ({ not: eq('traits.vip', true) }),
  oneOf('customer.locale', ['en', 'zh-CN', 'zh-TW']),
  someOf('customer.timezone', timezones, 2, 3),
  () => ({ fact: 'traits.birthday', exists: true }),
]

interface EventSpec {
  event: string
  /** Relative number of rules written for this event. */
  weight: number
  entity?: string
  /** Equalities / memberships on an event property: what most ops rules key on. */
  pins: Make[]
  /** Numeric, count, order and shopper conditions. */
  extras: Make[]
}

const SPECS: EventSpec[] = [
  {
    event: 'Product Viewed', weight: 16, entity: 'product_id',
    pins: [oneOf('properties.product_id', productIds), oneOf('properties.product_id', productIds), someOf('properties.product_id', productIds, 2, 5), oneOf('properties.category', CATEGORIES), someOf('properties.category', CATEGORIES, 2, 3)],
    extras: [atLeast('properties.dwell_ms', [30_000, 60_000, 90_000, 120_000]), atLeast('properties.price', [100, 200, 300, 500]), (r) => ({ fact: 'properties.price', lt: r.pick([25, 50]) }), count('Product Viewed', ['24h', '7d'], [3, 5, 8, 12]), count('Product Added', ['7d'], [1]), ...shopperExtras],
  },
  {
    event: 'Product Added', weight: 9, entity: 'product_id',
    pins: [oneOf('properties.product_id', productIds), someOf('properties.product_id', productIds, 2, 4), oneOf('properties.category', CATEGORIES)],
    extras: [atLeast('properties.quantity', [2, 3]), atLeast('properties.price', [150, 300]), count('Product Added', ['1h', '24h'], [2, 3, 4]), count('Product Removed', ['7d'], [1]), ...shopperExtras],
  },
  {
    event: 'Product Removed', weight: 3, entity: 'product_id',
    pins: [oneOf('properties.category', CATEGORIES), someOf('properties.product_id', productIds, 3, 6)],
    extras: [atLeast('properties.price', [100, 200]), count('Product Removed', ['7d'], [2]), ...shopperExtras],
  },
  {
    event: 'Checkout Started', weight: 6, entity: 'checkout_id',
    pins: [oneOf('properties.currency', ['USD', 'USD', 'EUR'])],
    extras: [atLeast('properties.value', [150, 300, 500, 1000]), count('Checkout Started', ['24h', '7d'], [2, 3]), count('Payment Failed', ['7d'], [1]), ...shopperExtras],
  },
  {
    event: 'Order Completed', weight: 9, entity: 'order_id',
    pins: [oneOf('properties.payment_method', paymentMethods), oneOf('properties.coupon', ['WELCOME10', 'SPRING10', 'VIP10']), someOf('properties.payment_method', paymentMethods, 2, 3)],
    extras: [atLeast('properties.total', [100, 250, 500, 1000]), count('Order Completed', ['30d'], [2, 3, 4]), (r) => ({ fact: 'properties.discount', gt: r.pick([0, 10]) }), ...shopperExtras],
  },
  {
    event: 'Payment Failed', weight: 5, entity: 'order_id',
    pins: [oneOf('properties.reason', declines), someOf('properties.reason', declines, 2, 3), oneOf('properties.payment_method', paymentMethods)],
    extras: [atLeast('properties.amount', [100, 300, 600]), count('Payment Failed', ['24h', '7d'], [2, 3]), ...shopperExtras],
  },
  {
    event: 'Order Shipped', weight: 5, entity: 'order_id',
    pins: [oneOf('properties.carrier', carriers), someOf('properties.carrier', carriers, 2, 3)],
    extras: [atLeast('order.total', [200, 500]), ...shopperExtras],
  },
  {
    event: 'Shipment Updated', weight: 6, entity: 'order_id',
    pins: [oneOf('properties.status', ['delayed', 'exception', 'out_for_delivery', 'in_transit']), someOf('properties.status', ['delayed', 'exception', 'out_for_delivery'], 2, 2), oneOf('properties.carrier', carriers)],
    extras: [atLeast('order.total', [150, 300, 500]), (r) => ({ fact: 'properties.description', matches: r.pick(['customs|weather', 'damaged|misrouted', 'address']) }), count('Shipment Updated', ['7d'], [2, 3]), ...shopperExtras],
  },
  {
    event: 'Order Delivered', weight: 4, entity: 'order_id',
    pins: [oneOf('properties.carrier', carriers)],
    extras: [atLeast('order.total', [200, 500]), count('Return Requested', ['90d'], [1, 2]), count('Order Delivered', ['30d'], [2, 3]), ...shopperExtras],
  },
  {
    event: 'Return Requested', weight: 6, entity: 'order_id',
    pins: [oneOf('properties.reason', returnReasons), someOf('properties.reason', returnReasons, 2, 3), oneOf('properties.product_id', productIds)],
    extras: [atLeast('properties.quantity', [2]), count('Return Requested', ['30d', '90d'], [2, 3]), atLeast('order.total', [100, 300]), ...shopperExtras],
  },
  {
    event: 'Order Refunded', weight: 3, entity: 'order_id',
    pins: [oneOf('properties.reason', ['return', 'duplicate_charge', 'return'])],
    extras: [atLeast('properties.total', [50, 100, 250]), count('Order Refunded', ['30d'], [2]), ...shopperExtras],
  },
  {
    event: 'Order Cancelled', weight: 2, entity: 'order_id',
    pins: [oneOf('properties.reason', ['payment_failed', 'customer_request'])],
    extras: [atLeast('properties.total', [100, 300]), ...shopperExtras],
  },
  {
    event: 'Complaint Filed', weight: 6, entity: 'order_id',
    pins: [oneOf('properties.topic', ['payment_security', 'refund', 'damaged', 'late', 'wrong_item']), someOf('properties.topic', ['damaged', 'late', 'wrong_item'], 2, 2), oneOf('properties.channel', ['email', 'chat', 'phone', 'social'])],
    extras: [count('Complaint Filed', ['30d'], [2, 3]), (r) => ({ fact: 'properties.text', matches: r.pick(['broken|damaged|cracked|坏|破損', 'late|tracking|物流|快递', 'wrong|不一样|寄錯']) }), (r) => ({ fact: 'properties.text', contains: r.pick(['order', 'refund', '订单']) }), ...shopperExtras],
  },
  {
    event: 'Identify', weight: 2,
    pins: [oneOf('properties.locale', ['en', 'zh-CN', 'zh-TW']), someOf('properties.timezone', timezones, 2, 3)],
    extras: [() => eq('properties.vip', true), () => ({ fact: 'properties.birthday', exists: true })],
  },
  // Custom events (added to the trace by bench/trace.ts).
  {
    event: 'Wishlist Added', weight: 4, entity: 'product_id',
    pins: [oneOf('properties.product_id', productIds), oneOf('properties.category', CATEGORIES), someOf('properties.category', CATEGORIES, 2, 3)],
    extras: [atLeast('properties.price', [100, 250]), count('Wishlist Added', ['7d', '30d'], [2, 3]), ...shopperExtras],
  },
  {
    event: 'Coupon Applied', weight: 3, entity: 'checkout_id',
    pins: [oneOf('properties.coupon', ['WELCOME10', 'SPRING10', 'VIP10']), someOf('properties.coupon', ['WELCOME10', 'SPRING10', 'VIP10'], 2, 2)],
    extras: [atLeast('properties.discount', [5, 20, 50]), count('Coupon Applied', ['30d'], [2]), ...shopperExtras],
  },
  {
    event: 'Review Submitted', weight: 4, entity: 'product_id',
    pins: [(r) => ({ fact: 'properties.rating', in: r.pick([[1, 2], [1], [5], [4, 5]]) }), oneOf('properties.category', CATEGORIES), oneOf('properties.product_id', productIds)],
    extras: [(r) => ({ fact: 'properties.rating', lte: r.pick([2, 3]) }), atLeast('order.total', [100, 300]), count('Review Submitted', ['30d'], [2]), ...shopperExtras],
  },
  {
    event: 'Search Performed', weight: 4,
    pins: [oneOf('properties.category', CATEGORIES), someOf('properties.category', CATEGORIES, 2, 3), oneOf('properties.query', [...new Set(PRODUCTS.map((p) => searchWord(p.name, p.category)))])],
    extras: [(r) => ({ fact: 'properties.results', lte: r.pick([0, 3]) }), count('Search Performed', ['1h', '24h'], [3, 5]), ...shopperExtras],
  },
  {
    event: 'Newsletter Opened', weight: 3,
    pins: [oneOf('properties.campaign', CAMPAIGNS), someOf('properties.campaign', CAMPAIGNS, 2, 3), oneOf('properties.topic', NEWSLETTER_TOPICS)],
    extras: [count('Newsletter Opened', ['30d'], [2, 3]), count('Order Completed', ['30d'], [1]), ...shopperExtras],
  },
  {
    event: 'Promotion Clicked', weight: 2,
    pins: [oneOf('properties.campaign', CAMPAIGNS), oneOf('properties.category', ['tea', 'electronics', 'home', 'fashion', 'beauty'])],
    extras: [count('Promotion Clicked', ['7d'], [2]), ...shopperExtras],
  },
]

/** Waits a shop cares about: a start event, then nothing of the awaited kind in time. */
const ABSENCES = [
  { start: ['Wishlist Added'], awaited: ['Product Added', 'Order Completed'], entity: 'product_id', after: '3d' },
  { start: ['Order Delivered'], awaited: ['Review Submitted', 'Return Requested'], entity: 'order_id', after: '7d' },
  { start: ['Return Requested'], awaited: ['Order Refunded'], entity: 'order_id', after: '10d' },
  { start: ['Payment Failed'], awaited: ['Order Completed', 'Order Cancelled'], entity: 'order_id', after: '2h' },
  { start: ['Product Added'], awaited: ['Checkout Started', 'Product Removed'], entity: 'cart_id', after: '2d' },
] as const

const QUEUES = ['delivery-care', 'returns-care', 'payments', 'priority-care', 'vip-desk', 'merch-team'] as const

export type RuleShape = 'pinned-eq' | 'pinned-in' | 'thresholds-only' | 'absence'

export interface GeneratedRule {
  document: RuleDocument
  shape: RuleShape
  event: string
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-')
}

function extrasFor(spec: EventSpec, r: Rng, min: number, max: number): Cond[] {
  const n = r.int(min, max)
  const pool = [...spec.extras]
  const out: Cond[] = []
  for (let i = 0; i < n && pool.length > 0; i++) out.push((pool.splice(r.int(0, pool.length - 1), 1)[0] as Make)(r))
  // Now and then two alternatives: "big basket, or a VIP".
  if (out.length >= 2 && r.chance(0.15)) return [{ any: [out[0], out[1]] }, ...out.slice(2)]
  return out
}

const all = (conds: Cond[]): Cond | undefined => (conds.length === 0 ? undefined : conds.length === 1 ? conds[0] : { all: conds })

export function generateRules(count: number, seed: number): GeneratedRule[] {
  const r = new Rng(seed)
  const weighted = SPECS.map((s) => [s, s.weight] as const)
  const out: GeneratedRule[] = []
  for (let i = 0; i < count; i++) {
    const kind = r.next()
    const id = `gen-${String(i).padStart(4, '0')}`
    const actions: RuleDocument['actions'] = r.chance(0.6)
      ? [{ nudge: { channel: r.pick(['email', 'email', 'sms', 'push', 'inapp'] as const), template: `tpl-${r.int(1, 40)}`, topic: r.chance(0.5) ? 'marketing' : 'care' } }]
      : [{ task: { queue: r.pick(QUEUES), priority: r.pick(['low', 'normal', 'high', 'urgent'] as const), sla: r.pick(['1h', '4h', '24h']) } }]
    const guards: RuleDocument['guards'] = { cooldown: r.pick(['1h', '24h', '7d', '30d']) }
    const priority = r.int(1, 99)
    if (kind >= 0.96) {
      const a = r.pick(ABSENCES)
      const spec = SPECS.find((s) => s.event === a.start[0]) as EventSpec
      const when = all(r.chance(0.5) ? extrasFor({ ...spec, extras: shopperExtras }, r, 1, 1) : [])
      out.push({
        shape: 'absence',
        event: a.start[0],
        document: {
          id: `${id}-no-${slug(a.awaited[0])}-after-${slug(a.start[0])}`,
          name: `No ${a.awaited[0]} within ${a.after} of ${a.start[0]}`,
          priority,
          triggers: [{ absence: { start: [...a.start], awaited: [...a.awaited], entity: a.entity, after: a.after } }],
          ...(when ? { when } : {}),
          actions,
          guards,
          tags: ['generated'],
        },
      })
      continue
    }
    const spec = r.weighted(weighted)
    const entity = spec.entity !== undefined && r.chance(0.7) ? spec.entity : undefined
    let shape: RuleShape = 'thresholds-only'
    let trigger: RuleDocument['triggers'][number] = entity ? { event: spec.event, entity } : { event: spec.event }
    let when: Cond | undefined
    if (kind < 0.84) {
      const pin = r.pick(spec.pins)(r)
      shape = 'in' in pin ? 'pinned-in' : 'pinned-eq'
      const extras = extrasFor(spec, r, r.chance(0.15) ? 0 : 1, 2)
      // Authors put the pin on the trigger or among the rule's conditions; both are indexed.
      if (r.chance(0.5)) {
        trigger = { ...trigger, when: pin }
        when = all(extras)
      } else when = all([pin, ...extras])
    } else {
      // Thresholds only: one numeric / count threshold on the event, sometimes one more condition.
      const own = spec.extras.filter((m) => !shopperExtras.includes(m))
      const threshold = r.pick(own)(r)
      when = all(r.chance(0.5) ? [threshold, ...extrasFor(spec, r, 1, 1)] : [threshold])
    }
    out.push({
      shape,
      event: spec.event,
      document: {
        id: `${id}-${slug(spec.event)}`,
        name: `Generated ${shape} rule on ${spec.event}`,
        priority,
        triggers: [trigger],
        ...(when ? { when } : {}),
        actions,
        guards: entity && r.chance(0.3) ? { once: true, per: 'entity' } : guards,
        tags: ['generated'],
      },
    })
  }
  return out
}

/** Compiles every document; throws with the first rule's errors when one is invalid. */
export function compileAll(documents: readonly RuleDocument[]): CompiledRule[] {
  return documents.map((document) => {
    const result = compileRule({ document })
    if (!result.ok) throw new Error(`generated rule ${document.id} is invalid: ${JSON.stringify(result.errors)}`)
    return result.rule
  })
}

/** What kinds of leaf conditions a set of rules uses, for the printout. */
export function conditionMix(documents: readonly RuleDocument[]): Record<string, number> {
  const mix: Record<string, number> = {}
  const add = (k: string): void => {
    mix[k] = (mix[k] ?? 0) + 1
  }
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return
    const n = node as Record<string, unknown>
    if (Array.isArray(n.all)) return (n.all as unknown[]).forEach(walk)
    if (Array.isArray(n.any)) {
      add('any-of groups')
      return (n.any as unknown[]).forEach(walk)
    }
    if ('not' in n) {
      add('not')
      return walk(n.not)
    }
    if ('count' in n) return add('count within window')
    const fact = String(n.fact)
    const op = Object.keys(n).find((k) => k !== 'fact') ?? '?'
    if (fact.startsWith('properties.') && (op === 'eq' || op === 'in')) add(`property ${op}`)
    else if (fact.startsWith('properties.') && ['gt', 'gte', 'lt', 'lte'].includes(op)) add('property numeric threshold')
    else if (fact.startsWith('properties.')) add(`property ${op}`)
    else if (fact.startsWith('order.')) add('order fact threshold')
    else add('shopper (traits/customer)')
  }
  for (const doc of documents) {
    for (const t of doc.triggers) walk(t.when)
    walk(doc.when)
  }
  return mix
}
