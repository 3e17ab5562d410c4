// How far V8 lets its old generation grow past the live heap before a full GC. Left to itself V8
// picks 1.1–4× per GC from how cheap GCs look, so a process holding a large heap sat at 4–5× what
// was live (docs/performance.md, "Why RSS stayed far above the live heap"). Process-wide: process
// entries set it (the engine's, and the commands that replay). V8 reads it at every full GC, so
// setting it at start is in time.
import { setFlagsFromString } from 'node:v8'

/** Sets the growth (0: V8's own sizing, left as it is). */
export function setHeapGrowth(percent: number): void {
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`)
}
