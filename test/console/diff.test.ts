// The console's line diff (components/diff.js, a browser module without dependencies beyond
// preact): both sides are reconstructed from it, and it is minimal (as long as the LCS allows).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'

type Entry = { type: 'same' | 'add' | 'del'; text: string; a?: number; b?: number }
const { lineDiff, diffStat } = (await import('../../src/console/public/components/diff.js' as string)) as {
  lineDiff: (before: string | string[], after: string | string[]) => Entry[]
  diffStat: (entries: Entry[]) => { added: number; removed: number }
}

/** Length of the longest common subsequence, the slow obvious way. */
function lcs(a: string[], b: string[]): number {
  const dp = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0))
  for (let i = a.length - 1; i >= 0; i--) for (let j = b.length - 1; j >= 0; j--) dp[i]![j] = a[i] === b[j] ? dp[i + 1]![j + 1]! + 1 : Math.max(dp[i + 1]![j]!, dp[i]![j + 1]!)
  return dp[0]![0]!
}

describe('lineDiff', () => {
  it('marks a changed line as removed then added, with both line numbers', () => {
    const out = lineDiff('a\nb\nc\n', 'a\nB\nc\n')
    expect(out).toEqual([
      { type: 'same', text: 'a', a: 1, b: 1 },
      { type: 'del', text: 'b', a: 2 },
      { type: 'add', text: 'B', b: 2 },
      { type: 'same', text: 'c', a: 3, b: 3 },
    ])
    expect(diffStat(out)).toEqual({ added: 1, removed: 1 })
  })

  it('handles empty sides', () => {
    expect(lineDiff('', '')).toEqual([])
    expect(lineDiff('', 'x\ny').map((e) => e.type)).toEqual(['add', 'add'])
    expect(lineDiff('x\ny', '').map((e) => e.type)).toEqual(['del', 'del'])
  })

  it('rebuilds both sides and keeps every common line it can', () => {
    const lines = fc.array(fc.constantFrom('a', 'b', 'c', '{', '}', '  "x": 1,'), { maxLength: 14 })
    fc.assert(
      fc.property(lines, lines, (a, b) => {
        const out = lineDiff(a, b)
        expect(out.filter((e) => e.type !== 'add').map((e) => e.text)).toEqual(a)
        expect(out.filter((e) => e.type !== 'del').map((e) => e.text)).toEqual(b)
        expect(out.filter((e) => e.type === 'same').length).toBe(lcs(a, b))
        expect(out.filter((e) => e.a !== undefined).map((e) => e.a)).toEqual(a.map((_, i) => i + 1))
        expect(out.filter((e) => e.b !== undefined).map((e) => e.b)).toEqual(b.map((_, i) => i + 1))
      }),
      { numRuns: 300 },
    )
  })
})
