// npm run bench (memory part) — what the embedded engine holds right after start, part by part, and
// how much it grows from 0 to N shoppers (BENCH_MEMORY_SHOPPERS, default 100,000; 1,000,000 works,
// it takes ~10× longer). Each measurement runs in its own child process, side by side in one run:
// PGlite's own settings (the baseline) and careloop's (shared_buffers cut, docs/performance.md).
// Prints figures; asserts nothing.
import { fork, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { DEFAULT_PGLITE_SHARED_BUFFERS, DEFAULT_STATE_CACHE } from '../src/config.ts'
const WRITE_KEY = 'bench-write-key' // as bench/memoryEngine.ts configures it
import { describe, type MemoryFigures } from './memoryUsage.ts'

const SHOPPERS = Number(process.env['BENCH_MEMORY_SHOPPERS'] ?? 100_000)
const STEPS = 4
const BATCH = 500
const IN_FLIGHT = 4
const MiB = 2 ** 20
const log = (line = ''): void => console.log(line)
const here = new URL('.', import.meta.url).pathname

interface Variant {
  name: string
  env: Record<string, string>
}
const variants: Variant[] = [
  {
    name: "baseline: PGlite's defaults (shared_buffers 128MB; for the stages, initdb in-process), every customer state cached",
    env: { BENCH_SHARED_BUFFERS: 'pglite', BENCH_INITDB_IN_PROCESS: '1', BENCH_STATE_CACHE: 'all' },
  },
  {
    name: `careloop's defaults: shared_buffers ${DEFAULT_PGLITE_SHARED_BUFFERS}, ${DEFAULT_STATE_CACHE.toLocaleString('en-US')} customer states cached`,
    env: { BENCH_SHARED_BUFFERS: DEFAULT_PGLITE_SHARED_BUFFERS },
  },
]

function child(script: string, env: Record<string, string>): ChildProcess {
  return fork(join(here, script), { execArgv: ['--expose-gc', '--import', 'tsx'], env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
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

interface Growth {
  /** RSS growth per shopper over the last step (past every bound the defaults set). */
  lastStepPerShopper: number
  start: MemoryFigures
  end: MemoryFigures
  endAfterGc: MemoryFigures
  eventsPerSecond: number
}

async function growth(variant: Variant): Promise<Growth> {
  const dir = mkdtempSync(join(os.tmpdir(), 'careloop-bench-memory-'))
  const proc = child('memoryEngine.ts', { ...variant.env, BENCH_DATA_DIR: dir })
  try {
    const ready = await nextMessage<{ url: string; figures: MemoryFigures }>(proc, 'ready')
    log(`  after start                 ${describe(ready.figures)}`)
    const figures = async (gc: boolean) => {
      proc.send({ kind: 'figures', gc })
      return nextMessage<{ figures: MemoryFigures; processed: number }>(proc, 'figures')
    }
    const t0 = Date.now() - 3_600_000
    let sent = 0
    let busyMs = 0
    let last = ready.figures
    let previous = ready.figures
    for (let step = 1; step <= STEPS; step++) {
      const from = Math.floor(((step - 1) * SHOPPERS) / STEPS)
      const to = Math.floor((step * SHOPPERS) / STEPS)
      const began = performance.now()
      sent += await load(ready.url, from, to, t0)
      let now = await figures(false)
      while (now.processed < sent) {
        await new Promise((r) => setTimeout(r, 200))
        now = await figures(false)
      }
      busyMs += performance.now() - began
      previous = last
      last = now.figures
      log(`  after ${to.toLocaleString('en-US').padStart(9)} shoppers  ${describe(now.figures)}`)
    }
    const afterGc = await figures(true)
    log(`  same, after a full GC       ${describe(afterGc.figures)}`)
    return { lastStepPerShopper: (last.rss - previous.rss) / (SHOPPERS / STEPS), start: ready.figures, end: last, endAfterGc: afterGc.figures, eventsPerSecond: (sent / busyMs) * 1000 }
  } finally {
    proc.send({ kind: 'stop' })
    await new Promise((r) => proc.once('exit', r))
    rmSync(dir, { recursive: true, force: true })
  }
}

log('careloop memory benchmark (bench/memory.bench.ts)')
log(`node ${process.version} · ${os.cpus().length} logical CPUs · load average ${os.loadavg().map((l) => l.toFixed(2)).join(' / ')}`)
log('\nRSS at start, part by part (each in a fresh process):')
for (const variant of variants) {
  log(` ${variant.name}`)
  await stages(variant)
}
log(`\nembedded engine (Careloop.open + listen + start, jobs running), then ${SHOPPERS.toLocaleString('en-US')} shoppers (~2.6 events each) through /v1/batch:`)
const results: [Variant, Growth][] = []
for (const variant of variants) {
  log(` ${variant.name}`)
  results.push([variant, await growth(variant)])
}
log('')
for (const [variant, g] of results) {
  const grew = g.end.rss - g.start.rss
  const projected = grew + g.lastStepPerShopper * (1_000_000 - SHOPPERS)
  log(`${variant.name}:`)
  log(`  RSS after start ${(g.start.rss / MiB).toFixed(0)} MiB · after ${SHOPPERS.toLocaleString('en-US')} shoppers ${(g.end.rss / MiB).toFixed(0)} MiB (${(g.endAfterGc.rss / MiB).toFixed(0)} MiB after GC) · growth ${(grew / MiB).toFixed(0)} MiB = ${(grew / SHOPPERS).toFixed(0)} bytes/shopper`)
  log(`  last step ${g.lastStepPerShopper.toFixed(0)} bytes/shopper → projected growth to 1M shoppers ${(projected / MiB).toFixed(0)} MiB (this run's growth + the last step's rate for the rest) → goal ≤ 200 MiB ${projected <= 200 * MiB ? 'MET' : 'NOT MET'}`)
  log(`  engine end to end while loading: ${Math.round(g.eventsPerSecond).toLocaleString('en-US')} events/s`)
}
log(`load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' / ')}`)
process.exit(0)
