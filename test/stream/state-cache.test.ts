// The engine keeps a bounded cache of customer states between steps (CARELOOP_STATE_CACHE,
// _MB, _HOT): a shopper dropped from it continues from the stored state when the next event comes,
// and one held serialized continues from that copy, as if it had stayed an object.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import type { Config } from '../../src/config.ts'
import { startEngine, type TestEngine } from '../support/careloop.ts'
import { T0, wireTrack } from '../support/events.ts'

const BOUND = 2

function scenario(config: Partial<Config>, check: (engine: TestEngine, storeReads: string[]) => void): void {
  let engine: TestEngine
  /** Customer ids the engine read from the store. */
  const storeReads: string[] = []
  const clock = new ManualClock(T0)

  beforeAll(async () => {
    engine = await startEngine({ clock, config: { absenceSettleMs: 0, ...config } })
    const store = engine.app.ops.engine
    const loadStates = store.loadStates.bind(store)
    store.loadStates = (ids) => {
      storeReads.push(...ids)
      return loadStates(ids)
    }
  })
  afterAll(async () => {
    await engine?.app.stop()
  })

  it('a shopper pushed out of the objects by others continues where it was', async () => {
    const returns = [0, 1, 2].map((i) => wireTrack('keeper', 'Return Requested', { order_id: `o-${i}`, product_id: `p-${i}`, reason: 'size' }, T0 + i * 60_000))
    for (const [i, event] of returns.entries()) {
      expect((await engine.ingest([event])).status).toBe(200)
      await engine.app.tick()
      // Other shoppers push "keeper" out of the most recently used before its next event.
      const others = Array.from({ length: BOUND + 1 }, (_, k) => wireTrack(`other-${i}-${k}`, 'Product Viewed', { product_id: 'p' }, T0 + i * 60_000 + k + 1))
      expect((await engine.ingest(others)).status).toBe(200)
      await engine.app.tick()
    }
    check(engine, storeReads)
    const stored = (await engine.app.ops.engine.loadStates(['keeper'])).get('keeper')
    expect(stored?.version).toBe(3)
    expect(stored?.counts['Return Requested']).toHaveLength(3)
    expect(stored?.recent.map((e) => e.messageId)).toEqual(returns.map((e) => e.messageId))
  }, 120_000)
}

describe('bounded by count, all objects', () => {
  scenario({ stateCacheSize: BOUND, stateCacheHot: undefined, stateCacheBytes: undefined }, (engine, storeReads) => {
    expect(engine.app.engine.cachedStates).toBeLessThanOrEqual(BOUND)
    // Dropped each time: read again from the store for each of its three events.
    expect(storeReads.filter((id) => id === 'keeper')).toHaveLength(3)
  })
})

describe('older states serialized', () => {
  scenario({ stateCacheSize: undefined, stateCacheHot: BOUND, stateCacheBytes: 2 ** 20 }, (engine, storeReads) => {
    // Nobody dropped: 1 keeper + 3 × 3 others, and keeper read from the store only when new.
    expect(engine.app.engine.cachedStates).toBe(10)
    expect(storeReads.filter((id) => id === 'keeper')).toHaveLength(1)
  })
})
