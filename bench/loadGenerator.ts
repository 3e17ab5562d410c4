// Child process of bench/latency.bench.ts: posts /v1/batch to BENCH_LOAD_URL at BENCH_LOAD_RATE
// events/s (batches of 500, at most 8 requests in flight; a tick with 8 in flight is skipped, so the
// achieved rate says what the engine accepted) until the parent says stop, then reports.
const url = process.env['BENCH_LOAD_URL'] as string
const rate = Number(process.env['BENCH_LOAD_RATE'] ?? 5_000)
const writeKey = process.env['BENCH_LOAD_WRITE_KEY'] as string
const BATCH = 500
const MAX_IN_FLIGHT = 8
const auth = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`

let seq = 0
/** Anonymous browsing: views, carts, checkouts (state, windows, timers; no addressable shopper). */
function batch(): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = []
  const now = Date.now()
  for (let k = 0; k < BATCH; k++, seq++) {
    const userId = `load-${seq % 20_000}`
    const base = { messageId: `load-${process.pid}-${seq}`, userId, timestamp: new Date(now).toISOString() }
    const r = seq % 20
    if (r < 14) out.push({ ...base, type: 'track', event: 'Product Viewed', properties: { product_id: `sku-${seq % 500}`, dwell_ms: 3_000 } })
    else if (r < 18) out.push({ ...base, type: 'track', event: 'Product Added', properties: { product_id: `sku-${seq % 500}`, quantity: 1, price: 20 } })
    else out.push({ ...base, type: 'track', event: 'Checkout Started', properties: { checkout_id: `co-${userId}-${seq}`, value: 40 } })
  }
  return out
}

let inFlight = 0
let accepted = 0
let refused = 0
let skipped = 0
const started = performance.now()
const tick = setInterval(() => {
  if (inFlight >= MAX_IN_FLIGHT) {
    skipped++
    return
  }
  inFlight++
  const body = JSON.stringify({ batch: batch() })
  fetch(`${url}/v1/batch`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body })
    .then(async (res) => {
      await res.arrayBuffer()
      if (res.status === 200) accepted += BATCH
      else refused += BATCH
    })
    .catch(() => void (refused += BATCH))
    .finally(() => void inFlight--)
}, (1000 * BATCH) / rate)

process.on('message', () => {
  clearInterval(tick)
  process.send?.({ kind: 'load', accepted, refused, skipped, seconds: (performance.now() - started) / 1000 })
  process.disconnect()
})
process.send?.({ kind: 'started' })
