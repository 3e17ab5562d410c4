// The owner's copy of customer state between steps, as live objects that steps change in place.
// With a `hot` bound (the lean cache, an option) only the most recently used stay objects and
// older ones are held as their JSON text, ≈ 3× smaller, parsed again when a step needs them.
// Beyond the bounds the least recently used are dropped and read again from the store when next
// needed (every step leaves them durable).
import { reviveState, type CustomerState } from '../../model/customer.ts'

export interface StateCacheBounds {
  /** Most states held in all; undefined = no bound by count. */
  maxStates?: number
  /** Most bytes of serialized states (estimated, see serializedBytes); undefined = no bound by bytes. */
  maxBytes?: number
  /**
   * Most recently used states kept as objects between steps; the rest are serialized. undefined =
   * every state stays an object (and maxBytes does not apply).
   */
  hot?: number
}

/** A Map entry and the string headers, in bytes of V8 heap (an estimate, not measured alone). */
const ENTRY_BYTES = 80
const BEYOND_LATIN1 = /[^\u0000-\u00ff]/

/**
 * Heap bytes a serialized state is counted for: V8 keeps a string of Latin-1 characters at one
 * byte a character, any other at two.
 */
export function serializedBytes(customerId: string, json: string): number {
  const perChar = BEYOND_LATIN1.test(json) ? 2 : 1
  return ENTRY_BYTES + customerId.length * 2 + json.length * perChar
}

export class StateCache {
  /**
   * Used since the last trim or among the `hot` most recent, least recently used first: objects,
   * or text not parsed yet (a step asks for its states before it needs each of them).
   */
  private readonly hot = new Map<string, CustomerState | string>()
  /** Serialized, least recently used first; all less recently used than any hot entry. */
  private readonly cold = new Map<string, string>()
  private coldBytes = 0

  constructor(private readonly bounds: StateCacheBounds = {}) {}

  /** States held now. */
  get size(): number {
    return this.hot.size + this.cold.size
  }

  /** States among the most recently used: objects, or text a step asked for and has not parsed yet. */
  get hotStates(): number {
    return this.hot.size
  }

  /** Estimated heap bytes of the serialized states held now. */
  get serializedBytes(): number {
    return this.coldBytes
  }

  /** The held state (parsed if it was held as text), in place: changes to it are the cache's. */
  get(customerId: string): CustomerState | undefined {
    const held = this.hot.get(customerId) ?? this.promote(customerId)
    if (typeof held !== 'string') return held
    const state = reviveState(JSON.parse(held), customerId)
    this.hot.set(customerId, state)
    return state
  }

  /** Makes a held state the most recently used (not parsed until `get`); false when it is not held. */
  touch(customerId: string): boolean {
    const held = this.hot.get(customerId)
    if (held === undefined) return this.promote(customerId) !== undefined
    this.hot.delete(customerId)
    this.hot.set(customerId, held)
    return true
  }

  set(customerId: string, state: CustomerState): void {
    this.dropCold(customerId)
    this.hot.delete(customerId)
    this.hot.set(customerId, state)
  }

  delete(customerId: string): void {
    this.dropCold(customerId)
    this.hot.delete(customerId)
  }

  clear(): void {
    this.hot.clear()
    this.cold.clear()
    this.coldBytes = 0
  }

  /**
   * Between steps only (all state durable): serializes the states beyond the hot ones, then drops
   * the least recently used beyond the bounds.
   */
  trim(): void {
    const { hot: hotBound, maxStates, maxBytes } = this.bounds
    if (hotBound !== undefined) {
      for (const [id, held] of this.hot) {
        if (this.hot.size <= hotBound) break
        this.hot.delete(id)
        const json = typeof held === 'string' ? held : serialize(held)
        // A state that cannot be written as JSON could not have been stored either: read it again.
        if (json === undefined) continue
        this.cold.set(id, json)
        this.coldBytes += serializedBytes(id, json)
      }
    }
    for (const id of this.cold.keys()) {
      if (!((maxBytes !== undefined && this.coldBytes > maxBytes) || (maxStates !== undefined && this.size > maxStates))) break
      this.dropCold(id)
    }
    if (maxStates === undefined) return
    for (const id of this.hot.keys()) {
      if (this.size <= maxStates) break
      this.hot.delete(id)
    }
  }

  /** A serialized state becomes hot (the most recently used), still as text. */
  private promote(customerId: string): string | undefined {
    const json = this.cold.get(customerId)
    if (json === undefined) return undefined
    this.dropCold(customerId)
    this.hot.set(customerId, json)
    return json
  }

  private dropCold(customerId: string): void {
    const json = this.cold.get(customerId)
    if (json === undefined) return
    this.cold.delete(customerId)
    this.coldBytes -= serializedBytes(customerId, json)
  }
}

function serialize(state: CustomerState): string | undefined {
  try {
    return JSON.stringify(state)
  } catch {
    return undefined
  }
}
