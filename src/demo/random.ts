// A small seeded PRNG for the demo shop. Math.random cannot be seeded, and the demo must be
// reproducible: the same seed and options always give the same trace, byte for byte.
import { fnv1a32 as hash32 } from '../lib/fnv1a.ts'

/** splitmix32 finaliser: spreads nearby seeds (1, 2, 3 …) over the whole state space. */
function mix32(x: number): number {
  x = (x + 0x9e3779b9) | 0
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b)
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35)
  return (x ^ (x >>> 16)) >>> 0
}

/** mulberry32: tiny, fast, good enough for synthetic data (not for cryptography). */
export class Rng {
  private state: number

  constructor(seed: number) {
    this.state = mix32(seed >>> 0 || 0x6d2b79f5)
  }

  /** An independent stream for a sub-part (a shopper, an order): stable whatever else is drawn. */
  fork(label: string | number): Rng {
    return new Rng(mix32(this.state ^ hash32(String(label))))
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0)
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  /** Float in [min, max). */
  float(min: number, max: number): number {
    return min + this.next() * (max - min)
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list')
    return items[Math.floor(this.next() * items.length)] as T
  }

  /** Picks by weight; entries are [value, weight] with weight ≥ 0. */
  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    let total = 0
    for (const [, w] of entries) total += w
    let r = this.next() * total
    for (const [value, w] of entries) {
      r -= w
      if (r < 0) return value
    }
    const last = entries[entries.length - 1]
    if (!last) throw new Error('weighted pick from an empty list')
    return last[0]
  }

  /** Approximately normal (Irwin–Hall, sum of 4 uniforms): cheap and bounded to ±3.5 sd. */
  normal(mean: number, sd: number): number {
    const s = this.next() + this.next() + this.next() + this.next()
    return mean + (s - 2) * sd * 1.7320508
  }

  /** Log-normal with the given median; heavy right tail, like dwell times and prices. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(this.normal(0, sigma))
  }

  /** Poisson count with mean lambda (Knuth; fine for the small means used here). */
  poisson(lambda: number): number {
    const limit = Math.exp(-lambda)
    let k = 0
    let p = this.next()
    while (p > limit) {
      k++
      p *= this.next()
    }
    return k
  }

  /** Fills a pattern: # → digit, @ → upper-case letter, * → digit or letter, else literal. */
  pattern(template: string): string {
    let out = ''
    for (const ch of template) {
      if (ch === '#') out += String(this.int(0, 9))
      else if (ch === '@') out += String.fromCharCode(65 + this.int(0, 25))
      else if (ch === '*') out += '0123456789ABCDEFGHJKLMNPQRSTUVWXYZ'[this.int(0, 33)]
      else out += ch
    }
    return out
  }
}
