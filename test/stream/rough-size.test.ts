import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { roughSize } from '../../src/stream/state/reducer.ts'

/** The definition roughSize keeps: an object counted as the array Object.entries gives. */
function entriesRoughSize(value: unknown, budget: number): number {
  if (typeof value === 'string') return value.length + 2
  if (value === null || typeof value !== 'object') return 8
  let size = 2
  for (const item of Array.isArray(value) ? value : Object.entries(value)) {
    size += entriesRoughSize(item, budget - size) + 1
    if (size > budget) return size
  }
  return size
}

describe('roughSize', () => {
  it('gives what counting Object.entries arrays gives, at every budget', () => {
    const value = fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 }), { noNullPrototype: false }))
    fc.assert(
      fc.property(value, fc.integer({ min: -10, max: 400 }), (v, budget) => {
        expect(roughSize(v, budget)).toBe(entriesRoughSize(v, budget))
      }),
      { numRuns: 3000 },
    )
  })
})
