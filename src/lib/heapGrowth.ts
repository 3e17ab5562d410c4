// How far V8 lets its old generation grow past the live heap before a full GC. Left to itself V8
// picks 1.1–4× per GC from how cheap GCs look, so a process holding a large heap sat at 4–5× what
// was live (docs/performance.md, "Why RSS stayed far above the live heap"). Process-wide: process
// entries set it (the engine's, and the commands that replay). V8 reads it at every full GC, so
// setting it at start is in time.
import { setFlagsFromString } from 'node:v8'
import { intFrom } from './envInt.ts'

/**
 * Measured in docs/performance.md ("Memory"): under a steady load V8 let the heap grow to 3.5–5×
 * the live heap; 100 % keeps it ≈ 2.5× at no measured CPU cost, 20 % ≈ 1.9× at +25–45 % CPU.
 */
export const DEFAULT_HEAP_GROWTH_PERCENT = 100

/** CARELOOP_HEAP_GROWTH_PERCENT (read here, not through the whole configuration, which loads the stores' modules). */
export function heapGrowthPercentFrom(env: NodeJS.ProcessEnv): number {
  return intFrom(env, 'CARELOOP_HEAP_GROWTH_PERCENT', DEFAULT_HEAP_GROWTH_PERCENT)
}

/** Sets the growth (0: V8's own sizing, left as it is). */
export function setHeapGrowth(percent: number): void {
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`)
}
