// Array.prototype.map gives arrays of a different elements kind once its caller is optimized
// (TurboFan's inlined map allocates the result with its length: HOLEY; the builtin's is PACKED).
// An optimized reader of such arrays then meets a map its feedback never saw and deoptimizes, and
// the reader is recompiled (a replay's commit, dispatcher and timer steps did, 1–3 times each).
// Arrays built by push from [] are PACKED in every tier, so results that other functions read go
// through mapPacked instead.

/** `xs.map(f)`, as a PACKED array in every tier. */
export function mapPacked<T, U>(xs: readonly T[], f: (x: T) => U): U[] {
  const out: U[] = []
  for (let i = 0; i < xs.length; i++) out.push(f(xs[i] as T))
  return out
}
