// The owner's copy of customer state between steps: the least recently used are dropped beyond
// the bound and read again from the store when next needed (every step leaves them durable).
import type { CustomerState } from '../../model/customer.ts'

export class StateCache {
  /** Customer id → state, least recently used first. */
  private readonly states = new Map<string, CustomerState>()

  /** bound: states kept between steps; undefined = all. */
  constructor(private readonly bound?: number) {}

  /** States held now. */
  get size(): number {
    return this.states.size
  }

  get(customerId: string): CustomerState | undefined {
    return this.states.get(customerId)
  }

  /** Makes a held state the most recently used; false when it is not held. */
  touch(customerId: string): boolean {
    const state = this.states.get(customerId)
    if (state === undefined) return false
    this.states.delete(customerId)
    this.states.set(customerId, state)
    return true
  }

  set(customerId: string, state: CustomerState): void {
    this.states.delete(customerId)
    this.states.set(customerId, state)
  }

  delete(customerId: string): void {
    this.states.delete(customerId)
  }

  clear(): void {
    this.states.clear()
  }

  /** Between steps only (all state durable): drops the least recently used states beyond the bound. */
  trim(): void {
    if (this.bound === undefined) return
    for (const id of this.states.keys()) {
      if (this.states.size <= this.bound) return
      this.states.delete(id)
    }
  }
}
