import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { redactLogObject, redactText } from '../../src/lib/logRedaction.ts'

const local = fc.stringMatching(/^[a-z0-9][a-z0-9._+-]{0,20}$/)
const domain = fc.stringMatching(/^[a-z0-9-]{1,12}(\.[a-z0-9-]{1,12}){0,2}\.[a-z]{2,6}$/)
const email = fc.tuple(local, domain).map(([l, d]) => `${l}@${d}`)
const phone = fc.tuple(fc.integer({ min: 1, max: 999 }), fc.stringMatching(/^[0-9]{8,12}$/), fc.constantFrom('', ' ', '-')).map(([cc, rest, sep]) => `+${cc}${sep}${rest}`)
const filler = fc.stringMatching(/^[A-Za-z ,:<>()]{0,20}$/)

describe('log redaction', () => {
  it('replaces any email address and international phone number inside text', () => {
    fc.assert(
      fc.property(filler, email, filler, phone, filler, (a, e, b, p, c) => {
        const out = redactText(`${a} ${e} ${b} ${p} ${c}`)
        expect(out).not.toContain(e)
        expect(out).not.toContain(p)
        expect(out).toContain('<email>')
        expect(out).toContain('<phone>')
      }),
    )
  })

  it('leaves ids, times and counts alone', () => {
    for (const text of ['outbox 708049c35de0f25d121887d54c5ecb67', '1796375460305', 'attempt 12 of 30', '2026-12-04T09:00:00.000Z', 'order o-7781']) {
      expect(redactText(text)).toBe(text)
    }
  })

  it('redacts nested values and errors with their causes, and survives cycles', () => {
    const cause = new Error('550 5.1.1 <ana@example.com>: Recipient address rejected')
    const cyclic: Record<string, unknown> = { phone: 'call +49 151 1234 5678' }
    cyclic['self'] = cyclic
    const out = JSON.stringify(redactLogObject({ err: new Error('send failed', { cause }), list: ['bo@example.org'], cyclic, n: 3 }))
    expect(out).not.toMatch(/ana@example\.com|bo@example\.org|1234 5678/)
    expect(out).toContain('<email>')
    expect(out).toContain('"n":3')
  })
})
