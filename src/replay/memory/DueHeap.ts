// Due times (time, id) with lazy deletion: an entry whose item was re-timed or finished stays in
// the heap until it reaches the top, where `live` tells it apart and it is dropped. Entries far from
// the top would stay for as long as the heap runs (a shopper's wait re-armed a week ahead at every
// visit), so the heap is also swept of dead entries whenever it has doubled since the last sweep
// (plus a slack): at most 2 × (live entries at the last sweep) + the slack are held, each push
// paying O(1) for the sweeps, amortized.
import { MinHeap } from '../MinHeap.ts'
import { textCompare } from './values.ts'

interface Entry {
  at: number
  id: string
}

/** Entries held beyond twice those the last sweep kept before the next sweep. */
export const DUE_HEAP_SWEEP_SLACK = 1024

export class DueHeap {
  private readonly heap = new MinHeap<Entry>((a, b) => a.at < b.at || (a.at === b.at && textCompare(a.id, b.id) < 0))
  private keptBySweep = 0

  /** `live(id, at)`: whether the item is still pending at that due time. */
  constructor(
    private readonly live: (id: string, at: number) => boolean,
    private readonly sweepSlack = DUE_HEAP_SWEEP_SLACK,
  ) {}

  /** Entries held, dead ones included. */
  get size(): number {
    return this.heap.size
  }

  push(at: number, id: string): void {
    if (this.heap.size >= 2 * this.keptBySweep + this.sweepSlack) this.sweep()
    this.heap.push({ at, id })
  }

  /** Drops dead entries, and all but one of an item's live ones (pushed twice at one time). */
  private sweep(): void {
    const seen = new Set<string>()
    this.heap.retain((e) => {
      if (seen.has(e.id) || !this.live(e.id, e.at)) return false
      seen.add(e.id)
      return true
    })
    this.keptBySweep = this.heap.size
  }

  /** The earliest live entry, after dropping the dead ones above it. */
  peek(): Entry | undefined {
    for (;;) {
      const top = this.heap.peek()
      if (top === undefined || this.live(top.id, top.at)) return top
      this.heap.pop()
    }
  }

  /** Live entries due at or before `at`, earliest first, at most `limit` (left in the heap). */
  dueBy(at: number, limit: number): Entry[] {
    const out: Entry[] = []
    const ids = new Set<string>()
    while (out.length < limit) {
      const top = this.peek()
      if (top === undefined || top.at > at) break
      this.heap.pop()
      // The same item pushed twice at one time: once is enough.
      if (!ids.has(top.id)) out.push(top)
      ids.add(top.id)
    }
    for (const e of out) this.heap.push(e)
    return out
  }
}
