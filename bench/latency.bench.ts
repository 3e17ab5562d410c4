// npm run bench (latency part) — event → first send attempt at a real SMTP server, and timer
// lateness, on an idle embedded engine started as `careloop start` starts it (node-cron jobs, real
// clock). Side by side in one run: the engine with wake-ups (the outbox woken when a message is
// durable, the timer loop at the earliest due time) and the same engine polling only (every
// second), the baseline. Prints figures; asserts nothing.
import { mkdtempSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { SMTPServer } from 'smtp-server'
import { Careloop } from '../src/app.ts'
import { GUARD_POLICY_SETTING } from '../src/channels/guards/index.ts'
import { loadConfig } from '../src/config.ts'

const SAMPLES = Number(process.env['BENCH_LATENCY_SAMPLES'] ?? 40)
const TIMER_SAMPLES = Number(process.env['BENCH_TIMER_SAMPLES'] ?? 12)
const WRITE_KEY = 'bench-write-key'
const log = (line = ''): void => console.log(line)

/** Arrival time (performance.now) of each message by recipient. */
async function mailSink(): Promise<{ url: string; arrived: Map<string, number>; close(): Promise<void> }> {
  const arrived = new Map<string, number>()
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      stream.on('data', () => {})
      stream.on('end', () => {
        const at = performance.now()
        for (const r of session.envelope.rcptTo) if (!arrived.has(r.address)) arrived.set(r.address, at)
        callback()
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.server.address() as AddressInfo).port
  return { url: `smtp://127.0.0.1:${port}`, arrived, close: () => new Promise((r) => server.close(() => r())) }
}

async function until(condition: () => boolean, timeoutMs = 30_000): Promise<boolean> {
  const deadline = performance.now() + timeoutMs
  while (!condition()) {
    if (performance.now() > deadline) return false
    await new Promise((r) => setTimeout(r, 1))
  }
  return true
}

function percentiles(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN
  return `p50 ${at(0.5).toFixed(0).padStart(5)} ms · p95 ${at(0.95).toFixed(0).padStart(5)} ms · p99 ${at(0.99).toFixed(0).padStart(5)} ms · max ${(sorted.at(-1) ?? Number.NaN).toFixed(0).padStart(5)} ms (n=${sorted.length})`
}

interface Figures {
  send: number[]
  timer: number[]
  lost: number
}

async function measure(wakeups: boolean): Promise<Figures> {
  const dir = mkdtempSync(join(os.tmpdir(), 'careloop-bench-latency-'))
  const mail = await mailSink()
  const config = { ...loadConfig({}), port: 0, host: '127.0.0.1', dataDir: dir, smtpUrl: mail.url, writeKey: WRITE_KEY, apiKeys: 'bench-admin:admin:bench', absenceSettleMs: 0 }
  const app = await Careloop.open({ config, logger: pino({ level: 'silent' }), wakeups })
  await app.ops.settings.put(GUARD_POLICY_SETTING, { quietHours: null })
  const url = await app.listen()
  await app.start()
  const post = (messages: unknown[]) =>
    fetch(`${url}/v1/batch`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}` }, body: JSON.stringify({ batch: messages }) })
  const figures: Figures = { send: [], timer: [], lost: 0 }
  try {
    // Event → first send attempt: a known shopper lingers on a product page (the long-dwell rule).
    for (let i = 0; i < SAMPLES + 3; i++) {
      const userId = `lat-${wakeups}-${i}`
      const email = `${userId}@bench.test`
      await post([{ type: 'identify', messageId: `${userId}-id`, userId, traits: { email }, timestamp: new Date().toISOString() }])
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 250))
      const sentAt = performance.now()
      await post([{ type: 'track', messageId: `${userId}-view`, userId, event: 'Product Viewed', properties: { product_id: `p${i}`, dwell_ms: 150_000 }, timestamp: new Date().toISOString() }])
      if (!(await until(() => mail.arrived.has(email)))) figures.lost++
      else if (i >= 3) figures.send.push((mail.arrived.get(email) as number) - sentAt) // the first ones warm up
    }
    // Timer lateness: a checkout started almost an hour ago; its reminder falls due in ~1.5 s.
    for (let i = 0; i < TIMER_SAMPLES; i++) {
      const userId = `tim-${wakeups}-${i}`
      const email = `${userId}@bench.test`
      const dueWall = Date.now() + 1_500 + Math.random() * 500
      const duePerf = performance.now() + (dueWall - Date.now())
      await post([
        { type: 'identify', messageId: `${userId}-id`, userId, traits: { email }, timestamp: new Date().toISOString() },
        { type: 'track', messageId: `${userId}-co`, userId, event: 'Checkout Started', properties: { checkout_id: `c-${userId}`, value: 30 }, timestamp: new Date(dueWall - 3_600_000).toISOString() },
      ])
      if (!(await until(() => mail.arrived.has(email)))) figures.lost++
      else figures.timer.push((mail.arrived.get(email) as number) - duePerf)
    }
  } finally {
    await app.stop()
    await mail.close()
    rmSync(dir, { recursive: true, force: true })
  }
  return figures
}

log('careloop latency benchmark (bench/latency.bench.ts)')
log(`node ${process.version} · ${os.cpus().length} logical CPUs · load average ${os.loadavg().map((l) => l.toFixed(2)).join(' / ')}`)
log('Embedded engine (PGlite + chDB), real clock and jobs, a real SMTP server on loopback; one event at a time (idle).')
const polling = await measure(false)
const woken = await measure(true)
log('\nevent → first send attempt (HTTP ingest of the event → the message fully received by the SMTP server)')
log(`  polling only (baseline)   ${percentiles(polling.send)}`)
log(`  with wake-ups             ${percentiles(woken.send)}`)
log('\ntimer lateness (the reminder received at the SMTP server − the timer due time; includes the send)')
log(`  polling only (baseline)   ${percentiles(polling.timer)}`)
log(`  with wake-ups             ${percentiles(woken.timer)}`)
if (polling.lost + woken.lost > 0) log(`\n${polling.lost + woken.lost} expected messages never arrived within 30 s`)
const p99 = (v: number[]) => [...v].sort((a, b) => a - b)[Math.min(v.length - 1, Math.floor(0.99 * v.length))] ?? Number.NaN
log(`\ngoal: first send attempt p99 ≤ 100 ms idle → ${p99(woken.send) <= 100 ? 'MET' : 'NOT MET'} (${p99(woken.send).toFixed(0)} ms); timers ≤ 100 ms late → ${p99(woken.timer) <= 100 ? 'MET' : 'NOT MET'} (${p99(woken.timer).toFixed(0)} ms, send included)`)
process.exit(0)
