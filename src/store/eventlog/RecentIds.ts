// The messageIds of the newest records, at most `bound` of them: the log's duplicate check. Older
// ids fall out first; a message re-sent after that many newer ones is stored again, and the
// engine's per-shopper redelivery memory (CustomerState.seen) keeps it from being applied twice.
export class RecentIds {
  private readonly ids = new Map<string, true>()

  constructor(private readonly bound: number) {}

  has(id: string): boolean {
    return this.ids.has(id)
  }

  add(id: string): void {
    if (this.ids.has(id)) return
    this.ids.set(id, true)
    if (this.ids.size > this.bound) {
      const oldest = this.ids.keys().next()
      if (!oldest.done) this.ids.delete(oldest.value)
    }
  }

  delete(id: string): void {
    this.ids.delete(id)
  }

  get size(): number {
    return this.ids.size
  }
}
