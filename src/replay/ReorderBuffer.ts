// The streamed replay's reorder buffer: items come out in the strict order `before`, whatever order
// they went in. A trace is nearly always in order already, so an item that comes after the last one
// taken into the sorted run is appended to it (O(1)); only items out of order go to a heap. The
// smaller head of the two comes out first, so the order is exactly a heap's.
import { MinHeap } from './MinHeap.ts'

/** Dead slots at the run's front before it is compacted (and at least half of it). */
const COMPACT_AFTER = 4096

export class ReorderBuffer<T> {
  /** Items in order, from `head` on: each not before the one ahead of it. */
  private run: T[] = []
  private head = 0
  private readonly heap: MinHeap<T>

  constructor(private readonly before: (a: T, b: T) => boolean) {
    this.heap = new MinHeap(before)
  }

  get size(): number {
    return this.run.length - this.head + this.heap.size
  }

  push(item: T): void {
    const last = this.run.length - 1
    if (last < this.head || !this.before(item, this.run[last] as T)) this.run.push(item)
    else this.heap.push(item)
  }

  pop(): T | undefined {
    if (this.head === this.run.length) return this.heap.pop()
    const first = this.run[this.head] as T
    const other = this.heap.peek()
    if (other !== undefined && this.before(other, first)) return this.heap.pop()
    this.head++
    if (this.head === this.run.length) {
      this.run.length = 0
      this.head = 0
    } else if (this.head >= COMPACT_AFTER && this.head * 2 >= this.run.length) {
      this.run = this.run.slice(this.head)
      this.head = 0
    }
    return first
  }
}
