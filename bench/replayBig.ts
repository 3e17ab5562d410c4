// BIG=1 tsx bench/replay.bench.ts — peak RSS of a streamed replay against the number of shoppers.
// For each size in BIG_SHOPPERS (default 1000,4000,16000) × DAYS (default 30): one child process
// writes the demo trace to a JSONL file (streamed, never whole in memory), then each of two child
// processes replays it as `careloop replay TRACE.jsonl` does (read as it goes, decision lines sorted
// through temp files and written out as they are merged): holding STATES (default 1000) customer
// states, and holding every state (as before). Prints events/s, CPU per event, peak RSS, the most
// the V8 heap held after a full GC (sampled every 20,000 events: what is live, not what GC has not
// collected yet), lines and their hash (the two must be equal). BASELINE=/path/to/a/checkout also
// replays each trace, bounded, with that checkout's code (e.g. main), right after this one's.
// BIG_GC_EVERY: events between samples (default 20,000; a full GC each, so raise it for a long run);
// BIG_PROGRESS=1 writes each sample to stderr, with what the sandbox's store holds. A long run by hand: --generate N FILE, then
// BIG_GC_EVERY=1000000 BIG_PROGRESS=1 node --expose-gc --import tsx bench/replayBig.ts --replay FILE 10000.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { traceIterator } from '../src/demo/trace.ts'
import { writeLinesTo } from '../src/replay/lineSort.ts'
import type { MemoryOperationalStore } from '../src/replay/memory/MemoryOperationalStore.ts'
import { replayStreamTo } from '../src/replay/stream.ts'
import { openTrace } from '../src/replay/traceFile.ts'

const DAYS = Number(process.env.DAYS ?? 30)
const STATES = Number(process.env.STATES ?? 1000)
const SIZES = (process.env.BIG_SHOPPERS ?? '1000,4000,16000').split(',').map(Number)
const SEED = 42
const REORDER = 1_000
/** Message ids remembered (default: the CLI's); ALL_HELD=0 skips the run holding every state. */
const DEDUPE = process.env.DEDUPE === undefined ? undefined : Number(process.env.DEDUPE)
const ALL_HELD = process.env.ALL_HELD !== '0'
const BASELINE = process.env.BASELINE

interface BigFigures {
  events: number
  ms: number
  cpuMs: number
  lines: number
  linesHash: string
  maxRssMb: number
  /** The most the V8 heap held after a full GC, sampled every GC_EVERY events. */
  liveHeapMb: number
}

const GC_EVERY = Number(process.env.BIG_GC_EVERY ?? 20_000)
/** BIG_PROGRESS=1: each sample also goes to stderr as a JSON line (events, live heap, RSS, CPU, wall): the curve of a long run. */
const PROGRESS = process.env.BIG_PROGRESS === '1'

function generate(shoppers: number, path: string): void {
  writeLinesTo(path, (message) => JSON.stringify(message), traceIterator({ seed: SEED, shoppers, days: DAYS }))
}

async function replay(path: string, statesHeld: number | undefined): Promise<BigFigures> {
  const trace = openTrace(path)
  if (trace.kind !== 'stream') throw new Error('expected a JSONL trace')
  const hash = createHash('sha256')
  let lines = 0
  let live = 0
  let sampled = 0
  let store: MemoryOperationalStore | undefined
  const sample = (done: number): void => {
    if (done < sampled + GC_EVERY) return
    sampled = done
    ;(globalThis as { gc?: () => void }).gc?.()
    const memory = process.memoryUsage()
    live = Math.max(live, memory.heapUsed)
    if (PROGRESS) {
      const used = process.cpuUsage(cpu)
      const mb = (n: number): number => Math.round(n / 2 ** 20)
      process.stderr.write(`${JSON.stringify({ events: Number.isFinite(done) ? done : 'end', liveHeapMb: mb(memory.heapUsed), heapTotalMb: mb(memory.heapTotal), rssMb: mb(memory.rss), maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024), externalMb: mb(memory.external + memory.arrayBuffers), cpuS: Math.round((used.user + used.system) / 1e4) / 100, s: Math.round(performance.now() - started) / 1000, holding: store?.holding })}\n`)
    }
  }
  const cpu = process.cpuUsage()
  const started = performance.now()
  const { summary } = await replayStreamTo(
    trace.stream(),
    (line) => {
      hash.update(`${line}\n`)
      lines++
    },
    // The generated trace is in time order: a small reorder buffer (the CLI's default holds 100,000 messages).
    { reorderWindow: REORDER, onProgress: sample, onSandbox: (sandbox) => (store = sandbox.ops as unknown as MemoryOperationalStore), ...(DEDUPE === undefined ? {} : { dedupeWindow: DEDUPE }), ...(statesHeld === undefined ? {} : { statesHeld, runLines: 10_000 }) },
  )
  sample(Infinity)
  const used = process.cpuUsage(cpu)
  return { events: summary.events, ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000, lines, linesHash: hash.digest('hex').slice(0, 16), maxRssMb: process.resourceUsage().maxRSS / 1024, liveHeapMb: live / 2 ** 20 }
}

