// CARELOOP_HEAP_GROWTH_PERCENT: how far past the live heap V8's old generation may grow before a
// full GC (src/main.ts sets V8's --heap-growing-percent from it); 0 leaves V8's own sizing.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DEFAULT_HEAP_GROWTH_PERCENT, loadConfig } from '../src/config.ts'

describe('CARELOOP_HEAP_GROWTH_PERCENT', () => {
  it('defaults to careloop’s bound and takes a whole percent, 0 meaning V8’s own sizing', () => {
    expect(DEFAULT_HEAP_GROWTH_PERCENT).toBeGreaterThan(0)
    expect(loadConfig({}).heapGrowthPercent).toBe(DEFAULT_HEAP_GROWTH_PERCENT)
    expect(loadConfig({ CARELOOP_HEAP_GROWTH_PERCENT: '' }).heapGrowthPercent).toBe(DEFAULT_HEAP_GROWTH_PERCENT)
    expect(loadConfig({ CARELOOP_HEAP_GROWTH_PERCENT: '50' }).heapGrowthPercent).toBe(50)
    expect(loadConfig({ CARELOOP_HEAP_GROWTH_PERCENT: '0' }).heapGrowthPercent).toBe(0)
  })

  it('refuses anything but a non-negative integer, naming the variable', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (raw) => {
        fc.pre(raw.trim() !== '' && !/^\s*\d+\s*$/.test(raw) && !Number.isInteger(Number(raw)))
        expect(() => loadConfig({ CARELOOP_HEAP_GROWTH_PERCENT: raw })).toThrow(/CARELOOP_HEAP_GROWTH_PERCENT/)
      }),
    )
    for (const raw of ['-5', '12.5', '20%', '1e400', 'twenty', '20\u0000']) expect(() => loadConfig({ CARELOOP_HEAP_GROWTH_PERCENT: raw })).toThrow(/CARELOOP_HEAP_GROWTH_PERCENT/)
  })
})
