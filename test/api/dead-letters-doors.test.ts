// Hostile input at the dead-letter doors (docs/dead-letters.md), generated with fast-check: ids,
// filters, cursors and resend bodies never get a 5xx, a refusal names the field path, and a valid
// letter among hostile ids is still resent. Stored payloads of any shape (not JSON, NUL, lone
// surrogates, "__proto__" keys, deep nesting) resend without a failure: accepted, or dead again
// with the same bytes kept in a new letter — nothing is lost.
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { KEYS, startEngine, type TestEngine } from '../support/careloop.ts'
import { encodePathSegment } from '../support/pathSegment.ts'

let engine: TestEngine
const clock = new ManualClock(Date.UTC(2026, 6, 1, 10))
beforeAll(async () => {
  engine = await startEngine({ clock })
})
afterAll(async () => {
  await engine?.app.stop()
})

const piece = fc.constantFrom('\u0000', '\ud800', '\udfff', '__proto__', 'constructor', 'toString', '/', '%', '?', '#', '&', '=', '..', 'input:', 'message:', '1', '0', '-1', '9'.repeat(20), '😀', "'", '"', '\\', ' ', '\n', 'x', 'e30')
const hostile = fc.array(piece, { minLength: 1, maxLength: 8 }).map((parts) => parts.join(''))
const anyValue = fc.oneof(hostile, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(hostile, { maxLength: 3 }), fc.dictionary(hostile, hostile, { maxKeys: 3 }))

const inject = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
  engine.app.server.inject({ method, url, headers: { authorization: `Bearer ${KEYS.ops}`, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) }, ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }) })

function expectRefusalOrOk(res: { statusCode: number; body: string }) {
  expect(res.statusCode, res.body).toBeLessThan(500)
  if (res.statusCode === 400) expect(JSON.parse(res.body).errors.length, res.body).toBeGreaterThan(0)
}

describe('dead-letter doors with hostile input', () => {
  it('ids in the path: 400 or 404, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(hostile, hostile.map((h) => `message:${h}`), hostile.map((h) => `input:${h}`)), async (id) => {
        const res = await inject('GET', `/api/dead-letters/${encodePathSegment(id)}`)
        expect([400, 404], `${id} ${res.body}`).toContain(res.statusCode)
      }),
      { numRuns: 60 },
    )
  })

  it('list filters and cursors: 200 or 400 with a field path', async () => {
    const keys = ['kind', 'state', 'source', 'reason', 'rule', 'from', 'to', 'cursor', 'limit', '__proto__', 'constructor']
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom(...keys), fc.oneof(hostile, fc.integer().map(String), fc.constantFrom('input', 'message', 'open', 'all', '1e400', 'NaN'))), { maxLength: 5 }), async (pairs) => {
        const query = pairs.map(([k, v]) => `${encodePathSegment(k)}=${encodePathSegment(v)}`).join('&')
        expectRefusalOrOk(await inject('GET', `/api/dead-letters?${query}`))
      }),
      { numRuns: 80 },
    )
  })

  it('resend bodies: 200 or 400 with a field path; a real letter among hostile ids is still resent', async () => {
    const [letterId] = await engine.app.ops.deadLetters.add([{ source: 'http', receivedAt: clock.now(), reason: 'test', errors: [], payload: '{"type":"track"}' }])
    const real = `input:${letterId}`
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({ ids: fc.array(fc.oneof(hostile.map((h) => `message:${h}`), fc.constantFrom('input:999999999', 'message:nope')), { minLength: 1, maxLength: 5 }) }),
          fc.record({ ids: fc.array(anyValue, { maxLength: 4 }) }),
          fc.record({ filter: fc.dictionary(fc.constantFrom('kind', 'source', 'reason', 'rule', 'from', 'to', 'state', '__proto__'), anyValue, { maxKeys: 4 }) }),
          fc.dictionary(hostile, anyValue, { maxKeys: 3 }),
          anyValue,
        ),
        async (body) => {
          const res = await inject('POST', '/api/dead-letters/resend', body)
          expectRefusalOrOk(res)
          if (res.statusCode === 200) {
            // One result per distinct letter asked for (the door repaired text may merge two).
            const results = JSON.parse(res.body).results as Array<{ outcome: string }>
            if ('ids' in (body as object)) expect(results.length).toBeLessThanOrEqual(new Set((body as { ids: string[] }).ids).size)
            for (const r of results) expect(['accepted', 'dead-again', 'requeued', 'not-resendable', 'not-found', 'not-dead']).toContain(r.outcome)
          }
        },
      ),
      { numRuns: 80 },
    )
    const mixed = await inject('POST', '/api/dead-letters/resend', { ids: ['message:\u0000__proto__', real, 'message:%2F..', 'input:424242424'] })
    expect(mixed.statusCode, mixed.body).toBe(200)
    expect(JSON.parse(mixed.body).results).toEqual([
      { id: 'message:\ufffd__proto__', outcome: 'not-found' },
      expect.objectContaining({ id: real, outcome: 'dead-again' }),
      { id: 'message:%2F..', outcome: 'not-found' },
      { id: 'input:424242424', outcome: 'not-found' },
    ])
  })

  it('stored payloads of any shape resend as accepted or dead again, the bytes kept', async () => {
    const payload = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 60 }),
      anyValue.map((v) => JSON.stringify(v) ?? 'null'),
      fc.record({ type: fc.constantFrom('track', 'identify', '__proto__'), userId: hostile, event: hostile, messageId: hostile, properties: fc.dictionary(hostile, anyValue, { maxKeys: 3 }) }).map((v) => JSON.stringify(v)),
      fc.integer({ min: 1, max: 200 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
    )
    await fc.assert(
      fc.asyncProperty(payload, async (text) => {
        const [id] = await engine.app.ops.deadLetters.add([{ source: 'http', receivedAt: clock.now(), reason: 'hostile', errors: [], payload: text }])
        const res = await inject('POST', '/api/dead-letters/resend', { ids: [`input:${id}`] })
        expect(res.statusCode, res.body).toBe(200)
        const [result] = JSON.parse(res.body).results
        expect(['accepted', 'dead-again']).toContain(result.outcome)
        const [stored] = await engine.app.ops.deadLetters.get([id as number])
        if (result.outcome === 'dead-again') {
          const [again] = await engine.app.ops.deadLetters.get([Number(result.newId.slice(6))])
          expect(again?.payload).toBe(stored?.payload)
          expect(again?.resentFrom).toBe(id)
        }
      }),
      { numRuns: 60 },
    )
  })
})
