// A min-heap of (due time, id) with lazy deletion: an entry whose item was re-timed or finished
// stays in the heap until it reaches the top, where `live` tells it apart and it is dropped.
import { textCompare } from './values.ts'

interface Entry {
  at: number
  id: string
}

const before = (a: Entry, b: Entry): boolean => a.at < b.at || (a.at === b.at && textCompare(a.id, b.id) < 0)

export class DueHeap {
  private readonly items: Entry[] = []

  /** `live(id, at)`: whether the item is still pending at that due time. */
  constructor(private readonly live: (id: string, at: number) => boolean) {}

  push(at: number, id: string): void {
    const items = this.items
    items.push({ at, id })
    let i = items.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!before(items[i] as Entry, items[parent] as Entry)) break
      ;[items[i], items[parent]] = [items[parent] as Entry, items[i] as Entry]
      i = parent
    }
  }

  private pop(): Entry | undefined {
    const items = this.items
    const top = items[0]
    const last = items.pop()
    if (items.length > 0 && last !== undefined) {
      items[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < items.length && before(items[l] as Entry, items[m] as Entry)) m = l
        if (r < items.length && before(items[r] as Entry, items[m] as Entry)) m = r
        if (m === i) break
        ;[items[i], items[m]] = [items[m] as Entry, items[i] as Entry]
        i = m
      }
    }
    return top
  }

  /** The earliest live entry, after dropping the dead ones above it. */
  peek(): Entry | undefined {
    for (;;) {
      const top = this.items[0]
      if (top === undefined || this.live(top.id, top.at)) return top
      this.pop()
    }
  }

  /** Live entries due at or before `at`, earliest first, at most `limit` (left in the heap). */
  dueBy(at: number, limit: number): Entry[] {
    const out: Entry[] = []
    while (out.length < limit) {
      const top = this.peek()
      if (top === undefined || top.at > at) break
      const entry = this.pop() as Entry
      // The same item pushed twice at one time: once is enough.
      if (!out.some((e) => e.id === entry.id)) out.push(entry)
    }
    for (const e of out) this.push(e.at, e.id)
    return out
  }

  get size(): number {
    return this.items.length
  }
}
