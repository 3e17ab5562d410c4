// The due heap behind the sandbox's pending timers and outbox rows drops dead entries lazily, and
// sweeps them when it has doubled since its last sweep. Random sequences of schedules, re-times,
// finishes and due reads: what it answers is what a map of the live items gives, and it never holds
// more than twice the most items ever live at once, plus its slack.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DueHeap } from '../../src/replay/memory/DueHeap.ts'
import { textCompare } from '../../src/replay/memory/values.ts'

const ID = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f')
// Mostly schedules: dead entries far from the top pile up only between reads.
const OP = fc.oneof(
  // Schedules a new item or re-times a live one (the old entry dies where it lies).
  { weight: 8, arbitrary: fc.record({ op: fc.constant('at' as const), id: ID, at: fc.integer({ min: 0, max: 50 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('finish' as const), id: ID }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('dueBy' as const), at: fc.integer({ min: 0, max: 50 }), limit: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('peek' as const) }) },
)

describe('DueHeap', () => {
  it('answers as a map of live items and holds at most twice the most ever live, plus its slack', () => {
    let swept = 0
    fc.assert(
      fc.property(fc.array(OP, { maxLength: 200 }), fc.integer({ min: 0, max: 4 }), fc.constantFrom(2, 50), (ops, slack, span) => {
        const live = new Map<string, number>()
        const heap = new DueHeap((id, at) => live.get(id) === at, slack)
        let mostLive = 0
        let pushed = 0
        const inOrder = (): Array<{ at: number; id: string }> => [...live].map(([id, at]) => ({ at, id })).sort((a, b) => a.at - b.at || textCompare(a.id, b.id))
        for (const o of ops) {
          if (o.op === 'at') {
            // The same item at the same time may be pushed again (a re-arm at its own due time):
            // often when times span little.
            const at = o.at % (span + 1)
            live.set(o.id, at)
            heap.push(at, o.id)
            pushed++
            mostLive = Math.max(mostLive, live.size)
            expect(heap.size).toBeLessThanOrEqual(2 * mostLive + slack)
          } else if (o.op === 'finish') live.delete(o.id)
          else if (o.op === 'dueBy') expect(heap.dueBy(o.at, o.limit)).toEqual(inOrder().filter((e) => e.at <= o.at).slice(0, o.limit))
          else expect(heap.peek()).toEqual(inOrder()[0])
        }
        swept += pushed - heap.size
      }),
      { numRuns: 500 },
    )
    // The bound only says something when entries were dropped.
    expect(swept).toBeGreaterThan(0)
  })

  it('keeps one entry of an item pushed again and again at its own due time', () => {
    const heap = new DueHeap((id, at) => id === 'a' && at === 5, 0)
    for (let i = 0; i < 20; i++) heap.push(5, 'a')
    expect(heap.size).toBeLessThanOrEqual(2)
    expect(heap.dueBy(5, 10)).toEqual([{ at: 5, id: 'a' }])
  })
})
