// Child process of bench/memory.bench.ts: an embedded engine started as `careloop start` starts
// it, answering the parent's IPC requests with its memory figures and processing progress.
import { pino } from 'pino'
import { Careloop } from '../src/app.ts'
import { GUARD_POLICY_SETTING } from '../src/channels/guards/index.ts'
import { loadConfig } from '../src/config.ts'
import { PgliteDatabase } from '../src/store/operational/PgliteDatabase.ts'
import { memoryFigures } from './memoryUsage.ts'

const WRITE_KEY = 'bench-write-key'

const dataDir = process.env['BENCH_DATA_DIR'] as string
const sharedBuffers = process.env['BENCH_SHARED_BUFFERS'] ?? 'pglite'
const config = {
  ...loadConfig({}),
  port: 0,
  host: '127.0.0.1',
  dataDir,
  writeKey: WRITE_KEY,
  apiKeys: 'bench-admin:admin:bench',
  absenceSettleMs: 0,
  ingestLimits: { ratePerSecond: 0, burst: 0, maxInFlight: 0 },
  pgliteSharedBuffers: sharedBuffers === 'pglite' ? undefined : sharedBuffers,
  // 'all': every state stays cached (the engine before the bound).
  ...(process.env['BENCH_STATE_CACHE'] === 'all' ? { stateCacheSize: undefined } : {}),
}
const app = await Careloop.open({ config, logger: pino({ level: 'silent' }) })
await app.ops.settings.put(GUARD_POLICY_SETTING, { quietHours: null })
const url = await app.listen()
await app.start()
const wasm = () => (app.ops.db instanceof PgliteDatabase ? app.ops.db.wasmMemoryBytes() : 0)

process.on('message', (request: { kind: 'figures' | 'stop'; gc?: boolean }) => {
  if (request.kind === 'figures') {
    if (request.gc) (globalThis as { gc?: () => void }).gc?.()
    const stats = app.engine.stats
    process.send?.({ kind: 'figures', figures: memoryFigures(wasm()), processed: stats.events + stats.duplicates })
  } else void app.stop().then(() => process.exit(0))
})
process.send?.({ kind: 'ready', url, figures: memoryFigures(wasm()) })
