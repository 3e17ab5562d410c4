// The spill index (SlotIndex) answers as a Map of first additions numbered 0, 1, 2…, whatever the ids:
// empty, long, non-ASCII, lone surrogates (which UTF-8 would merge), enough of them to grow every array
// and rehash the table several times; with the real hash, and with one that makes most ids collide.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { hashOf, SlotIndex } from '../../src/replay/memory/SlotIndex.ts'
import { FUZZ_SEED as SEED } from '../support/replayTraces.ts'

/** Ids that differ only in a surrogate, in the high byte of a code unit, or not at all once in UTF-8. */
const TRICKY = ['', 'a\ud800', 'a\udbff', 'a\ufffd', '\ud83d\ude00', '\u0101x', '\u0201x', '\u00e9x', '\u00e9y', 'x'.repeat(5000)]

describe('the spill index', () => {
  it('tells apart ids that collide in the table', () => {
    const index = new SlotIndex((id) => id.length % 3)
    for (const id of TRICKY) index.add(id)
    expect(TRICKY.map((id) => index.get(id))).toEqual(TRICKY.map((_, slot) => slot))
    expect([...index.ids()]).toEqual(TRICKY)
    expect(index.get('\u0301x')).toBeUndefined()
  })

  it('answers as a map of ids to the order they were first added', () => {
    const id = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.string({ unit: 'binary', maxLength: 6 }),
      fc.constantFrom(...TRICKY),
      fc.integer({ min: 0, max: 4000 }).map((n) => `user_${n}`),
    )
    const op = fc.oneof(fc.record({ add: id }), fc.record({ get: id }), fc.record({ many: fc.integer({ min: 0, max: 2500 }) }))
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), fc.boolean(), (ops, colliding) => {
        const index = new SlotIndex(colliding ? (id) => id.length % 3 : hashOf)
        const reference = new Map<string, number>()
        const add = (key: string): void => {
          const expected = reference.get(key) ?? reference.size
          reference.set(key, expected)
          const got = index.add(key)
          if (got !== expected) expect(got).toBe(expected)
        }
        for (const o of ops) {
          if ('add' in o) add(o.add)
          else if ('get' in o) expect(index.get(o.get)).toBe(reference.get(o.get))
          else for (let i = 0; i < o.many; i++) add(`c${i % 1500}:${o.many}`)
          expect(index.size).toBe(reference.size)
        }
        expect([...index.ids()]).toEqual([...reference.keys()])
        for (const [key, slot] of reference) if (index.get(key) !== slot || index.idAt(slot) !== key) expect([index.get(key), index.idAt(slot)]).toEqual([slot, key])
      }),
      { numRuns: 100, ...(SEED === undefined ? {} : { seed: SEED }) },
    )
  })
})
