// Where a streamed replay's live heap grows: replays a JSONL trace as bench/replayBig.ts does and,
// after a full GC, writes a V8 heap snapshot when AT (event counts, comma-separated) are passed, then
// `tsx bench/heapOwners.ts a.heapsnapshot b.heapsnapshot` says which structure holds the growth.
// `node --expose-gc --import tsx bench/replayHeap.ts TRACE.jsonl STATES AT OUT_PREFIX [DEDUPE]`
// Prints the live heap (after a full GC) at each point; OUT_PREFIX `-` writes no snapshot.
import { writeHeapSnapshot } from 'node:v8'
import { fileURLToPath } from 'node:url'
import { replayStreamTo } from '../src/replay/stream.ts'
import { openTrace } from '../src/replay/traceFile.ts'

async function main(): Promise<void> {
  const [path, statesArg, atArg, prefix, dedupeArg] = process.argv.slice(2)
  const trace = openTrace(path as string)
  if (trace.kind !== 'stream') throw new Error('expected a JSONL trace')
  const points = (atArg as string).split(',').map(Number)
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error('run with --expose-gc')
  let next = 0
  await replayStreamTo(trace.stream(), () => {}, {
    reorderWindow: 1_000,
    statesHeld: Number(statesArg),
    runLines: 10_000,
    dedupeWindow: dedupeArg === undefined ? 20_000 : Number(dedupeArg),
    onProgress: (done) => {
      if (next >= points.length || done < (points[next] as number)) return
      next++
      gc()
      const live = process.memoryUsage().heapUsed / 2 ** 20
      const file = prefix === '-' ? '(no snapshot)' : writeHeapSnapshot(`${prefix}-${done}.heapsnapshot`)
      console.log(`${done} events: live heap ${live.toFixed(1)} MiB → ${file}`)
    },
  })
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main()
