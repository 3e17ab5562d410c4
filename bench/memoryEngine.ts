// Child process of bench/memory.bench.ts: an embedded engine started as `careloop start` starts
// it, answering the parent's IPC requests with its memory figures and processing progress.
import { constants, PerformanceObserver } from 'node:perf_hooks'
import { setFlagsFromString, writeHeapSnapshot } from 'node:v8'
import { pino } from 'pino'
import { Careloop } from '../src/app.ts'
import { GUARD_POLICY_SETTING } from '../src/channels/guards/index.ts'
import { loadConfig } from '../src/config.ts'
import { ClickHouseHistoryStore } from '../src/store/history/ClickHouseHistoryStore.ts'
import { SpooledHistoryStore } from '../src/store/spool/SpooledHistoryStore.ts'
import { PgliteDatabase } from '../src/store/operational/PgliteDatabase.ts'
import { memoryFigures, type ChdbMemory } from './memoryUsage.ts'

const WRITE_KEY = 'bench-write-key'
// Time in garbage collection, by kind (the process's CPU time includes V8's helper threads).
const gcMs = { major: 0, minor: 0 }
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = (entry as { detail?: { kind?: number } }).detail?.kind
    if (kind === constants.NODE_PERFORMANCE_GC_MINOR) gcMs.minor += entry.duration
    else gcMs.major += entry.duration
  }
}).observe({ entryTypes: ['gc'] })

const dataDir = process.env['BENCH_DATA_DIR'] as string
const sharedBuffers = process.env['BENCH_SHARED_BUFFERS'] ?? 'pglite'
const config = {
  ...loadConfig({
    CARELOOP_HEAP_GROWTH_PERCENT: process.env['BENCH_HEAP_GROWTH'],
    CARELOOP_STATE_CACHE_HOT: process.env['BENCH_STATE_CACHE_HOT'],
    CARELOOP_STATE_CACHE_MB: process.env['BENCH_STATE_CACHE_MB'],
  }),
  port: 0,
  host: '127.0.0.1',
  dataDir,
  writeKey: WRITE_KEY,
  apiKeys: 'bench-admin:admin:bench',
  absenceSettleMs: 0,
  ingestLimits: { ratePerSecond: 0, burst: 0, maxInFlight: 0 },
  pgliteSharedBuffers: sharedBuffers === 'pglite' ? undefined : sharedBuffers,
  // 'all': every state stays cached as an object (the engine before any bound); a number: that
  // many states, all objects (the cache before serialized states).
  ...(process.env['BENCH_STATE_CACHE'] === undefined ? {} : { stateCacheSize: Number(process.env['BENCH_STATE_CACHE']) || undefined, stateCacheBytes: undefined, stateCacheHot: undefined }),
  ...(process.env['BENCH_EVENT_BATCH'] ? { eventBatch: Number(process.env['BENCH_EVENT_BATCH']) } : {}),
}
// As src/main.ts sets it.
if (config.heapGrowthPercent) setFlagsFromString(`--heap-growing-percent=${config.heapGrowthPercent}`)
const app = await Careloop.open({ config, logger: pino({ level: 'silent' }) })
await app.ops.settings.put(GUARD_POLICY_SETTING, { quietHours: null })
const url = await app.listen()
await app.start()
const wasm = () => (app.ops.db instanceof PgliteDatabase ? app.ops.db.wasmMemoryBytes() : 0)
async function chdb(): Promise<ChdbMemory> {
  const history = app.history instanceof SpooledHistoryStore ? app.history.inner : app.history
  if (!(history instanceof ClickHouseHistoryStore)) return { tracked: 0, caches: 0 }
  const metrics = await history.memoryMetrics()
  let caches = 0
  for (const [name, bytes] of metrics) if (name.endsWith('CacheBytes')) caches += bytes
  return { tracked: metrics.get('MemoryTracking') ?? 0, caches }
}
const figures = async () => memoryFigures(wasm(), await chdb())

process.on('message', (request: { kind: 'figures' | 'snapshot' | 'stop'; gc?: boolean; path?: string }) => {
  if (request.kind === 'snapshot') {
    // writeHeapSnapshot collects garbage first: the snapshot is the live heap.
    writeHeapSnapshot(request.path)
    process.send?.({ kind: 'snapshot', path: request.path })
  } else if (request.kind === 'figures') {
    if (request.gc) (globalThis as { gc?: () => void }).gc?.()
    const stats = app.engine.stats
    const cpu = process.cpuUsage()
    void figures().then((f) => process.send?.({ kind: 'figures', figures: f, processed: stats.events + stats.duplicates, cachedStates: app.engine.cachedStates, cpuMicros: cpu.user + cpu.system, gcMs }))
  } else void app.stop().then(() => process.exit(0))
})
const cpu = process.cpuUsage()
process.send?.({ kind: 'ready', url, figures: await figures(), cpuMicros: cpu.user + cpu.system, gcMs })
