// The console's durations: each unit is rounded before it is split, so a count never reaches
// the next unit ("1 d 24 h", "1 h 60 min"), and the parts always add up to the rounded whole.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'

// The console reads its language from the browser's storage; English here.
Object.assign(globalThis, { localStorage: { getItem: () => 'en', setItem: () => undefined, removeItem: () => undefined } })

// A browser module without type declarations: imported by a computed path, typed here.
const { formatDuration } = (await import('../../src/console/public/components/format.js' as string)) as { formatDuration: (ms: number) => string }

const MIN = 60_000
const HOUR = 60 * MIN
const DAY = 24 * HOUR

describe('formatDuration', () => {
  it('rolls over instead of showing a full unit', () => {
    expect(formatDuration(1 * DAY + 23 * HOUR + 40 * MIN)).toBe('2 d')
    expect(formatDuration(HOUR - 20_000)).toBe('1 h')
    expect(formatDuration(2 * HOUR + 59.6 * MIN)).toBe('3 h')
    expect(formatDuration(5 * DAY + 23 * HOUR)).toBe('5 d 23 h')
  })

  it('never shows 60 minutes or 24 hours, and the parts add up (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 60_000, max: 400 * DAY }), (ms) => {
        const text = formatDuration(ms)
        const d = Number(/(\d+) d/.exec(text)?.[1] ?? 0)
        const h = Number(/(\d+) h/.exec(text)?.[1] ?? 0)
        const m = Number(/(\d+) min/.exec(text)?.[1] ?? 0)
        expect(h).toBeLessThan(24)
        expect(m).toBeLessThan(60)
        const shown = d * DAY + h * HOUR + m * MIN
        // Within half of the smallest unit shown.
        expect(Math.abs(shown - ms)).toBeLessThanOrEqual(d > 0 ? HOUR / 2 : MIN / 2)
      }),
      { seed: 5, numRuns: 500 },
    )
  })
})
