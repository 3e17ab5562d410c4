// tsx bench/replay.bench.ts — replay events/s, CPU time per event (and where it goes: the engine's
// steps, the dispatcher, the wake-up look-ups, building the lines), store round trips and peak RSS
// on a generated demo trace (SHOPPERS, default 100; DAYS, default 30): the sandbox on a throw-away
// PGlite database (before) beside the sandbox on in-memory stores (now); then the in-memory sandbox
// on a larger trace (STEADY_SHOPPERS, default 1000), where start-up does not count: its rate and
// CPU per event over the second half of the events (steady) beside the whole run, and each half's
// CPU on the main thread and on V8's helper threads. Each path runs in
// its own child process so its peak RSS is its own. Prints figures; asserts only that the two
// sandboxes gave the same lines.
//
// BIG=1 adds the memory run (replayBig.ts): traces of BIG_SHOPPERS (default 1000,4000,16000)
// shoppers × DAYS written to a JSONL file and replayed as careloop replay streams them, holding
// STATES (default 1000) customer states, to show how memory grows with the number of shoppers
// (DEDUPE: message ids remembered, default the CLI's; ALL_HELD=0 skips the run holding every state).
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { loadavg } from 'node:os'
import { constants as perfConstants, PerformanceObserver } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { generateTrace } from '../src/demo/trace.ts'
import { drive, prepareTrace, toJsonl } from '../src/replay/replay.ts'
import { Sandbox } from '../src/replay/Sandbox.ts'
import type { SqlDatabase } from '../src/store/operational/SqlExecutor.ts'
import { replayBig } from './replayBig.ts'

const SHOPPERS = Number(process.env.SHOPPERS ?? 100)
const STEADY_SHOPPERS = Number(process.env.STEADY_SHOPPERS ?? 1000)
const DAYS = Number(process.env.DAYS ?? 30)
const SEED = 42

type Store = 'pglite' | 'memory'

interface Figures {
  path: string
  events: number
  ms: number
  cpuMs: number
  /** Wall time inside each part of the loop (one thread: ≈ its CPU time). */
  split: Record<string, number>
  queries: number
  transactions: number
  lines: number
  linesHash: string
  maxRssMb: number
  /** Over the second half of the events: wall ms and CPU ms. */
  steady: { events: number; ms: number; cpuMs: number }
  /** CPU ms of the main thread and of V8's helper threads (JIT compiles, GC), per half of the events. */
  threads: { first: ThreadCpu; second: ThreadCpu }
  /** Scavenges and full GCs during the replay, per half: how many and their pauses (wall ms). */
  gc: { first: GcCount; second: GcCount }
}

interface GcCount {
  scavenges: number
  scavengeMs: number
  full: number
  fullMs: number
}

/**
 * Records GCs (perf_hooks); `counts(from, to)` counts those that started in [from, to) (performance.now()
 * times). Entries arrive on the event loop's turns, which a replay seldom gives: await `settle` first.
 */
function gcRecorder(): { settle(): Promise<void>; counts(from: number, to: number): GcCount; stop(): void } {
  const seen: Array<{ at: number; ms: number; kind: number | undefined }> = []
  const keep = (entries: readonly PerformanceEntry[]): void => {
    for (const e of entries) seen.push({ at: e.startTime, ms: e.duration, kind: (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind })
  }
  const observer = new PerformanceObserver((list) => keep(list.getEntries()))
  observer.observe({ entryTypes: ['gc'] })
  return {
    settle: async () => {
      await new Promise((resolve) => setTimeout(resolve, 10))
      keep(observer.takeRecords())
    },
    counts: (from, to) => {
      const c: GcCount = { scavenges: 0, scavengeMs: 0, full: 0, fullMs: 0 }
      for (const g of seen) {
        if (g.at < from || g.at >= to) continue
        if (g.kind === perfConstants.NODE_PERFORMANCE_GC_MINOR) (c.scavenges++, (c.scavengeMs += g.ms))
        else if (g.kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) (c.full++, (c.fullMs += g.ms))
      }
      return c
    },
    stop: () => observer.disconnect(),
  }
}

interface ThreadCpu {
  main: number
  helpers: number
}

/** CPU ms so far of this process's main thread and of its other threads (Linux /proc; zeros elsewhere). */
function threadCpu(): ThreadCpu {
  const cpu = { main: 0, helpers: 0 }
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      const ms = (Number(fields[11]) + Number(fields[12])) * 10 // utime + stime, USER_HZ 100
      if (tid === String(process.pid)) cpu.main += ms
      else cpu.helpers += ms
    }
  } catch {
    /* not Linux */
  }
  return cpu
}

