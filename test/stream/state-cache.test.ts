// The engine keeps at most CARELOOP_STATE_CACHE customer states in memory between steps; a shopper
// dropped from it continues from the stored state when the next event comes, as if never dropped.
import { afterAll, beforeAll, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { startEngine, type TestEngine } from '../support/careloop.ts'
import { T0, wireTrack } from '../support/events.ts'

const BOUND = 2
let engine: TestEngine
const clock = new ManualClock(T0)

beforeAll(async () => {
  engine = await startEngine({ clock, config: { stateCacheSize: BOUND, absenceSettleMs: 0 } })
})
afterAll(async () => {
  await engine?.app.stop()
})

it('drops the least recently used states beyond the bound, and a dropped shopper continues from the store', async () => {
  const returns = [0, 1, 2].map((i) => wireTrack('keeper', 'Return Requested', { order_id: `o-${i}`, product_id: `p-${i}`, reason: 'size' }, T0 + i * 60_000))
  for (const [i, event] of returns.entries()) {
    expect((await engine.ingest([event])).status).toBe(200)
    await engine.app.tick()
    // Other shoppers push "keeper" out of the cache before its next event.
    const others = Array.from({ length: BOUND + 1 }, (_, k) => wireTrack(`other-${i}-${k}`, 'Product Viewed', { product_id: 'p' }, T0 + i * 60_000 + k + 1))
    expect((await engine.ingest(others)).status).toBe(200)
    await engine.app.tick()
    expect(engine.app.engine.cachedStates).toBeLessThanOrEqual(BOUND)
  }
  const stored = (await engine.app.ops.engine.loadStates(['keeper'])).get('keeper')
  expect(stored?.version).toBe(3)
  expect(stored?.counts['Return Requested']).toHaveLength(3)
  expect(stored?.recent.map((e) => e.messageId)).toEqual(returns.map((e) => e.messageId))
}, 120_000)
