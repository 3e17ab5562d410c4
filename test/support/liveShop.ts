// Feeds a generated shop trace the way a live shop would send it: in time order, with the
// engine's clock following the events. Moments are then acted on while they are fresh, as in a
// running shop; a trace posted all at once would be a backfill, whose old moments are stale.
import type { ManualClock } from '../../src/lib/clock.ts'
import { sendTrace } from '../../src/demo/send.ts'
import type { SegmentMessage } from '../../src/demo/trace.ts'
import { WRITE_KEY, type TestEngine } from './careloop.ts'

/** Sends `trace` in slices of `stepMs` of event time, ticking the engine after each; ends at `end`. */
export async function feedLive(engine: TestEngine, clock: ManualClock, trace: readonly SegmentMessage[], end: number, stepMs = 6 * 3_600_000): Promise<void> {
  const sorted = [...trace].sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp))
  let i = 0
  while (i < sorted.length) {
    const sliceEnd = Math.floor(Date.parse((sorted[i] as SegmentMessage).timestamp) / stepMs) * stepMs + stepMs
    const slice: SegmentMessage[] = []
    while (i < sorted.length && Date.parse((sorted[i] as SegmentMessage).timestamp) < sliceEnd) slice.push(sorted[i++] as SegmentMessage)
    clock.set(Math.min(end, sliceEnd))
    await sendTrace(slice, { url: engine.url, writeKey: WRITE_KEY })
    await engine.app.tick()
  }
  clock.set(end)
  await engine.app.tick()
}
