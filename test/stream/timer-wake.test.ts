// The timer job wakes at the earliest pending timer as the engine last knew it (read by each
// firing step, lowered by each commit that arms one), without asking the store again: that time
// must never be later than the stored earliest, or a reminder would wait for the every-second poll.
import { randomUUID } from 'node:crypto'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { EMBEDDED_PARTITION } from '../../src/stream/source/EmbeddedLogSource.ts'
import { startEngine, type TestEngine } from '../support/careloop.ts'

const T0 = Date.UTC(2026, 5, 1, 10, 0, 0)
const MIN = 60_000
const partitions = [EMBEDDED_PARTITION]

type Op = { kind: 'checkout' | 'order'; shopper: number } | { kind: 'advance'; minutes: number } | { kind: 'fire' }

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('checkout' as const), shopper: fc.integer({ min: 0, max: 4 }) }),
  fc.record({ kind: fc.constant('order' as const), shopper: fc.integer({ min: 0, max: 4 }) }),
  fc.record({ kind: fc.constant('advance' as const), minutes: fc.integer({ min: 1, max: 90 }) }),
  fc.constant({ kind: 'fire' as const }),
)

describe('the timer job’s wake time', () => {
  let engine: TestEngine
  const clock = new ManualClock(T0)
  beforeAll(async () => {
    engine = await startEngine({ clock, config: { absenceSettleMs: 0 } })
  })
  afterAll(async () => {
    await engine?.app.stop()
  })

  it('is never later than the stored earliest pending timer, and is known without a store read after a firing step', async () => {
    const store = engine.app.ops.engine
    const read = store.nextTimerDue.bind(store)
    let reads = 0
    store.nextTimerDue = (p) => {
      reads++
      return read(p)
    }
    let knownAfterFiring = 0
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
        const run = randomUUID().slice(0, 8)
        for (const o of ops) {
          if (o.kind === 'advance') clock.advance(o.minutes * MIN)
          else if (o.kind === 'fire') {
            await engine.app.engine.fireDueTimers(partitions)
            const before = reads
            const wake = await engine.app.engine.nextTimerWake(partitions)
            if (reads === before) knownAfterFiring++
            expect(wake).toBe(await read(partitions))
          } else {
            const userId = `${run}-${o.shopper}`
            const at = new Date(clock.now()).toISOString()
            const message =
              o.kind === 'checkout'
                ? { type: 'track', messageId: randomUUID(), userId, event: 'Checkout Started', properties: { checkout_id: `co-${userId}`, value: 40 }, timestamp: at }
                : { type: 'track', messageId: randomUUID(), userId, event: 'Order Completed', properties: { order_id: `o-${randomUUID()}`, checkout_id: `co-${userId}`, total: 40 }, timestamp: at }
            expect((await engine.ingest([message])).status).toBe(200)
            await engine.app.embedded?.drain((batch) => engine.app.engine.handleBatch(batch))
          }
          const stored = await read(partitions)
          const wake = await engine.app.engine.nextTimerWake(partitions)
          if (stored !== undefined) expect(wake ?? Number.POSITIVE_INFINITY).toBeLessThanOrEqual(stored)
        }
      }),
      { numRuns: 25 },
    )
    // Firing steps ran, and their own read served the job (no second read).
    expect(knownAfterFiring).toBeGreaterThan(0)
  })
})
