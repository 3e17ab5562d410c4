// What this process owns in the consumer group, and whether it still may act on it. Kept apart
// from the consumer plumbing because "one writer per customer" hangs on it: timers fire and
// caches live only for partitions() — and partitions() is empty whenever ownership is in doubt.

export interface AssignmentChange {
  /** Partitions owned now (engine numbers, sorted). */
  partitions: number[]
  assigned: number[]
  revoked: number[]
}

export class Membership {
  private owned: number[] = []
  /** What the last join gave us (owned may be emptied while in doubt). */
  private assignment: number[] = []
  private lostFlag = false
  /** Lost on our own evidence (a failed request), not because kafkajs is already rejoining. */
  private confirmable = false
  private joins = 0

  constructor(private readonly onChange: (change: AssignmentChange) => void) {}

  partitions(): number[] {
    return [...this.owned]
  }

  owns(partition: number): boolean {
    return this.owned.includes(partition)
  }

  /** Counts joins: an error from an earlier generation must not unseat the current one. */
  get generation(): number {
    return this.joins
  }

  /**
   * True after a heartbeat or commit said the group moved on without us (rebalancing, stale
   * generation, unknown member): until the next join another member may own our partitions,
   * so nothing more may be handed to the engine.
   */
  get lost(): boolean {
    return this.lostFlag
  }

  joined(partitions: number[]): void {
    this.joins++
    this.lostFlag = false
    this.assignment = partitions
    this.set(partitions)
  }

  /**
   * A heartbeat of the current generation succeeded: the group did not move on after all (an
   * error that is not sticky, e.g. a transient or injected one). Without this the member would
   * stay idle forever, since kafkajs only rejoins when its own requests fail.
   */
  confirmed(): void {
    if (!this.lostFlag || !this.confirmable) return
    this.lostFlag = false
    this.set(this.assignment)
  }

  /** A request made in `generation` failed with "the group moved on" (rebalancing, stale, unknown). */
  lose(generation: number): void {
    // A late answer to a request of an earlier generation says nothing about the current one.
    if (generation !== this.joins) return
    this.lostFlag = true
    this.confirmable = true
    this.set([])
  }

  /** kafkajs is rejoining: only the next join says what we own. */
  rejoining(): void {
    this.lostFlag = true
    this.confirmable = false
    this.set([])
  }

  /** The consumer stopped or crashed: nothing is owned until it joins again. */
  clear(): void {
    this.lostFlag = false
    this.assignment = []
    this.set([])
  }

  private set(next: number[]): void {
    const before = new Set(this.owned)
    const after = new Set(next)
    const assigned = next.filter((p) => !before.has(p))
    const revoked = this.owned.filter((p) => !after.has(p))
    this.owned = next
    if (assigned.length > 0 || revoked.length > 0) this.onChange({ partitions: [...next], assigned, revoked })
  }
}
