// npm run bench (memory part) — what the embedded engine holds right after start, part by part, and
// how much it grows from 0 to N shoppers (BENCH_MEMORY_SHOPPERS, default 100,000, in
// BENCH_MEMORY_STEPS steps, default 4; 1,000,000 in 10 steps took 38 min on the shared machine).
// Each measurement runs in its own child process, side by side in one run: the baseline (PGlite's
// and V8's own settings, every state cached) and careloop's defaults. BENCH_MEMORY_VARIANTS picks
// others (the experiments below), BENCH_MEMORY_STAGES=0 skips the start-up stages,
// BENCH_MEMORY_SNAPSHOTS=<dir> writes a heap snapshot after each step (bench/heapSummary.ts diffs
// them), BENCH_MEMORY_HOT_PATH=0 skips the state cache's hot path (bench/memoryStateCache.ts).
// Prints figures; asserts nothing.
import { fork, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { DEFAULT_HEAP_GROWTH_PERCENT, DEFAULT_PGLITE_SHARED_BUFFERS, DEFAULT_STATE_CACHE, LEAN_STATE_CACHE_HOT, LEAN_STATE_CACHE_MIB } from '../src/config.ts'
const WRITE_KEY = 'bench-write-key' // as bench/memoryEngine.ts configures it
import { describe, unexplained, type MemoryFigures } from './memoryUsage.ts'

const SHOPPERS = Number(process.env['BENCH_MEMORY_SHOPPERS'] ?? 100_000)
const STEPS = Number(process.env['BENCH_MEMORY_STEPS'] ?? 4)
/** A directory: a heap snapshot after each step there (for bench/heapSummary.ts). */
const SNAPSHOTS = process.env['BENCH_MEMORY_SNAPSHOTS']
const ONLY = process.env['BENCH_MEMORY_VARIANTS']?.split(',')
const WITH_STAGES = process.env['BENCH_MEMORY_STAGES'] !== '0'
const BATCH = 500
const IN_FLIGHT = 4
const MiB = 2 ** 20
const log = (line = ''): void => console.log(line)
const here = new URL('.', import.meta.url).pathname

interface Variant {
  id: string
  name: string
  /** undefined: not set in the child's environment. */
  env: Record<string, string | undefined>
  execArgv?: string[]
  experiment?: boolean
}
const variants = (
  [
    {
      id: 'baseline',
      name: "baseline: PGlite's defaults (shared_buffers 128MB; for the stages, initdb in-process), every customer state cached, V8's own heap sizing, glibc's own arenas",
      env: { BENCH_SHARED_BUFFERS: 'pglite', BENCH_INITDB_IN_PROCESS: '1', BENCH_STATE_CACHE: 'all', BENCH_HEAP_GROWTH: '0' },
    },
    {
      id: 'defaults',
      name: `careloop's defaults: shared_buffers ${DEFAULT_PGLITE_SHARED_BUFFERS}, ${DEFAULT_STATE_CACHE.toLocaleString('en-US')} customer states cached as objects, V8 heap ≤ ${DEFAULT_HEAP_GROWTH_PERCENT} % past live, MALLOC_ARENA_MAX=2 (as scripts/start.sh)`,
      env: { BENCH_SHARED_BUFFERS: DEFAULT_PGLITE_SHARED_BUFFERS, MALLOC_ARENA_MAX: '2' },
    },
    // Experiments (BENCH_MEMORY_VARIANTS=defaults,v8heap,...): the defaults with one setting changed.
    ...[
      { id: 'v8heap', change: "V8's own heap sizing", env: { BENCH_HEAP_GROWTH: '0' } },
      { id: 'heap20', change: 'V8 heap ≤ 20 % past live', env: { BENCH_HEAP_GROWTH: '20' } },
      { id: 'heap50', change: 'V8 heap ≤ 50 % past live', env: { BENCH_HEAP_GROWTH: '50' } },
      { id: 'arenas', change: "glibc's own arenas", env: { MALLOC_ARENA_MAX: undefined } },
      { id: 'batch1000', change: 'engine steps of at most 1,000 events', env: { BENCH_EVENT_BATCH: '1000' } },
      { id: 'lean', change: `the lean state cache: ${LEAN_STATE_CACHE_HOT.toLocaleString('en-US')} states as objects + ${LEAN_STATE_CACHE_MIB} MiB serialized`, env: { BENCH_STATE_CACHE_HOT: String(LEAN_STATE_CACHE_HOT), BENCH_STATE_CACHE_MB: String(LEAN_STATE_CACHE_MIB) } },
      { id: 'leanheap20', change: `the lean state cache and V8 heap ≤ 20 % past live`, env: { BENCH_STATE_CACHE_HOT: String(LEAN_STATE_CACHE_HOT), BENCH_STATE_CACHE_MB: String(LEAN_STATE_CACHE_MIB), BENCH_HEAP_GROWTH: '20' } },
      { id: 'hot500', change: `500 states as objects + ${LEAN_STATE_CACHE_MIB} MiB serialized`, env: { BENCH_STATE_CACHE_HOT: '500', BENCH_STATE_CACHE_MB: String(LEAN_STATE_CACHE_MIB) } },
      { id: 'hot5000', change: `5,000 states as objects + ${LEAN_STATE_CACHE_MIB} MiB serialized`, env: { BENCH_STATE_CACHE_HOT: '5000', BENCH_STATE_CACHE_MB: String(LEAN_STATE_CACHE_MIB) } },
      { id: 'cache8mb', change: `${LEAN_STATE_CACHE_HOT} states as objects + 8 MiB serialized`, env: { BENCH_STATE_CACHE_HOT: String(LEAN_STATE_CACHE_HOT), BENCH_STATE_CACHE_MB: '8' } },
      { id: 'cache32mb', change: `${LEAN_STATE_CACHE_HOT} states as objects + 32 MiB serialized`, env: { BENCH_STATE_CACHE_HOT: String(LEAN_STATE_CACHE_HOT), BENCH_STATE_CACHE_MB: '32' } },
      { id: 'semi8', change: 'V8 semi-spaces of at most 8 MiB', env: {}, execArgv: ['--max-semi-space-size=8'] },
    ].map((e) => ({ id: e.id, name: `careloop's defaults, ${e.change}`, env: { BENCH_SHARED_BUFFERS: DEFAULT_PGLITE_SHARED_BUFFERS, MALLOC_ARENA_MAX: '2', ...e.env }, execArgv: e.execArgv, experiment: true })),
  ] as Variant[]
)
  .filter((v) => (ONLY === undefined ? !v.experiment : ONLY.includes(v.id)))
  // In the order asked for (to alternate the order between runs).
  .sort((a, b) => (ONLY === undefined ? 0 : ONLY.indexOf(a.id) - ONLY.indexOf(b.id)))

function child(script: string, env: Record<string, string | undefined>, execArgv: string[] = []): ChildProcess {
  const merged: Record<string, string | undefined> = { ...process.env, ...env }
  for (const [k, v] of Object.entries(merged)) if (v === undefined) delete merged[k]
  return fork(join(here, script), { execArgv: ['--expose-gc', ...execArgv, '--import', 'tsx'], env: merged, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
}

function nextMessage<T>(proc: ChildProcess, kind: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { kind: string }) => {
      if (m.kind !== kind) return
      proc.off('message', onMessage)
      proc.off('exit', onExit)
      resolve(m as T)
    }
    const onExit = (code: number | null) => reject(new Error(`${script(proc)} exited (${code}) before sending ${kind}`))
    proc.on('message', onMessage)
    proc.once('exit', onExit)
  })
}
const script = (proc: ChildProcess) => proc.spawnargs.at(-1) ?? 'child'

