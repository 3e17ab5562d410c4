// Decision lines are built as each decision's outcome becomes final (src/replay/lineTracker.ts) and
// sorted through temp-file runs (src/replay/lineSort.ts); the reference builds them at the end from
// every recorded history row and send (buildLines). On generated traces — whole-minute timestamps,
// quiet hours on and off, shoppers opted out, a horizon after the last event — with runs of a few
// lines so that most lines go through temp files, both give byte-identical lines, read twice. A
// sandbox holding only a few customer states in memory (the rest in a temp file, read back when
// needed; a scheduled-care rule pages through all of them) gives the same lines again.
// Runs: CARELOOP_FUZZ_RUNS (default 3); seed: CARELOOP_FUZZ_SEED.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { drive, prepareTrace, toJsonl } from '../../src/replay/replay.ts'
import { Sandbox, type SandboxOptions } from '../../src/replay/Sandbox.ts'
import { starterRules } from '../../src/rules/index.ts'

import { birthdayRule as birthday, birthdaysOf, DAY, FUZZ_RUNS as RUNS, FUZZ_SEED as SEED, roundedTrace } from '../support/replayTraces.ts'

describe('streamed decision lines', () => {
  it('equal the lines built at the end from every row, through temp-file runs and spilled states', async () => {
    let lines = 0
    let spilled = 0
    let spilledStates = 0
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          seed: fc.integer({ min: 1, max: 1_000_000 }),
          shoppers: fc.integer({ min: 10, max: 40 }),
          days: fc.integer({ min: 3, max: 14 }),
          roundTo: fc.constantFrom(1, 60_000),
          quietHours: fc.boolean(),
          horizonDays: fc.integer({ min: 0, max: 2 }),
          optOutEvery: fc.constantFrom(0, 2, 3),
          runLines: fc.integer({ min: 1, max: 20 }),
          statesHeld: fc.integer({ min: 1, max: 8 }),
        }),
        async (t) => {
          const trace = roundedTrace(t)
          const customers = [...new Set(prepareTrace(trace).events.map((e) => e.customerId))].sort()
          // Birthdays in the period, in two zones, so the scheduled-care sweep has someone to greet.
          trace.push(...birthdaysOf(customers, trace[0]?.timestamp, 4))
          const { events } = prepareTrace(trace)
          const consent = t.optOutEvery === 0 ? [] : customers.filter((_, i) => i % t.optOutEvery === 0).map((customerId) => ({ customerId, channel: 'email', topic: '*', status: 'opted_out' as const, source: 'api', updatedAt: 0 }))
          const first = events[0]?.ts as number
          const last = events[events.length - 1]?.ts as number
          const common: SandboxOptions = { start: first, consent, rules: [...starterRules, birthday].map((document) => ({ document })), ...(t.quietHours ? {} : { policy: { quietHours: null } }) }
          const sandbox = await Sandbox.open({ ...common, keepRows: true, runLines: t.runLines })
          const end = last + t.horizonDays * DAY
          try {
            // Half-way, lines so far (some nudges still waiting) equal the reference's too.
            const middle = events.findIndex((e) => e.ts > (first + last) / 2)
            await drive(sandbox, events.slice(0, middle), (first + last) / 2)
            expect(toJsonl(sandbox.lines())).toBe(toJsonl(sandbox.referenceLines()))
            await drive(sandbox, events.slice(middle), end)
            const reference = toJsonl(sandbox.referenceLines())
            expect(toJsonl(sandbox.lines())).toBe(reference)
            expect([...sandbox.lineTexts()].map((text) => `${text}\n`).join('')).toBe(reference)
            const few = await Sandbox.open({ ...common, statesHeld: t.statesHeld, runLines: t.runLines })
            try {
              await drive(few, events, end)
              expect(toJsonl(few.lines())).toBe(reference)
              spilledStates += (few.ops.engine as unknown as { stateCounts: { spilled: number } }).stateCounts.spilled
            } finally {
              await few.close()
            }
            lines += sandbox.lines().length
            spilled += (sandbox as unknown as { sorted: { spilledRuns: number } }).sorted.spilledRuns
          } finally {
            await sandbox.close()
          }
        },
      ),
      // A fixed trace first, with runs of 2 lines and 3 states held (lines, sorted runs and spilled
      // states whatever the seed: a random trace may decide fewer lines than its run length), then RUNS random ones.
      { numRuns: RUNS + 1, examples: [[{ seed: 20261205, shoppers: 20, days: 7, roundTo: 60_000, quietHours: true, horizonDays: 1, optOutEvery: 3, runLines: 2, statesHeld: 3 }]], ...(SEED === undefined ? {} : { seed: SEED }) },
    )
    expect(lines).toBeGreaterThan(0)
    expect(spilled).toBeGreaterThan(0)
    expect(spilledStates).toBeGreaterThan(0)
  }, 600_000)
})
