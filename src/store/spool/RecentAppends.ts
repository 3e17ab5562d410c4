// This process's spooled appends, kept in memory (within a bound) so the job moves them on without
// reading them back from the operational store: reading back a step's rows cost about as much as
// writing them (docs/performance.md, "Session 13: the history spool"). Once an append does not fit,
// or an earlier process left appends behind, the job reads the spool itself until it is empty.
import type { SpooledAppend } from '../operational/HistorySpoolStore.ts'

export class RecentAppends {
  private entries: SpooledAppend[] = []
  private chars = 0
  /** Up to which place in line everything has been moved on. */
  private movedUpTo = 0

  constructor(
    private readonly maxChars: number,
    /** Whether memory holds every append waiting in the spool. */
    private complete: boolean,
  ) {}

  add(append: SpooledAppend): void {
    // Already moved on by a job that read it from the spool before this call came round.
    if (append.seq <= this.movedUpTo || !this.complete) return
    if (this.chars + append.rows.length > this.maxChars) {
      this.complete = false
      return
    }
    let at = this.entries.length
    while (at > 0 && (this.entries[at - 1] as SpooledAppend).seq > append.seq) at--
    this.entries.splice(at, 0, append)
    this.chars += append.rows.length
  }

  /** The oldest appends within the limits (at least one), or undefined when only the spool has them all. */
  oldest(limit: number, maxChars: number): SpooledAppend[] | undefined {
    if (!this.complete) return undefined
    const out: SpooledAppend[] = []
    let chars = 0
    for (const entry of this.entries) {
      if (out.length === limit || (out.length > 0 && chars + entry.rows.length > maxChars)) break
      out.push(entry)
      chars += entry.rows.length
    }
    return out
  }

  /** Appends up to `seq` are in the history store. */
  moved(seq: number): void {
    if (seq > this.movedUpTo) this.movedUpTo = seq
    let drop = 0
    while (drop < this.entries.length && (this.entries[drop] as SpooledAppend).seq <= seq) this.chars -= (this.entries[drop++] as SpooledAppend).rows.length
    if (drop > 0) this.entries = this.entries.slice(drop)
  }

  /** The spool was read to its end: memory holds everything again from here on. */
  spoolEmpty(): void {
    this.entries = []
    this.chars = 0
    this.complete = true
  }
}
