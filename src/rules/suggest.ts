// "Did you mean …": the nearest of some known words to a mistyped one, for error messages.
// Bounded work whatever the input: words are compared only up to a fixed length.

const LIMIT = 64

/** Edit distance (insert, delete, substitute, swap neighbours), or `max + 1` once it is beyond `max`. */
export function editDistance(a: string, b: string, max: number): number {
  const s = a.slice(0, LIMIT).toLowerCase()
  const t = b.slice(0, LIMIT).toLowerCase()
  if (Math.abs(s.length - t.length) > max) return max + 1
  let prevPrev: number[] = []
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j)
  for (let i = 1; i <= s.length; i++) {
    const row = [i]
    let best = i
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1
      let d = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost)
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) d = Math.min(d, (prevPrev[j - 2] as number) + 1)
      row.push(d)
      if (d < best) best = d
    }
    if (best > max) return max + 1
    prevPrev = prev
    prev = row
  }
  return Math.min(prev[t.length] as number, max + 1)
}

/**
 * The known word nearest to `word` within a distance that grows with its length (1 for short
 * words, up to 3), or undefined when none is that close or `word` is itself known.
 */
export function closest(word: string, known: Iterable<string>): string | undefined {
  const max = word.length <= 4 ? 1 : word.length <= 10 ? 2 : 3
  let best: string | undefined
  let bestDistance = max + 1
  for (const candidate of known) {
    if (candidate === word) return undefined
    const d = editDistance(word, candidate, max)
    if (d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }
  return best
}

/** " — did you mean "x"?" when a known word is close, else "". */
export function didYouMean(word: string, known: Iterable<string>): string {
  const near = closest(word, known)
  return near === undefined ? '' : `; did you mean "${near}"?`
}
