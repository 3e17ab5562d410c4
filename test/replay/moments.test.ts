// A replay step may take the events of later moments (src/replay/moments.ts) where a tick between
// them could change nothing. That must never change a line: on generated traces (timestamps on
// whole seconds or minutes, so several events share a moment and land on timers' and held
// messages' due times; quiet hours on and off; every 3rd shopper opted out of email) steps that
// span moments give byte-identical lines to one step per moment, and do take fewer steps.
// Runs: CARELOOP_FUZZ_RUNS (default 3); seed: CARELOOP_FUZZ_SEED (fast-check prints it on failure).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { drive, prepareTrace, toJsonl } from '../../src/replay/replay.ts'
import { Sandbox, type SandboxOptions } from '../../src/replay/Sandbox.ts'
import { DAY, FUZZ_RUNS as RUNS, FUZZ_SEED as SEED, roundedTrace } from '../support/replayTraces.ts'

const traceArb = fc.record({
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  shoppers: fc.integer({ min: 20, max: 60 }),
  days: fc.integer({ min: 7, max: 20 }),
  roundTo: fc.constantFrom(1, 1_000, 60_000),
  quietHours: fc.boolean(),
  horizonDays: fc.integer({ min: 0, max: 2 }),
})

/** Replays in a sandbox; returns its lines and how many event steps the engine ran. */
async function replay(messages: readonly unknown[], options: Omit<SandboxOptions, 'start'>, end: number): Promise<{ jsonl: string; steps: number }> {
  const { events } = prepareTrace(messages)
  const sandbox = await Sandbox.open({ ...options, start: (events[0] as { ts: number }).ts })
  let steps = 0
  const engine = sandbox.engine
  const handleBatch = engine.handleBatch.bind(engine)
  const stepThrough = engine.stepThrough.bind(engine)
  engine.handleBatch = (batch) => (steps++, handleBatch(batch))
  engine.stepThrough = (batch, gate) => (steps++, stepThrough(batch, gate))
  try {
    await drive(sandbox, events, end)
    return { jsonl: toJsonl(sandbox.lines()), steps }
  } finally {
    await sandbox.close()
  }
}

describe('replay steps over several moments', () => {
  it('give the lines of one step per moment', async () => {
    let spanning = 0
    let oneMoment = 0
    let lines = 0
    await fc.assert(
      fc.asyncProperty(traceArb, async (t) => {
        const trace = roundedTrace(t)
        const ids = [...new Set(trace.map((m) => (m as { userId?: string }).userId).filter((id): id is string => id !== undefined))]
        const consent = ids.filter((_, i) => i % 3 === 0).map((customerId) => ({ customerId, channel: 'email' as const, topic: '*', status: 'opted_out' as const, source: 'api', updatedAt: 0 }))
        const options = { consent, ...(t.quietHours ? {} : { policy: { quietHours: null } }) }
        const end = Math.max(...trace.map((m) => Date.parse(m.timestamp))) + t.horizonDays * DAY
        const spans = await replay(trace, options, end)
        const one = await replay(trace, { ...options, oneMomentPerStep: true }, end)
        expect(spans.jsonl).toBe(one.jsonl)
        spanning += spans.steps
        oneMoment += one.steps
        lines += spans.jsonl.split('\n').length - 1
      }),
      // A fixed trace first (steps span moments and decisions are made whatever the seed), then RUNS random ones.
      { numRuns: RUNS + 1, examples: [[{ seed: 20261205, shoppers: 30, days: 10, roundTo: 1_000, quietHours: true, horizonDays: 1 }]], ...(SEED === undefined ? {} : { seed: SEED }) },
    )
    // The property only says something when steps did span moments, and decisions were made.
    expect(spanning).toBeLessThan(oneMoment)
    expect(lines).toBeGreaterThan(0)
  }, 900_000)
})
