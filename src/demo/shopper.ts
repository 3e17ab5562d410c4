// Who a demo shopper is and how they behave. Behaviour is a handful of rates per shopper kind,
// so the population mixes window-shoppers, loyal buyers, hesitaters and serial returners.
import {
  CATEGORIES,
  EMAIL_DOMAINS,
  EN_FIRST,
  EN_LAST,
  REGIONS,
  ZH_GIVEN,
  ZH_SURNAMES,
  type Category,
  type Locale,
  type Product,
  type Region,
} from './catalog.ts'
import type { IdentifyTraits, Timeline } from './message.ts'
import type { Rng } from './random.ts'

export type ShopperKind = 'browser' | 'regular' | 'frequent' | 'hesitant' | 'returner'

export interface Shopper {
  index: number
  userId: string
  kind: ShopperKind
  vip: boolean
  region: Region
  locale: Locale
  timezone: string
  currency: string
  /** Prices in the region's currency (true) or the shop's USD (false). */
  localCurrency: boolean
  paymentMethod: string
  traits: IdentifyTraits
  favourites: Category[]
  /** Day of the trace on which the shopper first shows up. */
  joinDay: number
  sessionsPerDay: number
  viewsPerSession: number
  /** Chance a product view ends in Product Added. */
  addRate: number
  /** Chance a session with a full cart goes to checkout. */
  checkoutRate: number
  /** Chance a started checkout is left without an order. */
  abandonRate: number
  /** Chance a product view is a long hesitation (≥ 120 s). */
  hesitancy: number
  /** Chance a payment attempt is declined. */
  payTrouble: number
  /** Chance a delivered order leads to a return. */
  returnRate: number
}

export interface CartLine {
  product: Product
  price: number
  quantity: number
}

/** Mutable per-shopper simulation state shared by sessions and fulfilment. */
export interface ShopperState {
  shopper: Shopper
  rng: Rng
  timeline: Timeline
  cart: { cart_id: string; lines: CartLine[] } | undefined
  counters: { cart: number; checkout: number; order: number }
  /** Orders and checkouts use these prefixes so ids are unique across shoppers and seeds. */
  idBase: string
}

const KINDS = [
  ['browser', 30],
  ['regular', 48],
  ['frequent', 12],
  ['hesitant', 6],
  ['returner', 4],
] as const

type Rates = Pick<
  Shopper,
  'sessionsPerDay' | 'viewsPerSession' | 'addRate' | 'checkoutRate' | 'abandonRate' | 'hesitancy' | 'returnRate'
>

const RATES: Record<ShopperKind, Rates> = {
  browser: { sessionsPerDay: 0.12, viewsPerSession: 3, addRate: 0.07, checkoutRate: 0.35, abandonRate: 0.45, hesitancy: 0.03, returnRate: 0.05 },
  regular: { sessionsPerDay: 0.18, viewsPerSession: 3, addRate: 0.14, checkoutRate: 0.55, abandonRate: 0.22, hesitancy: 0.03, returnRate: 0.08 },
  frequent: { sessionsPerDay: 0.32, viewsPerSession: 3.5, addRate: 0.18, checkoutRate: 0.65, abandonRate: 0.15, hesitancy: 0.03, returnRate: 0.08 },
  hesitant: { sessionsPerDay: 0.2, viewsPerSession: 3, addRate: 0.1, checkoutRate: 0.45, abandonRate: 0.35, hesitancy: 0.25, returnRate: 0.1 },
  returner: { sessionsPerDay: 0.35, viewsPerSession: 3, addRate: 0.22, checkoutRate: 0.75, abandonRate: 0.1, hesitancy: 0.04, returnRate: 0.85 },
}

export function round2(n: number): number {
  return Math.round(n * 100) / 100
}

function personalName(rng: Rng, locale: Locale): { name: string; emailName: string } {
  // Diaspora shoppers: some English-locale shoppers have a romanised Chinese name.
  if (locale !== 'en' || rng.chance(0.12)) {
    const [sS, sT, sP] = rng.pick(ZH_SURNAMES)
    const [gS, gT, gP] = rng.pick(ZH_GIVEN)
    const given = gP.charAt(0).toUpperCase() + gP.slice(1)
    const family = sP.charAt(0).toUpperCase() + sP.slice(1)
    if (locale === 'zh-CN') return { name: sS + gS, emailName: `${gP}.${sP}` }
    if (locale === 'zh-TW') return { name: sT + gT, emailName: `${gP}.${sP}` }
    return { name: `${given} ${family}`, emailName: `${gP}.${sP}` }
  }
  const first = rng.pick(EN_FIRST)
  const last = rng.pick(EN_LAST)
  return { name: `${first} ${last}`, emailName: `${first}.${last}`.toLowerCase().replace(/[^a-z.]/g, '') }
}

export function createShopper(
  rng: Rng,
  index: number,
  opts: { userId: string; days: number; start: number; localCurrency: boolean },
): Shopper {
  const kind = rng.weighted(KINDS)
  const vip = rng.chance(kind === 'frequent' ? 0.35 : kind === 'browser' ? 0.02 : 0.08)
  const region = rng.weighted(REGIONS.map((r) => [r, r.weight] as const))
  const locale = rng.weighted(region.locales)
  const { name, emailName } = personalName(rng, locale)
  const base = RATES[kind]
  const rates: Rates = vip
    ? { ...base, sessionsPerDay: base.sessionsPerDay * 1.4, addRate: base.addRate * 1.3, abandonRate: base.abandonRate * 0.7 }
    : { ...base }
  // A few shoppers have a card that keeps bouncing: these produce repeated Payment Failed.
  const payTrouble = rng.chance(0.08) ? rng.float(0.35, 0.6) : 0.04

  const favourites = [rng.pick(CATEGORIES)]
  if (rng.chance(0.6)) favourites.push(rng.pick(CATEGORIES))
  if (locale !== 'en' && rng.chance(0.4)) favourites.push('tea')

  // Regulars are already customers when the trace starts; others sign up along the way.
  const early = kind === 'frequent' || kind === 'returner' || vip || rng.chance(0.6)
  const joinDay = early ? rng.int(0, Math.min(2, opts.days - 1)) : rng.int(0, Math.max(0, opts.days - 2))

  const traits: IdentifyTraits = {
    email: `${emailName}.${index}@${rng.pick(EMAIL_DOMAINS)}`,
    name,
    phone: rng.pattern(region.phone),
    locale,
    timezone: region.timezone,
  }
  if (vip) traits.vip = true
  if (rng.chance(0.6)) {
    const year = rng.int(1958, 2005)
    traits.birthday = `${year}-${String(rng.int(1, 12)).padStart(2, '0')}-${String(rng.int(1, 28)).padStart(2, '0')}`
  }
  // Existing customers signed up before the trace; new ones get created_at at their first visit.
  if (early) traits.created_at = new Date(opts.start - rng.int(30, 1500) * 86_400_000).toISOString().slice(0, 10)

  return {
    index,
    userId: opts.userId,
    kind,
    vip,
    region,
    locale,
    timezone: region.timezone,
    currency: opts.localCurrency ? region.currency : 'USD',
    localCurrency: opts.localCurrency,
    paymentMethod: rng.pick(region.paymentMethods),
    traits,
    favourites,
    joinDay,
    payTrouble,
    ...rates,
  }
}
