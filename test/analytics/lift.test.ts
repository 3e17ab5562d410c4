import { describe, expect, it } from 'vitest'
import { liftReport, newcombe, wilson } from '../../src/analytics/lift.ts'

describe('lift statistics', () => {
  it('reproduces Newcombe (1998) method 10: 56/70 vs 48/80 → 0.2 (0.0524, 0.3339)', () => {
    const [lo, hi] = newcombe({ n: 70, outcomes: 56 }, { n: 80, outcomes: 48 })
    expect(lo).toBeCloseTo(0.0524, 3)
    expect(hi).toBeCloseTo(0.3339, 3)
  })

  it('Wilson interval of 0/10 starts at 0 and stays inside [0, 1]', () => {
    const [lo, hi] = wilson(0, 10)
    expect(lo).toBe(0)
    expect(hi).toBeCloseTo(0.2775, 3)
  })

  it('flags a clear reduction and not a noisy one', () => {
    expect(liftReport({ n: 1800, outcomes: 270 }, { n: 200, outcomes: 60 })).toMatchObject({ significant: true })
    expect(liftReport({ n: 18, outcomes: 3 }, { n: 2, outcomes: 1 })).toMatchObject({ significant: false })
  })
})
