// A replay merges an anonymous shopper into the known one as the live engine does (hand-offs
// between steps): the anonymous checkout's reminder goes to the known shopper, an old tab's later
// events count for them, and the in-memory store agrees with the PGlite one.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { replayTrace, toJsonl } from '../../src/replay/replay.ts'

const T0 = Date.UTC(2026, 5, 1, 10)
const MIN = 60_000
const iso = (ms: number) => new Date(ms).toISOString()
const seed = Number(process.env.CARELOOP_FUZZ_SEED ?? 4242)
const numRuns = Number(process.env.CARELOOP_FUZZ_RUNS ?? 12)

function checkoutThenLogin(visitor: string, user: string, at: number, loginAfterMin: number): unknown[] {
  return [
    { type: 'track', messageId: `${visitor}-c`, anonymousId: visitor, event: 'Checkout Started', properties: { checkout_id: `${visitor}-cart`, value: 50 }, timestamp: iso(at) },
    { type: 'identify', messageId: `${visitor}-id`, anonymousId: visitor, userId: user, traits: { email: `${user}@example.com`, timezone: 'UTC' }, timestamp: iso(at + loginAfterMin * MIN) },
  ]
}

describe('identity in a replay', () => {
  it("the anonymous checkout's reminder goes to the shopper who logged in, not to the anonymous id", async () => {
    const { lines } = await replayTrace(checkoutThenLogin('v1', 'u1', T0, 1), { horizonMs: 86_400_000 })
    const reminders = lines.filter((l) => l.rule === 'abandoned-checkout')
    expect(reminders.map((l) => [l.customer, l.outcome, l.entity])).toEqual([['u1', 'sent', 'v1-cart']])
  })

  it('an order placed by the known shopper for the cart started anonymously ends the wait', async () => {
    const trace = [
      ...checkoutThenLogin('v2', 'u2', T0, 1),
      { type: 'track', messageId: 'v2-o', userId: 'u2', event: 'Order Completed', properties: { order_id: 'o2', checkout_id: 'v2-cart', total: 50 }, timestamp: iso(T0 + 5 * MIN) },
    ]
    const { lines } = await replayTrace(trace, { horizonMs: 86_400_000 })
    expect(lines.filter((l) => l.rule === 'abandoned-checkout')).toEqual([])
  })

  it('gives the same lines with the in-memory store as with PGlite, for shoppers logging in at any time', async () => {
    const shopper = fc.record({ loginAfterMin: fc.integer({ min: 0, max: 180 }), startMin: fc.integer({ min: 0, max: 600 }), order: fc.boolean(), oldTabMin: fc.option(fc.integer({ min: 0, max: 240 })) })
    await fc.assert(
      fc.asyncProperty(fc.array(shopper, { minLength: 1, maxLength: 4 }), async (shoppers) => {
        const trace = shoppers.flatMap((s, i) => {
          const at = T0 + s.startMin * MIN
          const messages = checkoutThenLogin(`v${i}`, `u${i}`, at, s.loginAfterMin)
          if (s.order) messages.push({ type: 'track', messageId: `v${i}-o`, userId: `u${i}`, event: 'Order Completed', properties: { order_id: `o${i}`, checkout_id: `v${i}-cart`, total: 50 }, timestamp: iso(at + (s.loginAfterMin + 2) * MIN) })
          if (s.oldTabMin !== null) messages.push({ type: 'track', messageId: `v${i}-tab`, anonymousId: `v${i}`, event: 'Product Viewed', properties: { product_id: 'p1', dwell_ms: 200_000 }, timestamp: iso(at + (s.loginAfterMin + s.oldTabMin) * MIN) })
          return messages
        })
        trace.sort((a, b) => String((a as { timestamp: string }).timestamp).localeCompare(String((b as { timestamp: string }).timestamp)))
        const memory = await replayTrace(trace, { horizonMs: 86_400_000 })
        const pglite = await replayTrace(trace, { horizonMs: 86_400_000, store: 'pglite' })
        expect(toJsonl(memory.lines)).toBe(toJsonl(pglite.lines))
        // Nothing is decided for an anonymous id once its shopper has logged in.
        for (const line of memory.lines) {
          const i = line.customer.startsWith('anon:v') ? Number(line.customer.slice('anon:v'.length)) : undefined
          if (i === undefined) continue
          const s = shoppers[i] as (typeof shoppers)[number]
          expect(Date.parse(line.decidedAt), JSON.stringify(line)).toBeLessThan(T0 + (s.startMin + s.loginAfterMin) * MIN)
        }
      }),
      { seed, numRuns },
    )
  }, 240_000)
})