const since = (a: ThreadCpu, b: ThreadCpu): ThreadCpu => ({ main: b.main - a.main, helpers: b.helpers - a.helpers })

/** Counts the store's round trips: statements outside a transaction, and transactions. */
function countRoundTrips(db: SqlDatabase): { queries: number; transactions: number } {
  const counts = { queries: 0, transactions: 0 }
  const query = db.query.bind(db)
  const transaction = db.transaction.bind(db)
  db.query = ((...args: Parameters<typeof query>) => (counts.queries++, query(...args))) as typeof db.query
  db.transaction = ((fn: Parameters<typeof transaction>[0]) => (counts.transactions++, transaction(fn))) as typeof db.transaction
  return counts
}

/** Adds the wall time of each call of `object[name]` to `split[label]`. */
function timed<T extends object>(split: Record<string, number>, label: string, object: T, name: keyof T & string): void {
  const fn = object[name] as unknown as (...args: unknown[]) => Promise<unknown>
  split[label] ??= 0
  ;(object as Record<string, unknown>)[name] = async (...args: unknown[]) => {
    const started = performance.now()
    try {
      return await fn.apply(object, args)
    } finally {
      split[label] = (split[label] ?? 0) + performance.now() - started
    }
  }
}

async function runOne(store: Store, shoppers: number): Promise<Figures> {
  const { events } = prepareTrace(generateTrace({ seed: SEED, shoppers, days: DAYS }))
  const first = events[0]?.ts
  const last = events[events.length - 1]?.ts
  if (first === undefined || last === undefined) throw new Error('empty trace')
  const sandbox = await Sandbox.open({ start: first, store })
  try {
    const counts = store === 'pglite' ? countRoundTrips(sandbox.ops.db) : { queries: 0, transactions: 0 }
    const split: Record<string, number> = {}
    timed(split, 'engine events', sandbox.engine, 'handleBatch')
    if ('stepThrough' in sandbox.engine) timed(split, 'engine events', sandbox.engine, 'stepThrough')
    timed(split, 'engine timers', sandbox.engine, 'fireDueTimers')
    timed(split, 'dispatcher', sandbox.dispatcher, 'dispatchDue')
    timed(split, 'wake-ups', sandbox, 'nextWake')
    const cpu = process.cpuUsage()
    const started = performance.now()
    const threads0 = threadCpu()
    const gcs = gcRecorder()
    const half = { at: 0, cpu: cpu, done: 0, threads: threads0 }
    await drive(sandbox, events, last, (done) => {
      if (half.at === 0 && done >= events.length / 2) Object.assign(half, { at: performance.now(), cpu: process.cpuUsage(), done, threads: threadCpu() })
    })
    const threads1 = threadCpu()
    const ended = performance.now()
    const linesStarted = performance.now()
    const jsonl = toJsonl(sandbox.lines())
    const ms = performance.now() - started
    split.lines = performance.now() - linesStarted
    const used = process.cpuUsage(cpu)
    const steadyCpu = process.cpuUsage(half.cpu)
    await gcs.settle()
    gcs.stop()
    return {
      steady: { events: events.length - half.done, ms: linesStarted - half.at, cpuMs: (steadyCpu.user + steadyCpu.system) / 1000 - split.lines },
      threads: { first: since(threads0, half.threads), second: since(half.threads, threads1) },
      gc: { first: gcs.counts(started, half.at), second: gcs.counts(half.at, ended) },
      path: store === 'pglite' ? 'PGlite (before)' : 'in memory (now)',
      events: events.length,
      ms,
      cpuMs: (used.user + used.system) / 1000,
      split,
      ...counts,
      lines: jsonl.split('\n').length - 1,
      linesHash: createHash('sha256').update(jsonl).digest('hex').slice(0, 16),
      maxRssMb: process.resourceUsage().maxRSS / 1024,
    }
  } finally {
    await sandbox.close()
  }
}

