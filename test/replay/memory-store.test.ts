// Replay and backtest sandboxes keep their operational state in memory (src/replay/memory); the
// PGlite sandbox is the reference. On generated traces — some cut to whole minutes so events land
// on due times, quiet hours on and off, shoppers who opted out, a scheduled-care rule (the sweep
// pages through stored states by time zone), a task routed by staffing with a bot fallback (queue
// loads count the tasks the sandbox created) — both give byte-identical lines.
// Runs: CARELOOP_FUZZ_RUNS (default 3); seed: CARELOOP_FUZZ_SEED (fast-check prints it on failure).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Queue } from '../../src/model/queue.ts'
import { replayTrace, toJsonl, type ReplayOptions } from '../../src/replay/replay.ts'
import { starterRules } from '../../src/rules/index.ts'

import { birthdayRule as birthday, birthdaysOf, DAY, FUZZ_RUNS as RUNS, FUZZ_SEED as SEED, roundedTrace } from '../support/replayTraces.ts'

const staffedDwell = {
  id: 'staffed-dwell',
  name: 'Hesitating, a person if one is free',
  priority: 60,
  triggers: [{ event: 'Product Viewed', entity: 'product_id' }],
  when: { all: [{ fact: 'properties.dwell_ms', gte: 60000 }] },
  actions: [{ task: { queue: 'sales-help', priority: 'normal', sla: '30m', fallback: { nudge: { channel: 'email', template: 'long-dwell' } } } }],
}
const salesHelp: Queue = { id: 'sales-help', name: 'Sales help', timezone: 'Europe/Berlin', hours: { mon: [['09:00', '17:00']], wed: [['09:00', '12:00']] }, capacityPerAgent: 2, skills: [], escalateTo: null }

const traceArb = fc.record({
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  shoppers: fc.integer({ min: 10, max: 30 }),
  days: fc.integer({ min: 5, max: 14 }),
  /** 60 000: timestamps cut to whole minutes, so steps coincide with due times. */
  roundTo: fc.constantFrom(1, 60_000),
  quietHours: fc.boolean(),
  horizonDays: fc.integer({ min: 0, max: 2 }),
  extraRules: fc.boolean(),
  /** Every n-th shopper opted out of email (0: nobody). */
  optOutEvery: fc.constantFrom(0, 2, 3),
})

describe('in-memory sandbox store', () => {
  it('gives the same lines as the PGlite sandbox', async () => {
    let lines = 0
    await fc.assert(
      fc.asyncProperty(traceArb, async (t) => {
        const trace = roundedTrace(t)
        const customers = [...new Set(trace.map((m) => (m as { userId?: string }).userId).filter((id): id is string => typeof id === 'string'))].sort()
        // A few birthdays inside the period, so the scheduled-care rule has someone to greet.
        const greeted = birthdaysOf(customers, trace[0]?.timestamp, 3)
        if (t.extraRules) trace.push(...(greeted as typeof trace))
        const consent = t.optOutEvery === 0 ? [] : customers.filter((_, i) => i % t.optOutEvery === 0).map((customerId) => ({ customerId, channel: 'email', topic: '*', status: 'opted_out' as const, source: 'api', updatedAt: 0 }))
        const options: ReplayOptions = {
          horizonMs: t.horizonDays * DAY,
          consent,
          ...(t.quietHours ? {} : { policy: { quietHours: null } }),
          ...(t.extraRules
            ? {
                rules: [...starterRules, birthday, staffedDwell].map((document) => ({ document })),
                queues: [salesHelp],
                agents: [{ id: 'alice', displayName: 'Alice', queues: ['sales-help'], skills: [], onShift: true, capacity: 1 }],
              }
            : {}),
        }
        const memory = await replayTrace(trace, options)
        const pglite = await replayTrace(trace, { ...options, store: 'pglite' })
        expect(toJsonl(memory.lines)).toBe(toJsonl(pglite.lines))
        lines += memory.lines.length
      }),
      // A fixed trace first, with birthdays to greet (decisions whatever the seed), then RUNS random ones.
      { numRuns: RUNS + 1, examples: [[{ seed: 20261205, shoppers: 12, days: 5, roundTo: 60_000, quietHours: true, horizonDays: 1, extraRules: true, optOutEvery: 3 }]], ...(SEED === undefined ? {} : { seed: SEED }) },
    )
    // The property only says something when the runs decided anything.
    expect(lines).toBeGreaterThan(0)
  }, 900_000)
})
