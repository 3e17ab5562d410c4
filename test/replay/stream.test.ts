// A streamed replay (the trace read as it goes, through a bounded reorder buffer) gives the lines
// and the summary of the whole-trace replay: on generated traces, nearly sorted (messages moved
// within the buffer's size), with duplicates and invalid messages mixed in. A message displaced
// further than the buffer is rejected with its index; the rest replays. Written out as they are
// merged (replayStreamTo, what careloop replay does with a JSONL file), the lines and summary are the
// same; message ids are remembered for the last N replayed (a copy further on that is older than
// what was replayed is rejected as out of order). Batches of any size (a file read in chunks) give the same.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { generateTrace } from '../../src/demo/trace.ts'
import { replayTrace, toJsonl } from '../../src/replay/replay.ts'
import { replayStream, replayStreamTo } from '../../src/replay/stream.ts'

const RUNS = Number(process.env.CARELOOP_FUZZ_RUNS ?? 3)
const SEED = process.env.CARELOOP_FUZZ_SEED === undefined ? undefined : Number(process.env.CARELOOP_FUZZ_SEED)

/** A generated trace in time order (generated per shopper, it is not). */
const sortedTrace = (seed: number, shoppers: number, days: number): unknown[] =>
  generateTrace({ seed, shoppers, days }).sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp))

/** The messages in batches of `sizes` in turn (a file read in chunks; an empty batch now and then). */
async function* streamOf(messages: readonly unknown[], sizes: readonly number[] = [1]): AsyncGenerator<unknown[]> {
  for (let at = 0, turn = 0; at < messages.length; turn++) {
    const size = sizes[turn % sizes.length] as number
    yield messages.slice(at, at + size)
    at += size
  }
}

/** Swaps neighbours at distance ≤ `reach`: no message moves further than that. */
function jostle(messages: unknown[], seed: number, reach: number): unknown[] {
  const out = [...messages]
  let x = seed
  for (let i = 0; i + reach < out.length; i += reach + 1) {
    x = (x * 1_103_515_245 + 12_345) % 2_147_483_648
    const j = i + (x % (reach + 1))
    ;[out[i], out[j]] = [out[j], out[i]]
  }
  return out
}

describe('streamed replay', () => {
  it('gives the whole-trace replay its lines and summary', async () => {
    await fc.assert(
      fc.asyncProperty(fc.record({ seed: fc.integer({ min: 1, max: 1_000_000 }), shoppers: fc.integer({ min: 5, max: 25 }), days: fc.integer({ min: 3, max: 10 }), reach: fc.integer({ min: 0, max: 8 }), sizes: fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 5 }).map((s) => [...s, 1]) }), async (t) => {
        const trace: unknown[] = jostle(sortedTrace(t.seed, t.shoppers, t.days), t.seed, t.reach)
        // A duplicate (later in the file, same id) and an invalid message.
        trace.splice(Math.floor(trace.length / 2), 0, trace[1], { type: 'track', event: 'Order Completed' })
        const options = { horizonMs: 86_400_000 }
        const whole = await replayTrace(trace, options)
        const streamed = await replayStream(streamOf(trace, t.sizes), { ...options, reorderWindow: t.reach + 1 })
        expect(toJsonl(streamed.lines)).toBe(toJsonl(whole.lines))
        expect(streamed.summary).toEqual(whole.summary)
        expect(streamed.rejected).toEqual(whole.rejected)
        let written = ''
        const out = await replayStreamTo(streamOf(trace, t.sizes), (line) => (written += `${line}\n`), { ...options, reorderWindow: t.reach + 1, runLines: 7 })
        expect(written).toBe(toJsonl(whole.lines))
        expect(out.summary).toEqual(whole.summary)
        expect(out.rejected).toEqual(whole.rejected)
      }),
      { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) },
    )
  }, 300_000)

  it('rejects a message displaced further than the reorder buffer, and replays the rest', async () => {
    const trace = sortedTrace(3, 20, 5)
    const late = trace.splice(2, 1)[0]
    trace.splice(40, 0, late)
    const streamed = await replayStream(streamOf(trace, [7, 0, 64]), { reorderWindow: 10 })
    expect(streamed.rejected).toEqual([{ index: 40, errors: [{ path: '/40/timestamp', message: expect.stringContaining('sort the trace by timestamp') }] }])
    expect(streamed.summary.events).toBe(trace.length - 1)
  })

  it('remembers the ids of the last N messages replayed', async () => {
    const trace = sortedTrace(5, 10, 3)
    // A copy of the 2nd message, 30 messages on: within a window of 100 it is a duplicate; beyond a
    // window of 10 its id is forgotten, and being older than what was replayed it is rejected.
    trace.splice(31, 0, trace[1])
    const remembered = await replayStream(streamOf(trace, [3, 50]), { reorderWindow: 1, dedupeWindow: 100 })
    expect(remembered.summary.duplicates).toBe(1)
    expect(remembered.rejected).toEqual([])
    const forgotten = await replayStream(streamOf(trace), { reorderWindow: 1, dedupeWindow: 10 })
    expect(forgotten.summary.duplicates).toBe(0)
    expect(forgotten.rejected).toEqual([{ index: 31, errors: [{ path: '/31/timestamp', message: expect.stringContaining('sort the trace by timestamp') }] }])
    expect(forgotten.summary.events).toBe(remembered.summary.events)
  })
})
