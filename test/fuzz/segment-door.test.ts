// Property tests at the ingest door for every Segment call type: any message, valid or hostile,
// is stored or refused with field paths inside the message it came from; never a 5xx, never a
// valid message lost beside an invalid one.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { decodeMessage } from '../../src/stream/decode.ts'
import { canonicalJson, deriveMessageId } from '../../src/stream/messageId.ts'
import { useEngine, WRITE_KEY_AUTH } from '../support/careloop.ts'

const SEED = Number(process.env.CARELOOP_FUZZ_SEED ?? 20261204)
const RUNS = Number(process.env.CARELOOP_FUZZ_RUNS ?? 40)

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c))
const BUILTIN = ['__proto__', 'constructor', 'toString', 'hasOwnProperty']
const text = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('', '\u0000', ...BUILTIN, 'next tuesday', '1,200.00', '2026-02-30T25:61:61Z'), loneSurrogate)
const id = fc.oneof({ weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 16 }) }, { weight: 1, arbitrary: fc.constantFrom(...BUILTIN) })
const scalar = fc.oneof(text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null))
const value = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.dictionary(fc.oneof(text, fc.constantFrom(...BUILTIN)), scalar, { maxKeys: 3 }))
/** A property bag with built-in names as own keys (JSON.parse makes them own). */
const bag = fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom(...BUILTIN, 'order_id', 'total', 'estimated_delivery_at', 'path')), value, { maxKeys: 5 }).map((d) => JSON.parse(JSON.stringify(d)) as Record<string, unknown>)
const timestamp = fc.oneof(
  fc.date({ min: new Date(Date.UTC(2000, 0, 1)), max: new Date(Date.UTC(2100, 0, 1)), noInvalidDate: true }).map((d) => d.toISOString()),
  // Years 0–9999 (before 1970 is refused at the door; history keeps times from 1970 on).
  fc.date({ min: new Date('0000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }).map((d) => d.toISOString()),
  text,
)

const identity = fc.record(
  { messageId: id, userId: id, anonymousId: id, timestamp, context: fc.record({ timezone: text, page: bag }, { requiredKeys: [] }), integrations: bag, _metadata: bag },
  { requiredKeys: [] },
)
const callFields = fc.oneof(
  fc.record({ type: fc.constant('page'), name: text, category: text, properties: bag }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constant('screen'), name: text, properties: bag }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constant('alias'), previousId: id, userId: id }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constant('group'), groupId: id, traits: bag }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constant('track'), event: fc.oneof(text, fc.constantFrom('Order Shipped', 'Order Completed', 'Checkout Started')), properties: bag }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constant('identify'), traits: bag }, { requiredKeys: ['type'] }),
)
/** Mostly Segment-shaped messages; now and then a field of the wrong type. */
const message = fc
  .tuple(identity, callFields, fc.option(fc.tuple(fc.constantFrom('userId', 'groupId', 'previousId', 'properties', 'traits', 'name', 'type', 'timestamp'), value), { freq: 4 }))
  .map(([who, call, wrong]) => ({ ...who, ...call, ...(wrong ? { [wrong[0]]: wrong[1] } : {}) }) as Record<string, unknown>)

describe('decoding any message (property)', () => {
  it('is a ShopEvent of its call type, or errors whose paths lie inside the message', () => {
    const accepted = new Map<unknown, number>()
    fc.assert(
      fc.property(message, (msg) => {
        const result = decodeMessage(msg, 0, '/batch/7')
        if (result.ok) {
          accepted.set(msg.type, (accepted.get(msg.type) ?? 0) + 1)
          expect(result.event.type).toBe(msg.type)
          expect(result.event.messageId.length).toBeGreaterThan(0)
          if (msg.type === 'alias') expect(result.event.previousId).toBe(msg.previousId)
          if (msg.type === 'group') expect(result.event.groupId).toBe(msg.groupId)
        } else {
          expect(result.errors.length).toBeGreaterThan(0)
          for (const e of result.errors) {
            expect(e.path).toMatch(/^\/batch\/7(\/|$)/)
            expect(e.message.length).toBeGreaterThan(0)
          }
          // No error twice.
          expect(new Set(result.errors.map((e) => `${e.path} ${e.message}`)).size).toBe(result.errors.length)
        }
      }),
      { seed: SEED, numRuns: 2000 },
    )
    // The generator reaches the valid side of every call type, not only the refusals.
    for (const type of ['page', 'screen', 'alias', 'group', 'track', 'identify']) expect(accepted.get(type) ?? 0, type).toBeGreaterThan(20)
  })

  it('a derived messageId depends on the content only, not on key order or sentAt', () => {
    fc.assert(
      fc.property(message, fc.string(), (msg, sentAt) => {
        const { messageId: _ignored, ...rest } = msg
        const reversed = Object.fromEntries(Object.entries(rest).reverse())
        expect(deriveMessageId({ ...reversed, sentAt })).toBe(deriveMessageId(rest))
        expect(canonicalJson(JSON.parse(canonicalJson(rest)))).toBe(canonicalJson(rest))
      }),
      { seed: SEED, numRuns: 500 },
    )
  })
})

describe('the HTTP door with any batch of these messages (property)', () => {
  const running = useEngine({ clock: new ManualClock(Date.UTC(2026, 6, 1, 10)) })

  it('answers 200 or 400, never 5xx; every message is stored, a duplicate, or refused at its own paths', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 8 }), fc.constantFrom('/v1/batch', '/v1/page', '/v1/screen', '/v1/alias', '/v1/group'), async (batch, route) => {
        const single = route !== '/v1/batch'
        const payload = single ? (batch[0] as Record<string, unknown>) : { batch }
        const res = await running().app.server.inject({ method: 'POST', url: route, headers: { authorization: WRITE_KEY_AUTH, 'content-type': 'application/json' }, payload: JSON.stringify(payload) })
        expect(res.statusCode, res.body).toBeLessThan(500)
        expect([200, 400]).toContain(res.statusCode)
        const body = res.json()
        const count = single ? 1 : batch.length
        if (res.statusCode === 200) {
          expect(body.stored + body.duplicates).toBe(count)
          return
        }
        const refused = new Set<number>()
        for (const e of body.errors as Array<{ path: string }>) {
          const m = single ? /^\/(.*)$/.exec(e.path) : /^\/batch\/(\d+)(\/|$)/.exec(e.path)
          expect(m, e.path).not.toBeNull()
          if (!single) refused.add(Number(m![1]))
        }
        if (single) refused.add(0)
        expect(body.stored + body.duplicates + refused.size).toBe(count)
      }),
      { seed: SEED, numRuns: RUNS },
    )
  })
})
