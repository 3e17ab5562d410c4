// Due times (time, id) with lazy deletion: an entry whose item was re-timed or finished stays in
// the heap until it reaches the top, where `live` tells it apart and it is dropped.
import { MinHeap } from '../MinHeap.ts'
import { textCompare } from './values.ts'

interface Entry {
  at: number
  id: string
}

export class DueHeap {
  private readonly heap = new MinHeap<Entry>((a, b) => a.at < b.at || (a.at === b.at && textCompare(a.id, b.id) < 0))

  /** `live(id, at)`: whether the item is still pending at that due time. */
  constructor(private readonly live: (id: string, at: number) => boolean) {}

  push(at: number, id: string): void {
    this.heap.push({ at, id })
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
