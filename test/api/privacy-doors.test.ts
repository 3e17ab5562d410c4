// Hostile ids at the privacy doors (docs/privacy.md): NUL, lone surrogates, "__proto__" and URL
// metacharacters in a shopper id never make export, erase or lifting a suppression fail with a
// 5xx; an erased hostile id is suppressed under the reference of the id the door repaired.
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { erasedReference } from '../../src/lib/pseudonym.ts'
import { repairString } from '../../src/lib/text.ts'
import { KEYS, startEngine, type TestEngine } from '../support/careloop.ts'
import { encodePathSegment } from '../support/pathSegment.ts'

let engine: TestEngine
beforeAll(async () => {
  engine = await startEngine({ clock: new ManualClock(Date.UTC(2026, 6, 1, 10)) })
})
afterAll(async () => {
  await engine?.app.stop()
})

const piece = fc.constantFrom('\u0000', '\ud800', '\udfff', '__proto__', 'constructor', 'prototype', 'hasOwnProperty', '/', '%', '?', '#', '..', 'anon:', 'erased:', '😀', 'é', "'", '"', '\\', ' ', 'x')
const hostileId = fc.array(piece, { minLength: 1, maxLength: 8 }).map((parts) => parts.join(''))

// Valid ids once repaired: every seed sees erasures, not only refusals.
const ERASABLE = ['__proto__', 'a\u0000b', 'constructor é', "x/%?#😀'\"\\"]

const inject = (method: 'GET' | 'DELETE', url: string) => engine.app.server.inject({ method, url, headers: { authorization: `Bearer ${KEYS.admin}` } })

describe('privacy doors with hostile ids', () => {
  it('export, erase and lift answer without a 5xx, and erase suppresses the repaired id', async () => {
    let erasedCount = 0
    await fc.assert(
      fc.asyncProperty(hostileId, async (id) => {
        const segment = encodePathSegment(id)
        const exported = await inject('GET', `/api/customers/${segment}/export`)
        expect(exported.statusCode, exported.body).toBeLessThan(500)
        const erased = await inject('DELETE', `/api/customers/${segment}`)
        expect(erased.statusCode, erased.body).toBeLessThan(500)
        if (ERASABLE.includes(id)) expect(erased.statusCode, erased.body).toBeLessThan(300)
        if (erased.statusCode < 300) {
          erasedCount++
          const repaired = repairString(id).value
          const listed = (await inject('GET', '/api/suppressions')).json().suppressions.map((s: { reference: string }) => s.reference)
          expect(listed).toContain(erasedReference(repaired))
          expect(JSON.parse(exported.body).customerId).toBe(repaired)
        }
        const lifted = await inject('DELETE', `/api/suppressions/${segment}`)
        expect(lifted.statusCode, lifted.body).toBeLessThan(500)
        if (erased.statusCode < 300) expect(lifted.statusCode).toBe(204)
      }),
      { numRuns: 100, examples: ERASABLE.map((id) => [id]) },
    )
    expect(erasedCount).toBeGreaterThanOrEqual(ERASABLE.length)
  })
})
