// Identity pieces on their own: which messages claim a link (alias built directly, as ingest will
// produce it), hostile hand-off records, the reserved message ids, and folding a profile in.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { emptyCustomerState } from '../../src/model/customer.ts'
import type { ShopEvent } from '../../src/model/event.ts'
import { claimOf } from '../../src/model/identity.ts'
import { decodeMessage } from '../../src/stream/decode.ts'
import { readHandoff } from '../../src/stream/identity/handoff.ts'
import { foldProfile } from '../../src/stream/state/merge.ts'
import { applyEvent } from '../../src/stream/state/reducer.ts'

const T = Date.UTC(2026, 5, 1)
const event = (fields: Omit<Partial<ShopEvent>, 'type'> & { type: string }): ShopEvent =>
  ({ messageId: 'm', customerId: 'u1', name: 'Identify', ts: T, properties: {}, context: {}, ...fields }) as ShopEvent

describe('claims', () => {
  it('identify or track with both ids, and alias previousId → userId, claim a link; one id alone does not', () => {
    expect(claimOf(event({ type: 'identify', userId: 'u1', anonymousId: 'a1' }))).toEqual({ anonymousId: 'a1', userId: 'u1' })
    expect(claimOf(event({ type: 'track', userId: 'u1', anonymousId: 'a1' }))).toEqual({ anonymousId: 'a1', userId: 'u1' })
    expect(claimOf(event({ type: 'alias', userId: 'u1', previousId: 'a1' }))).toEqual({ anonymousId: 'a1', userId: 'u1' })
    expect(claimOf(event({ type: 'alias', userId: 'u1', previousId: 'u1' }))).toBeUndefined()
    expect(claimOf(event({ type: 'identify', userId: 'u1' }))).toBeUndefined()
    expect(claimOf(event({ type: 'track', customerId: 'anon:a1', anonymousId: 'a1' }))).toBeUndefined()
  })

  it('decoding keeps both ids and keys the event by the known one', () => {
    const result = decodeMessage({ type: 'identify', messageId: 'm1', userId: 'u1', anonymousId: 'a1', traits: {} }, T)
    expect(result.ok && [result.event.customerId, result.event.userId, result.event.anonymousId]).toEqual(['u1', 'u1', 'a1'])
  })

  it('message ids starting with careloop: are refused at the field', () => {
    const result = decodeMessage({ type: 'track', messageId: 'careloop:merge:a1:u1', userId: 'u1', event: 'x' }, T)
    expect(result.ok).toBe(false)
    expect(!result.ok && result.errors.map((e) => e.path)).toEqual(['/messageId'])
  })
})

describe('hand-off records', () => {
  it('ordinary events are not hand-offs', () => {
    expect(readHandoff({ type: 'track', messageId: 'm', userId: 'u', event: 'careloop.merge' })).toBeUndefined()
    expect(readHandoff('{"type":"track","event":"\\"careloop.x"}')).toBeUndefined()
  })

  it('a malformed hand-off is refused with field paths, never thrown', () => {
    fc.assert(
      fc.property(fc.constantFrom('careloop.merge-request', 'careloop.merge', 'careloop.forward'), fc.dictionary(fc.string(), fc.jsonValue()), (type, extra) => {
        const body = { ...extra, type }
        for (const value of [body, JSON.stringify(body), Buffer.from(JSON.stringify(body))]) {
          const read = readHandoff(value)
          expect(read).toBeDefined()
          if (read && !read.ok) for (const e of read.errors) expect(e.path).toMatch(/^\//)
        }
      }),
      { numRuns: 300 },
    )
    expect(readHandoff({ type: 'careloop.merge', messageId: 'x', userId: 'u', anonymousId: 'a', at: 1, state: [], timers: {} })).toEqual({
      ok: false,
      errors: [
        { path: '/state', message: 'must be a JSON object' },
        { path: '/timers', message: 'must be an array' },
      ],
    })
  })
})

describe('folding a profile', () => {
  it('the known traits win, counts and orders merge, an order closes the anonymous checkout', () => {
    const anon = emptyCustomerState('anon:a1')
    applyEvent(anon, event({ type: 'identify', customerId: 'anon:a1', messageId: 'a-id', properties: { email: 'anon@example.com', color: 'red' } }))
    applyEvent(anon, event({ type: 'track', customerId: 'anon:a1', messageId: 'a-co', name: 'Checkout Started', ts: T + 1, properties: { checkout_id: 'c1' } }))
    applyEvent(anon, event({ type: 'track', customerId: 'anon:a1', messageId: 'a-ret', name: 'Return Requested', ts: T + 2, properties: { order_id: 'r1' } }))
    const known = emptyCustomerState('u1')
    applyEvent(known, event({ type: 'identify', messageId: 'k-id', properties: { email: 'known@example.com' } }))
    applyEvent(known, event({ type: 'track', messageId: 'k-oc', name: 'Order Completed', ts: T + 3, properties: { order_id: 'o1', checkout_id: 'c1' } }))
    applyEvent(known, event({ type: 'track', messageId: 'k-ret', name: 'Return Requested', ts: T + 4, properties: { order_id: 'r2' } }))
    foldProfile(known, anon, 'a1')
    expect(known.traits).toEqual({ email: 'known@example.com', color: 'red' })
    expect(known.counts['Return Requested']).toEqual([T + 2, T + 4])
    expect(Object.keys(known.orders).sort()).toEqual(['o1', 'r1', 'r2'])
    expect(Object.keys(known.checkouts)).toEqual([])
    expect(known.recent.map((r) => r.messageId)).toEqual(['a-id', 'k-id', 'a-co', 'a-ret', 'k-oc', 'k-ret'])
    expect(new Set(known.seen)).toEqual(new Set(['a-id', 'a-co', 'a-ret', 'k-id', 'k-oc', 'k-ret']))
    expect(known.mergedFrom).toEqual(['a1'])
    expect(known.version).toBe(6)
  })
})