async function main(): Promise<void> {
  const mode = process.argv[2]
  if (mode === '--pglite' || mode === '--memory') {
    process.stdout.write(`${JSON.stringify(await runOne(mode === '--pglite' ? 'pglite' : 'memory', Number(process.argv[3])))}\n`)
    return
  }
  const self = fileURLToPath(import.meta.url)
  const run = (flag: string, shoppers = SHOPPERS): Figures => JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', self, flag, String(shoppers)], { encoding: 'utf8', maxBuffer: 1 << 20 })) as Figures
  const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ')
  console.log(`replay: demo trace, ${SHOPPERS} shoppers × ${DAYS} days (seed ${SEED}); load average before: ${load()}`)
  const old = run('--pglite')
  const fresh = run('--memory')
  for (const f of [old, fresh]) {
    const perEvent = (ms: number): string => `${Math.round((ms * 1000) / f.events)} µs`
    const split = Object.entries(f.split).map(([k, ms]) => `${k} ${perEvent(ms)}`).join(', ')
    console.log(
      `  ${f.path.padEnd(16)} ${f.events} events in ${(f.ms / 1000).toFixed(2)} s = ${Math.round((f.events / f.ms) * 1000)} events/s; CPU ${perEvent(f.cpuMs)}/event (${split}); ` +
        `${((f.queries + f.transactions) / f.events).toFixed(2)} store round trips/event; peak RSS ${Math.round(f.maxRssMb)} MB; ${f.lines} lines (${f.linesHash})`,
    )
  }
  console.log(`  speed-up ${(old.ms / fresh.ms).toFixed(1)}× (CPU per event ${(old.cpuMs / fresh.cpuMs).toFixed(1)}×); load average after: ${load()}`)
  if (old.linesHash !== fresh.linesHash) {
    console.error('  the two paths gave different lines')
    process.exitCode = 1
  }
  const large = run('--memory', STEADY_SHOPPERS)
  const rate = (events: number, ms: number): string => `${Math.round((events / ms) * 1000).toLocaleString('en-US')} events/s`
  const cpu = (ms: number, events: number): string => `CPU ${Math.round((ms * 1000) / events)} µs/event`
  const split = Object.entries(large.split).map(([k, ms]) => `${k} ${Math.round((ms * 1000) / large.events)} µs`).join(', ')
  console.log(
    `  in memory, ${STEADY_SHOPPERS} shoppers × ${DAYS} days: ${large.events.toLocaleString('en-US')} events; whole run ${rate(large.events, large.ms)}, ${cpu(large.cpuMs, large.events)} (${split}); ` +
      `steady (second half) ${rate(large.steady.events, large.steady.ms)}, ${cpu(large.steady.cpuMs, large.steady.events)}; goal 20,000 events/s = 50 µs/event; peak RSS ${Math.round(large.maxRssMb)} MB; load average ${load()}`,
  )
  // Why the whole run costs more per event than its second half: V8 compiles hot code on helper threads while warming up.
  const half = (t: ThreadCpu, events: number): string => `main thread ${Math.round((t.main * 1000) / events)} µs/event, V8 helper threads ${Math.round((t.helpers * 1000) / events)} µs/event`
  const firstEvents = large.events - large.steady.events
  console.log(`    first half: ${half(large.threads.first, firstEvents)}; second half: ${half(large.threads.second, large.steady.events)} (10 ms ticks)`)
  const gc = (g: GcCount): string => `${g.scavenges} scavenges (${Math.round(g.scavengeMs)} ms), ${g.full} full GCs (${Math.round(g.fullMs)} ms)`
  console.log(`    GC pauses: first half ${gc(large.gc.first)}; second half ${gc(large.gc.second)}`)
  if (process.env.BIG === '1') await replayBig()
}

await main()