async function stages(variant: Variant): Promise<void> {
  const dir = mkdtempSync(join(os.tmpdir(), 'careloop-bench-memory-'))
  try {
    for (const when of ['new data directory (first start: initdb)', 'same data directory (restart)']) {
      const proc = child('memoryStages.ts', { ...variant.env, BENCH_DATA_DIR: dir })
      const { stages } = await nextMessage<{ stages: [string, MemoryFigures][] }>(proc, 'stages')
      log(`  ${when}`)
      let previous = 0
      for (const [label, f] of stages) {
        log(`    ${label.padEnd(28)} ${describe(f)}${previous ? `  (+${((f.rss - previous) / MiB).toFixed(0)} MiB)` : ''}`)
        previous = f.rss
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Shopper i's events: an identify, a product view, and for some a cart, a checkout, an order. */
function shopperEvents(i: number, t0: number): Record<string, unknown>[] {
  const userId = `mem-${i}`
  const at = (k: number) => new Date(t0 + i * 3 + k).toISOString()
  const out: Record<string, unknown>[] = [
    { type: 'identify', messageId: `${userId}-id`, userId, traits: { email: `${userId}@bench.test` }, timestamp: at(0) },
    { type: 'track', messageId: `${userId}-v`, userId, event: 'Product Viewed', properties: { product_id: `sku-${i % 997}`, dwell_ms: 4_000 + (i % 50) * 100 }, timestamp: at(1) },
  ]
  if (i % 3 === 0) out.push({ type: 'track', messageId: `${userId}-a`, userId, event: 'Product Added', properties: { product_id: `sku-${i % 997}`, quantity: 1, price: 20 }, timestamp: at(1) })
  if (i % 7 === 0) out.push({ type: 'track', messageId: `${userId}-c`, userId, event: 'Checkout Started', properties: { checkout_id: `co-${userId}`, value: 40 }, timestamp: at(2) })
  if (i % 10 === 0) out.push({ type: 'track', messageId: `${userId}-o`, userId, event: 'Order Completed', properties: { order_id: `o-${userId}`, checkout_id: `co-${userId}`, total: 40, promised_delivery_at: new Date(t0 + 5 * 86_400_000).toISOString() }, timestamp: at(2) })
  return out
}

async function load(url: string, from: number, to: number, t0: number): Promise<number> {
  const auth = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`
  let next = from
  let events = 0
  const perBatch = Math.ceil(BATCH / 2.6)
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < to) {
        const start = next
        next = Math.min(to, next + perBatch)
        const batch = []
        for (let i = start; i < next; i++) batch.push(...shopperEvents(i, t0))
        events += batch.length
        const res = await fetch(`${url}/v1/batch`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: JSON.stringify({ batch }) })
        if (res.status !== 200) throw new Error(`/v1/batch answered ${res.status}: ${await res.text()}`)
        await res.arrayBuffer()
      }
    }),
  )
  return events
}

interface Point {
  shoppers: number
  figures: MemoryFigures
  cachedStates: number
}

interface Growth {
  points: Point[]
  endAfterGc: MemoryFigures
  eventsPerSecond: number
  /** The engine process's CPU time (all its threads) per event while loading, and its GC pauses. */
  cpuMicrosPerEvent: number
  gcMs: { major: number; minor: number }
}

interface Progress {
  figures: MemoryFigures
  processed: number
  cachedStates: number
  cpuMicros: number
  gcMs: { major: number; minor: number }
}

async function growth(variant: Variant): Promise<Growth> {
  const dir = mkdtempSync(join(os.tmpdir(), 'careloop-bench-memory-'))
  const proc = child('memoryEngine.ts', { ...variant.env, BENCH_DATA_DIR: dir }, variant.execArgv)
  try {
    const ready = await nextMessage<{ url: string } & Omit<Progress, 'processed' | 'cachedStates'>>(proc, 'ready')
    log(`  after start                 ${describe(ready.figures)}`)
    const figures = async (gc: boolean) => {
      proc.send({ kind: 'figures', gc })
      return nextMessage<Progress>(proc, 'figures')
    }
    const t0 = Date.now() - 3_600_000
    let sent = 0
    let busyMs = 0
    const points: Point[] = [{ shoppers: 0, figures: ready.figures, cachedStates: 0 }]
    let now: Progress | undefined
    for (let step = 1; step <= STEPS; step++) {
      const from = Math.floor(((step - 1) * SHOPPERS) / STEPS)
      const to = Math.floor((step * SHOPPERS) / STEPS)
      const began = performance.now()
      sent += await load(ready.url, from, to, t0)
      now = await figures(false)
      while (now.processed < sent) {
        await new Promise((r) => setTimeout(r, 200))
        now = await figures(false)
      }
      busyMs += performance.now() - began
      points.push({ shoppers: to, figures: now.figures, cachedStates: now.cachedStates })
      log(`  after ${to.toLocaleString('en-US').padStart(9)} shoppers  ${describe(now.figures)} · ${now.cachedStates.toLocaleString('en-US')} states cached · ${Math.round(busyMs / 1000)} s`)
      if (SNAPSHOTS) {
        const path = join(SNAPSHOTS, `${variant.id}-${to}.heapsnapshot`)
        proc.send({ kind: 'snapshot', path })
        await nextMessage(proc, 'snapshot')
        log(`    heap snapshot ${path}`)
      }
    }
    const afterGc = await figures(true)
    log(`  same, after a full GC       ${describe(afterGc.figures)}`)
    const end = now as Progress
    return {
      points,
      endAfterGc: afterGc.figures,
      eventsPerSecond: (sent / busyMs) * 1000,
      cpuMicrosPerEvent: (end.cpuMicros - ready.cpuMicros) / sent,
      gcMs: { major: end.gcMs.major - ready.gcMs.major, minor: end.gcMs.minor - ready.gcMs.minor },
    }
  } finally {
    proc.send({ kind: 'stop' })
    await new Promise((r) => proc.once('exit', r))
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Least-squares slope of RSS over shoppers (bytes per shopper) through these points. */
function slope(points: Point[]): number {
  const n = points.length
  const mx = points.reduce((a, p) => a + p.shoppers, 0) / n
  const my = points.reduce((a, p) => a + p.figures.rss, 0) / n
  const sxy = points.reduce((a, p) => a + (p.shoppers - mx) * (p.figures.rss - my), 0)
  const sxx = points.reduce((a, p) => a + (p.shoppers - mx) ** 2, 0)
  return sxx === 0 ? 0 : sxy / sxx
}

/** RSS growth from start to the last step, part by part. */
function split(start: MemoryFigures, end: MemoryFigures): string {
  const parts: [string, (f: MemoryFigures) => number][] = [
    ['V8 heap', (f) => f.heapResident],
    ['PGlite WASM', (f) => f.wasmResident],
    ['malloc main', (f) => f.mallocMain],
    ['malloc thread arenas', (f) => f.mallocArenas],
    ['chDB tracked', (f) => f.chdbTracked],
    ['files (code)', (f) => f.fileBacked],
    ['other anonymous', unexplained],
  ]
  return parts.map(([name, of]) => `${name} ${((of(end) - of(start)) / MiB).toFixed(0)}`).join(' · ')
}

log('careloop memory benchmark (bench/memory.bench.ts)')
log(`node ${process.version} · ${os.cpus().length} logical CPUs · load average ${os.loadavg().map((l) => l.toFixed(2)).join(' / ')}`)
if (WITH_STAGES) {
  log('\nRSS at start, part by part (each in a fresh process):')
  for (const variant of variants) {
    log(` ${variant.name}`)
    await stages(variant)
  }
}
log(`\nembedded engine (Careloop.open + listen + start, jobs running), then ${SHOPPERS.toLocaleString('en-US')} shoppers (~2.6 events each) through /v1/batch:`)
const results: [Variant, Growth][] = []
for (const variant of variants) {
  log(` ${variant.name}`)
  results.push([variant, await growth(variant)])
}
log('')
for (const [variant, g] of results) {
  const start = (g.points[0] as Point).figures
  const end = (g.points.at(-1) as Point).figures
  const grew = end.rss - start.rss
  // Past the bounded structures: the state cache fills by its size, the log's duplicate check by 250k ids (≈ 96k shoppers).
  const later = g.points.filter((p) => p.shoppers >= Math.min(100_000, SHOPPERS / 2))
  log(`${variant.name}:`)
  log(`  RSS after start ${(start.rss / MiB).toFixed(0)} MiB · after ${SHOPPERS.toLocaleString('en-US')} shoppers ${(end.rss / MiB).toFixed(0)} MiB (${(g.endAfterGc.rss / MiB).toFixed(0)} MiB after a full GC) · growth ${(grew / MiB).toFixed(0)} MiB → goal ≤ 200 MB (${(200e6 / MiB).toFixed(0)} MiB) from 0 to 1M shoppers ${SHOPPERS >= 1_000_000 ? (grew <= 200e6 ? 'MET' : 'NOT MET') : '(not a 1M run)'}`)
  log(`  growth by part, MiB: ${split(start, end)}`)
  if (later.length >= 2) log(`  from ${(later[0] as Point).shoppers.toLocaleString('en-US')} shoppers on (${later.length} points): ${slope(later).toFixed(0)} bytes/shopper (least squares)`)
  log(`  engine while loading: ${Math.round(g.eventsPerSecond).toLocaleString('en-US')} events/s · CPU ${g.cpuMicrosPerEvent.toFixed(0)} µs/event (all the engine's threads) · GC pauses ${(g.gcMs.major / 1000).toFixed(1)} s major + ${(g.gcMs.minor / 1000).toFixed(1)} s minor`)
}
log(`load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' / ')}`)
if (process.env['BENCH_MEMORY_HOT_PATH'] !== '0') {
  const hotPath = child('memoryStateCache.ts', {})
  await new Promise((r) => hotPath.once('exit', r))
}
process.exit(0)
