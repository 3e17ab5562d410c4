// Time is injected (ARCHITECTURE.md §2.3): everything that asks "what time is it" asks a Clock.

export interface Clock {
  /** Epoch milliseconds. */
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }

/** A clock that only moves when told to; tests run days of shop life in milliseconds. */
export class ManualClock implements Clock {
  constructor(private current: number = Date.UTC(2026, 0, 1)) {}
  now(): number {
    return this.current
  }
  set(ms: number): void {
    this.current = ms
  }
  advance(ms: number): number {
    this.current += ms
    return this.current
  }
}
