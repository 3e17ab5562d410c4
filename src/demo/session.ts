// One browsing session: product pages, the cart, and sometimes a checkout. The cart outlives the
// session, so an abandoned checkout can be finished days later under a new checkout_id.
import { PRODUCTS, PRODUCTS_BY_CATEGORY, localPrice, type Product } from './catalog.ts'
import { placeOrder, type Order } from './fulfilment.ts'
import { HOUR, MINUTE } from './localtime.ts'
import { round2, type CartLine, type ShopperState } from './shopper.ts'
import { CHECKOUT_DECLINES } from './texts.ts'

const SECOND = 1000

function pickProduct(state: ShopperState, recent: Product[]): Product {
  const { rng, shopper } = state
  // Shoppers come back to what they looked at, and mostly browse their favourite categories.
  if (recent.length > 0 && rng.chance(0.2)) return rng.pick(recent)
  const pool = rng.chance(0.7) ? PRODUCTS_BY_CATEGORY.get(rng.pick(shopper.favourites)) ?? PRODUCTS : PRODUCTS
  let product = rng.pick(pool)
  // VIPs lean towards the expensive end: re-draw cheap items once.
  if (shopper.vip && product.price < 100) product = rng.pick(pool)
  return product
}

/** Time on the product page: mostly 5–90 s, sometimes a quick bounce, sometimes ≥ 2 min. */
function dwellMs(state: ShopperState, product: Product): number {
  const { rng, shopper } = state
  const hesitation = shopper.hesitancy * (product.price >= 200 ? 1.8 : 1)
  if (rng.chance(hesitation)) return Math.round(Math.min(120 * SECOND + rng.logNormal(100 * SECOND, 0.7), 20 * MINUTE))
  if (rng.chance(0.05)) return rng.int(1200, 4900)
  return Math.round(Math.min(Math.max(rng.logNormal(24 * SECOND, 0.55), 5 * SECOND), 90 * SECOND))
}

function productProps(line: CartLine): Record<string, unknown> {
  const { product } = line
  return {
    product_id: product.product_id,
    sku: product.sku,
    name: product.name,
    category: product.category,
    price: line.price,
    quantity: line.quantity,
  }
}

/** Runs a session starting at t; returns when the shopper leaves. */
export function browseSession(state: ShopperState, t: number): number {
  const { rng, shopper, timeline } = state
  const recent: Product[] = []
  const views = 1 + rng.poisson(shopper.viewsPerSession - 1)
  for (let i = 0; i < views; i++) {
    const product = pickProduct(state, recent)
    recent.push(product)
    const price = shopper.localCurrency ? localPrice(product.price, shopper.region) : product.price
    t += rng.int(3, 40) * SECOND
    const dwell = dwellMs(state, product)
    t += dwell
    const path = `/products/${product.product_id}`
    // Sent when the shopper leaves the page, so the event time is the end of the dwell.
    timeline.track(
      t,
      'Product Viewed',
      {
        product_id: product.product_id,
        sku: product.sku,
        name: product.name,
        category: product.category,
        price,
        currency: shopper.currency,
        dwell_ms: dwell,
      },
      { path, url: `https://shop.example${path}`, title: product.name },
    )
    // Looking is cheap, buying a big-ticket item is not (except for VIPs); bounces rarely buy.
    const priceFactor = !shopper.vip && product.price >= 300 ? 0.4 : 1
    const addChance = shopper.addRate * priceFactor * (dwell >= 120 * SECOND ? 0.8 : dwell < 5 * SECOND ? 0.2 : 1)
    if (!rng.chance(addChance)) continue
    t += rng.int(2, 12) * SECOND
    if (!state.cart) state.cart = { cart_id: `cart_${state.idBase}_${++state.counters.cart}`, lines: [] }
    const existing = state.cart.lines.find((l) => l.product.product_id === product.product_id)
    const quantity = rng.weighted([[1, 88], [2, 9], [3, 3]] as const)
    if (existing) existing.quantity += quantity
    else state.cart.lines.push({ product, price, quantity })
    timeline.track(t, 'Product Added', {
      cart_id: state.cart.cart_id,
      ...productProps({ product, price, quantity }),
    })
  }
  const cart = state.cart
  if (cart && cart.lines.length > 1 && rng.chance(0.1)) {
    const idx = rng.int(0, cart.lines.length - 1)
    const [line] = cart.lines.splice(idx, 1)
    t += rng.int(5, 30) * SECOND
    if (line) timeline.track(t, 'Product Removed', { cart_id: cart.cart_id, ...productProps(line) })
  }
  if (cart && cart.lines.length > 0 && rng.chance(shopper.checkoutRate)) t = checkout(state, t)
  return t
}

function paymentFailed(state: ShopperState, t: number, checkoutId: string, value: number): void {
  state.timeline.track(t, 'Payment Failed', {
    checkout_id: checkoutId,
    reason: state.rng.weighted(CHECKOUT_DECLINES),
    amount: value,
    currency: state.shopper.currency,
    payment_method: state.shopper.paymentMethod,
  })
}

/** Checkout: maybe declined (once, or twice within a day), maybe abandoned, else an order. */
function checkout(state: ShopperState, t: number): number {
  const { rng, shopper, timeline } = state
  const cart = state.cart
  if (!cart) return t
  const checkoutId = `chk_${state.idBase}_${++state.counters.checkout}`
  const products = cart.lines.map((l) => productProps(l))
  const value = round2(cart.lines.reduce((sum, l) => sum + l.price * l.quantity, 0))
  t += rng.int(10, 60) * SECOND
  timeline.track(t, 'Checkout Started', {
    checkout_id: checkoutId,
    cart_id: cart.cart_id,
    value,
    currency: shopper.currency,
    products,
  })
  // Shipping costs and second thoughts: the classic abandoned checkout.
  if (rng.chance(shopper.abandonRate)) return t
  t += rng.int(40, 240) * SECOND
  if (rng.chance(shopper.payTrouble)) {
    paymentFailed(state, t, checkoutId, value)
    const next = rng.weighted([['now', 55], ['later', 25], ['give_up', 20]] as const)
    if (next === 'give_up') return t
    t += next === 'now' ? rng.int(1, 15) * MINUTE : rng.int(1, 20) * HOUR
    if (rng.chance(Math.min(0.5, shopper.payTrouble * 1.5))) {
      paymentFailed(state, t, checkoutId, value)
      if (rng.chance(0.5)) return t
      t += rng.int(2, 30) * MINUTE
    }
  }
  const order: Order = {
    order_id: `ord_${state.idBase}_${++state.counters.order}`,
    checkout_id: checkoutId,
    total: 0,
    subtotal: value,
    currency: shopper.currency,
    products,
    lines: cart.lines,
    placedAt: t,
    promisedAt: 0,
  }
  state.cart = undefined
  placeOrder(state, order)
  return t + rng.int(20, 90) * SECOND
}
