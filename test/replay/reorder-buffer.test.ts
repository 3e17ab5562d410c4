// The reorder buffer gives items back in exactly a min-heap's order whatever their arrival order:
// mostly in order (the usual trace), shuffled, with ties on the key, and pushes and pops interleaved.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MinHeap } from '../../src/replay/MinHeap.ts'
import { ReorderBuffer } from '../../src/replay/ReorderBuffer.ts'

interface Item {
  ts: number
  index: number
}
const before = (a: Item, b: Item): boolean => a.ts < b.ts || (a.ts === b.ts && a.index < b.index)

/** Operations: a number pushes an item at that time, `null` pops one. */
const operations = fc.oneof(
  // Mostly rising times with a few steps back, as a trace written by several producers.
  fc.array(fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 3 }) }, { weight: 1, arbitrary: fc.integer({ min: -20, max: -1 }) }, { weight: 2, arbitrary: fc.constant(null) }), { maxLength: 6000 }).map((steps) => {
    let t = 0
    return steps.map((s) => (s === null ? null : (t = Math.max(0, t + s))))
  }),
  fc.array(fc.option(fc.integer({ min: 0, max: 50 }), { freq: 3 }), { maxLength: 3000 }),
)

describe('reorder buffer', () => {
  it('pops in a min-heap\'s order', () => {
    fc.assert(
      fc.property(operations, (ops) => {
        const buffer = new ReorderBuffer<Item>(before)
        const heap = new MinHeap<Item>(before)
        let index = 0
        for (const op of ops) {
          if (op === null) expect(buffer.pop()).toBe(heap.pop())
          else {
            const item = { ts: op, index: index++ }
            buffer.push(item)
            heap.push(item)
          }
          expect(buffer.size).toBe(heap.size)
        }
        while (heap.size > 0) expect(buffer.pop()).toBe(heap.pop())
        expect(buffer.pop()).toBeUndefined()
      }),
      { numRuns: 200 },
    )
  })
})
