// A seeded shop for the pipeline benchmarks: views, carts, checkouts, orders and identifies of
// `shoppers` shoppers, one millisecond apart, ending an hour ago.
export function shopMessages(events: number, shoppers: number, seed = 20_261_204): Record<string, unknown>[] {
  // mulberry32 in 32-bit integer arithmetic (a float LCG loses its low bits and repeats early).
  let s = seed >>> 0
  const rnd = () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
  const t0 = Date.now() - 3_600_000
  const out: Record<string, unknown>[] = []
  for (let i = 0; i < events; i++) {
    const userId = `p-${Math.floor(rnd() * shoppers)}`
    const timestamp = new Date(t0 + i).toISOString()
    const base = { messageId: `pipe-${i}`, userId, timestamp }
    const r = rnd()
    if (r < 0.1) out.push({ ...base, type: 'identify', traits: { email: `${userId}@bench.test` } })
    else if (r < 0.7) out.push({ ...base, type: 'track', event: 'Product Viewed', properties: { product_id: `sku-${Math.floor(rnd() * 500)}`, dwell_ms: Math.floor(rnd() * 60_000) } })
    else if (r < 0.85) out.push({ ...base, type: 'track', event: 'Product Added', properties: { product_id: `sku-${Math.floor(rnd() * 500)}`, price: 20 } })
    else if (r < 0.95) out.push({ ...base, type: 'track', event: 'Checkout Started', properties: { checkout_id: `co-${userId}`, value: 40 } })
    else out.push({ ...base, type: 'track', event: 'Order Completed', properties: { order_id: `o-${i}`, checkout_id: `co-${userId}`, total: 40 } })
  }
  return out
}
