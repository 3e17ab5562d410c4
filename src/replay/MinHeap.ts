// A binary min-heap under a strict "comes before" order: the replay's reorder buffer and the
// in-memory sandbox's due timers and outbox rows.
export class MinHeap<T> {
  private readonly items: T[] = []

  constructor(private readonly before: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length
  }

  peek(): T | undefined {
    return this.items[0]
  }

  push(item: T): void {
    const h = this.items
    h.push(item)
    for (let i = h.length - 1; i > 0; ) {
      const p = (i - 1) >> 1
      if (!this.before(h[i] as T, h[p] as T)) break
      ;[h[i], h[p]] = [h[p] as T, h[i] as T]
      i = p
    }
  }

  pop(): T | undefined {
    const h = this.items
    const top = h[0]
    const last = h.pop()
    if (h.length > 0 && last !== undefined) {
      h[0] = last
      this.siftDown(0)
    }
    return top
  }

  /** Keeps only the items `keep` accepts, in heap order again (linear: Floyd's heapify). */
  retain(keep: (item: T) => boolean): void {
    const h = this.items
    let n = 0
    for (const item of h) if (keep(item)) h[n++] = item
    h.length = n
    for (let i = (n >> 1) - 1; i >= 0; i--) this.siftDown(i)
  }

  private siftDown(from: number): void {
    const h = this.items
    for (let i = from; ; ) {
      const l = 2 * i + 1
      let m = i
      if (l < h.length && this.before(h[l] as T, h[m] as T)) m = l
      if (l + 1 < h.length && this.before(h[l + 1] as T, h[m] as T)) m = l + 1
      if (m === i) break
      ;[h[i], h[m]] = [h[m] as T, h[i] as T]
      i = m
    }
  }
}
