// Holdout lift, pure: outcome rates of contacted and held-out shoppers and the difference with a
// 95 % Newcombe (Wilson score) interval, which behaves at small counts and rates near 0 or 1
// where the textbook Wald interval does not.

export interface GroupOutcome {
  /** Shoppers in the group. */
  n: number
  /** Of them, how many had the outcome within the window. */
  outcomes: number
}

export interface LiftReport {
  contacted: GroupOutcome & { rate: number }
  heldOut: GroupOutcome & { rate: number }
  /** contacted rate − held-out rate (negative = fewer outcomes when contacted). */
  difference: number
  /** 95 % interval of the difference; excludes 0 when the effect is clear. */
  interval: [number, number]
  /** Relative change of the rate, (contacted − held out) / held out. */
  relative: number | null
  significant: boolean
}

const Z95 = 1.959963984540054

/** Wilson score interval of a proportion. */
export function wilson(successes: number, n: number, z = Z95): [number, number] {
  if (n === 0) return [0, 1]
  const p = successes / n
  const z2 = z * z
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n)
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n)
  return [Math.max(0, centre - half), Math.min(1, centre + half)]
}

/** Newcombe's method 10: the difference p1 − p2 from the two Wilson intervals. */
export function newcombe(a: GroupOutcome, b: GroupOutcome, z = Z95): [number, number] {
  const p1 = a.n === 0 ? 0 : a.outcomes / a.n
  const p2 = b.n === 0 ? 0 : b.outcomes / b.n
  const [l1, u1] = wilson(a.outcomes, a.n, z)
  const [l2, u2] = wilson(b.outcomes, b.n, z)
  const d = p1 - p2
  return [d - Math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + Math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)]
}

export function liftReport(contacted: GroupOutcome, heldOut: GroupOutcome): LiftReport {
  const rate = (g: GroupOutcome) => (g.n === 0 ? 0 : g.outcomes / g.n)
  const interval = newcombe(contacted, heldOut)
  const difference = rate(contacted) - rate(heldOut)
  return {
    contacted: { ...contacted, rate: rate(contacted) },
    heldOut: { ...heldOut, rate: rate(heldOut) },
    difference,
    interval,
    relative: rate(heldOut) === 0 ? null : difference / rate(heldOut),
    significant: contacted.n > 0 && heldOut.n > 0 && (interval[1] < 0 || interval[0] > 0),
  }
}
