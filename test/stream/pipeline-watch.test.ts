// The stall watchdog's verdicts on an injected clock: waiting work without progress, a backlog
// that only grows although batches complete, overdue timers; and no false alarm when idle or
// keeping up.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { PipelineWatch } from '../../src/stream/PipelineWatch.ts'

const STALL = 60_000

function setup(start = Date.UTC(2026, 0, 1)) {
  const clock = new ManualClock(start)
  const world = { backlog: 0, timer: undefined as number | undefined }
  const watch = new PipelineWatch({ clock, stallMs: STALL, backlog: async () => world.backlog, earliestTimer: async () => world.timer })
  return { clock, world, watch }
}

describe('PipelineWatch', () => {
  it('is ready while idle, however long', async () => {
    const { clock, watch } = setup()
    for (let i = 0; i < 20; i++) {
      clock.advance(STALL)
      expect((await watch.check()).ready).toBe(true)
    }
  })

  it('fails once work has waited longer than the stall time without progress, and recovers with progress', async () => {
    const { clock, world, watch } = setup()
    clock.advance(10 * STALL) // long idle first: the wait counts from when work appeared
    world.backlog = 5
    expect((await watch.check()).ready).toBe(true)
    clock.advance(STALL - 1)
    expect((await watch.check()).ready).toBe(true)
    clock.advance(2)
    const stalled = await watch.check()
    expect(stalled.ready).toBe(false)
    expect(stalled.reason).toMatch(/5 events waiting/)
    watch.progressed()
    expect((await watch.check()).ready).toBe(true)
  })

  it('fails when the backlog only grows over the window although batches complete', async () => {
    const { clock, world, watch } = setup()
    let verdict = await watch.check({ sample: true })
    for (let t = 0; t <= STALL + 10_000; t += 5_000) {
      world.backlog += 100
      watch.progressed()
      // Probes in between read without bending the trend.
      expect((await watch.check()).backlog).toBe(world.backlog)
      verdict = await watch.check({ sample: true })
      clock.advance(5_000)
    }
    expect(verdict.ready).toBe(false)
    expect(verdict.backlogGrowing).toBe(true)
    // It keeps up again: the backlog falls, and the verdict clears.
    world.backlog = 10
    clock.advance(5_000)
    watch.progressed()
    expect((await watch.check({ sample: true })).ready).toBe(true)
  })

  it('never alarms while progress is made and the backlog did not rise at every sample of the window (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 1_000, max: 20_000 })), { minLength: 1, maxLength: 60 }), async (steps) => {
        const { clock, world, watch } = setup()
        let previous = -1
        let rising = 0
        for (const [backlog, gap] of steps) {
          clock.advance(gap)
          world.backlog = backlog
          watch.progressed()
          // Any sample that is not higher restarts the trend: only a window without one may alarm.
          rising = backlog > previous ? rising + gap : 0
          previous = backlog
          const verdict = await watch.check({ sample: true })
          if (rising < STALL) expect(verdict.ready).toBe(true)
        }
      }),
      { seed: Number(process.env.CARELOOP_FUZZ_SEED ?? 42), numRuns: 300 },
    )
  })

  it('fails when the earliest timer is overdue by more than the stall time with no progress', async () => {
    const { clock, world, watch } = setup()
    world.timer = clock.now() + 1_000
    clock.advance(STALL)
    expect((await watch.check()).ready).toBe(true)
    clock.advance(2_000)
    const late = await watch.check()
    expect(late.ready).toBe(false)
    expect(late.reason).toMatch(/timers overdue/)
  })
})