export async function replayBig(): Promise<void> {
  const self = fileURLToPath(import.meta.url)
  const run = (script: string, args: string[]): string => execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', script, ...args], { encoding: 'utf8', maxBuffer: 1 << 20 })
  const child = (...args: string[]): string => run(self, args)
  const dir = mkdtempSync(join(tmpdir(), 'careloop-replay-big-'))
  try {
    console.log(`  memory run: streamed replay of a JSONL trace; bounded = ${STATES.toLocaleString('en-US')} states held, lines sorted through temp files (runs of 10,000); reorder buffer ${REORDER.toLocaleString('en-US')} messages; ${DEDUPE === undefined ? 'default' : DEDUPE.toLocaleString('en-US')} message ids remembered`)
    for (const shoppers of SIZES) {
      const path = join(dir, `trace-${shoppers}.jsonl`)
      child('--generate', String(shoppers), path)
      const mb = statSync(path).size / 1e6
      const bounded = JSON.parse(child('--replay', path, String(STATES))) as BigFigures
      const baseline = BASELINE === undefined ? undefined : (JSON.parse(run(join(BASELINE, 'bench/replayBig.ts'), ['--replay', path, String(STATES)])) as BigFigures)
      const unbounded = ALL_HELD ? (JSON.parse(child('--replay', path)) as BigFigures) : bounded
      const show = (f: BigFigures): string => `${Math.round((f.events / f.ms) * 1000).toLocaleString('en-US')} events/s, CPU ${Math.round((f.cpuMs * 1000) / f.events)} µs/event, peak RSS ${Math.round(f.maxRssMb)} MB, live heap ≤ ${f.liveHeapMb.toFixed(1)} MiB`
      console.log(
        `    ${shoppers.toLocaleString('en-US')} shoppers × ${DAYS} days (${bounded.events.toLocaleString('en-US')} events, ${mb.toFixed(0)} MB of JSONL): bounded ${show(bounded)}; ${ALL_HELD ? `every state held ${show(unbounded)}` : 'no run holding every state'}; ` +
          `${bounded.lines.toLocaleString('en-US')} lines (${bounded.linesHash}${bounded.linesHash === unbounded.linesHash ? ', equal' : ' ≠ ' + unbounded.linesHash}); load average ${loadavg()[0]?.toFixed(1)}`,
      )
      if (baseline !== undefined) console.log(`      baseline (${BASELINE}), bounded: ${show(baseline)}; lines ${baseline.linesHash === bounded.linesHash ? 'equal' : `differ (${baseline.linesHash})`}; load average ${loadavg()[0]?.toFixed(1)}`)
      if (bounded.linesHash !== unbounded.linesHash || (baseline !== undefined && baseline.linesHash !== bounded.linesHash)) process.exitCode = 1
      rmSync(path, { force: true })
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [mode, a, b] = process.argv.slice(2)
  if (mode === '--generate') generate(Number(a), b as string)
  else if (mode === '--replay') process.stdout.write(`${JSON.stringify(await replay(a as string, b === undefined ? undefined : Number(b)))}\n`)
}
