// tsx bench/backtest.bench.ts — a rule backtest as ops run it from the console (POST
// /api/rules/backtest: the period's stored history replayed twice, with and without the candidate)
// on the sandbox's two stores in one run: a throw-away PGlite database (before) beside the
// in-memory stores (now). The shop: the demo trace (SHOPPERS, default 40; DAYS, default 30) sent
// through /v1/batch of an embedded engine. Prints seconds and the ratio; asserts only that both
// reports are the same.
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { Careloop } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { sendTrace } from '../src/demo/send.ts'
import { generateTrace } from '../src/demo/trace.ts'
import { backtest } from '../src/replay/backtest.ts'
import { starterRules } from '../src/rules/starter.ts'

const SHOPPERS = Number(process.env.SHOPPERS ?? 40)
const DAYS = Number(process.env.DAYS ?? 30)
const DAY = 86_400_000
const WRITE_KEY = 'bench-write-key'

const dataDir = mkdtempSync(join(tmpdir(), 'careloop-backtest-bench-'))
const config = {
  ...loadConfig({}),
  port: 0,
  host: '127.0.0.1',
  dataDir,
  writeKey: WRITE_KEY,
  apiKeys: 'bench-admin:admin:bench',
  ingestLimits: { ratePerSecond: 0, burst: 0, maxInFlight: 0 },
}
const app = await Careloop.open({ config, logger: pino({ level: 'silent' }) })
try {
  const url = await app.listen()
  const to = Date.now()
  const trace = generateTrace({ seed: 7, shoppers: SHOPPERS, days: DAYS, start: to - DAYS * DAY }).filter((m) => Date.parse(m.timestamp) <= to)
  await sendTrace(trace, { url, writeKey: WRITE_KEY })
  await app.tick()
  // The candidate: a starter rule under its own id, as an edit of it would be.
  const candidate = { ...(starterRules.find((r) => r.id === 'payment-failed') as object), id: 'payment-failed', name: 'Payment failed (edited)' }
  const period = { from: to - DAYS * DAY, to }

  const timedRun = async (store: 'pglite' | 'memory') => {
    const started = performance.now()
    const cpu = process.cpuUsage()
    const report = await backtest({ ops: app.ops, history: app.history, rule: candidate, ...period, store })
    const used = process.cpuUsage(cpu)
    return { store, seconds: (performance.now() - started) / 1000, cpuSeconds: (used.user + used.system) / 1e6, report }
  }
  const before = await timedRun('pglite')
  const now = await timedRun('memory')
  const same = JSON.stringify(before.report) === JSON.stringify(now.report)
  console.log(`backtest of one rule over ${DAYS} days of the demo shop (${SHOPPERS} shoppers, ${before.report.events.toLocaleString('en-US')} stored events, replayed twice); load average ${loadavg()[0]?.toFixed(1)}`)
  console.log('| sandbox store | wall | CPU (this process) |')
  console.log('|---|---|---|')
  for (const r of [before, now]) console.log(`| ${r.store} | ${r.seconds.toFixed(1)} s | ${r.cpuSeconds.toFixed(1)} s |`)
  console.log(`in memory vs PGlite: ${(before.seconds / now.seconds).toFixed(1)}× faster (CPU ${(before.cpuSeconds / now.cpuSeconds).toFixed(1)}×); goal ≥ 10×`)
  if (!same) {
    console.error('the two reports differ')
    process.exitCode = 1
  }
} finally {
  await app.stop()
  rmSync(dataDir, { recursive: true, force: true })
}
