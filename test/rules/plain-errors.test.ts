// Rule errors in plain words, all at once: every mistake of a document is reported in one round
// (a wrong `per` does not hide a mistyped operator), one line per field, with the nearest known
// word when a mistake looks like a typo.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { validateRule } from '../../src/rules/index.ts'
import { closest, editDistance } from '../../src/rules/suggest.ts'

const valid = {
  id: 'vip-dwell',
  name: 'VIP hesitates',
  triggers: [{ event: 'Product Viewed', entity: 'product_id', when: { fact: 'properties.price', gte: 10 } }],
  when: { all: [{ fact: 'properties.dwell_ms', gte: 60000 }, { fact: 'traits.vip', eq: true }] },
  actions: [{ nudge: { channel: 'email', template: 'long-dwell' } }],
  guards: { cooldown: '7d', per: 'entity' },
}

/** Mistakes that can be made in the document above, each with the path its error must name. */
const MISTAKES = {
  per: { path: '/guards/per', apply: (d: any) => void (d.guards.per = 'entitty'), suggests: 'entity' },
  field: { path: '/priorty', apply: (d: any) => void (d.priorty = 3), suggests: 'priority' },
  operator: { path: '/when/all/0/gtee', apply: (d: any) => void (d.when.all[0] = { fact: 'properties.dwell_ms', gtee: 60000 }), suggests: 'gte' },
  fact: { path: '/when/all/1/fact', apply: (d: any) => void (d.when.all[1].fact = 'trait.vip'), suggests: 'traits' },
  triggerOperator: { path: '/triggers/0/when/gtt', apply: (d: any) => void (d.triggers[0].when = { fact: 'properties.price', gtt: 10 }), suggests: 'gt' },
} as const
type Mistake = keyof typeof MISTAKES

describe('rule errors', () => {
  it('report every mistake of a document in one round, each at its field with the word it resembles', () => {
    fc.assert(
      fc.property(fc.subarray(Object.keys(MISTAKES) as Mistake[], { minLength: 1 }), (chosen) => {
        const doc = structuredClone(valid)
        for (const m of chosen) MISTAKES[m].apply(doc)
        const errors = validateRule(doc)
        expect(errors.map((e) => e.path).sort()).toEqual(chosen.map((m) => MISTAKES[m].path).sort())
        for (const m of chosen) expect(errors.find((e) => e.path === MISTAKES[m].path)?.message).toContain(`did you mean "${MISTAKES[m].suggests}"?`)
      }),
    )
  })

  it('say a field that may be one of several words once, naming them all', () => {
    const doc = structuredClone(valid) as any
    doc.guards.per = 'shopper'
    expect(validateRule(doc)).toEqual([{ path: '/guards/per', message: 'must be one of "customer", "entity"' }])
  })
})

describe('did you mean', () => {
  it('suggests only known words, near the typo, and never the word itself', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.array(fc.string({ maxLength: 80 }), { maxLength: 20 }), (word, known) => {
        const near = closest(word, known)
        if (known.includes(word)) expect(near).toBeUndefined()
        if (near !== undefined) {
          expect(known).toContain(near)
          expect(editDistance(word, near, 3)).toBeLessThanOrEqual(3)
        }
      }),
    )
  })

  it('measures distance symmetrically, bounded, with a swap of neighbours as one edit', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), fc.string({ maxLength: 30 }), fc.integer({ min: 0, max: 5 }), (a, b, max) => {
        expect(editDistance(a, b, max)).toBe(editDistance(b, a, max))
        expect(editDistance(a, b, max)).toBeLessThanOrEqual(max + 1)
        expect(editDistance(a, a, max)).toBe(0)
      }),
    )
    expect(editDistance('eqaul', 'equal', 3)).toBe(1)
    expect(editDistance('Payment Faild', 'Payment Failed', 3)).toBe(1)
  })

  it('keeps its work bounded on hostile input', () => {
    const long = 'a'.repeat(1_000_000)
    expect(closest(long, ['a'.repeat(1_000_001), 'b'])).toBeDefined()
  })
})
