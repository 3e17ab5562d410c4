// Where a reminder's lateness goes under the latency bench's load (bench/loadGenerator.ts at RATE
// events/s, default 5,000): wake (due-timers job called − due), queue (firing step start − call),
// the firing step, dispatch (received at the SMTP server − firing step end); and the event steps'
// and writes' durations. Not part of `npm run bench`: run it for two checkouts one after the other
// (ROOT=<checkout>, default this one) and compare. It instruments by wrapping the engine's methods
// from outside, so that any checkout is measured the same way. Prints figures; asserts nothing.
//   ROOT=/path/to/other/checkout N=10 RATE=2000 npx tsx bench/timerLateness.ts
import { fork } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import { join } from 'node:path'
const ROOT = process.env['ROOT'] ?? join(import.meta.dirname, '..')
const req = createRequire(join(ROOT, 'package.json'))
const { pino } = req('pino')
const { SMTPServer } = req('smtp-server')
const { Careloop } = await import(join(ROOT, 'src/app.ts'))
const { GUARD_POLICY_SETTING } = await import(join(ROOT, 'src/channels/guards/index.ts'))
const { loadConfig } = await import(join(ROOT, 'src/config.ts'))
const TIMERS = Number(process.env['N'] ?? 20)
const RATE = Number(process.env['RATE'] ?? 5000)
const WRITE_KEY = 'bench-write-key'
const arrived = new Map<string, number>()
const server = new SMTPServer({ authOptional: true, disabledCommands: ['STARTTLS'], logger: false,
  onData(stream: any, session: any, cb: any) { stream.on('data', () => {}); stream.on('end', () => { const at = performance.now(); for (const r of session.envelope.rcptTo) if (!arrived.has(r.address)) arrived.set(r.address, at); cb() }) } })
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
const smtpUrl = `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`
const dir = mkdtempSync(join(os.tmpdir(), 'careloop-timerprobe-'))
const config = { ...loadConfig({}), port: 0, host: '127.0.0.1', dataDir: dir, smtpUrl, writeKey: WRITE_KEY, apiKeys: 'bench-admin:admin:bench', absenceSettleMs: 0, ingestLimits: { ratePerSecond: 0, burst: 0, maxInFlight: 0 } }
const app = await Careloop.open({ config, logger: pino({ level: process.env['LOG'] ?? 'silent' }), wakeups: true })
await app.ops.settings.put(GUARD_POLICY_SETTING, { quietHours: null })
const url = await app.listen()
await app.start()
const offset = () => Date.now() - performance.now()
// instrumentation
const eng: any = app.engine
const steps: { start: number; end: number; records: number; cpu: number }[] = []
let running: { start: number } | undefined
const origProcess = eng.events.process.bind(eng.events)
eng.events.process = async (batches: any[]) => {
  const s = { start: performance.now() }; running = s; const c0 = process.cpuUsage()
  try { return await origProcess(batches) } finally { const c = process.cpuUsage(c0); running = undefined; steps.push({ start: s.start, end: performance.now(), records: batches.reduce((n: number, b: any) => n + b.records.length, 0), cpu: (c.user + c.system) / 1000 }) }
}
const writes: { start: number; end: number; events: number }[] = []
const origWrite = eng.core.commit.write.bind(eng.core.commit)
eng.core.commit.write = async (work: any, pos: any) => { const w = { start: performance.now(), end: 0, events: work.eventCount }; try { return await origWrite(work, pos) } finally { w.end = performance.now(); writes.push(w) } }
const rests: number[] = []
const origP2 = eng.events.process
eng.events.process = async (b: any) => { const r = await origP2(b); rests.push(r?.length ?? 0); return r }
const calls: { at: number; behind: number }[] = []
const origFDT = eng.fireDueTimers.bind(eng)
eng.fireDueTimers = (p: any) => { calls.push({ at: performance.now(), behind: running ? performance.now() - running.start : -1 }); return origFDT(p) }
interface Firing { call: number; behind: number; start: number; end: number; due: { id: string; dueAt: number }[] }
const firings: Firing[] = []
let current: Firing | undefined
const origFire = eng.timers.fireDue.bind(eng.timers)
eng.timers.fireDue = async (p: any) => {
  const call = calls.shift() ?? { at: Number.NaN, behind: -1 }
  const f: Firing = { call: call.at, behind: call.behind, start: performance.now(), end: 0, due: [] }
  current = f
  try { return await origFire(p) } finally { f.end = performance.now(); current = undefined; if (f.due.length) firings.push(f) }
}
const ops: any = app.ops
const origDue = ops.engine.dueTimers.bind(ops.engine)
ops.engine.dueTimers = async (...a: any[]) => { const r = await origDue(...a); if (current) for (const t of r) current.due.push({ id: t.customerId, dueAt: t.dueAt - offset() }); return r }
// load
const child = fork(join(ROOT, 'bench/loadGenerator.ts'), { execArgv: ['--import', 'tsx'], env: { ...process.env, BENCH_LOAD_URL: url, BENCH_LOAD_RATE: String(RATE), BENCH_LOAD_WRITE_KEY: WRITE_KEY }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
await new Promise((r) => child.once('message', r))
await new Promise((r) => setTimeout(r, 3000))
const post = (messages: unknown[]) => fetch(`${url}/v1/batch`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}` }, body: JSON.stringify({ batch: messages }) })
const until = async (c: () => boolean) => { const d = performance.now() + 30000; while (!c()) { if (performance.now() > d) return false; await new Promise((r) => setTimeout(r, 1)) } return true }
const rows: number[][] = []
const stepsFrom = steps.length
const processed0 = app.engine.stats.events
const t0 = performance.now()
for (let i = 0; i < TIMERS; i++) {
  const userId = `tim-${i}`; const email = `${userId}@bench.test`
  const dueWall = Date.now() + 1500 + Math.random() * 500
  await post([{ type: 'identify', messageId: `${userId}-id`, userId, traits: { email }, timestamp: new Date().toISOString() },
    { type: 'track', messageId: `${userId}-co`, userId, event: 'Checkout Started', properties: { checkout_id: `c-${userId}`, value: 30 }, timestamp: new Date(dueWall - 3_600_000).toISOString() }])
  if (!(await until(() => arrived.has(email)))) { console.log('lost', userId); continue }
  const f = firings.find((x) => x.due.some((d) => d.id === userId))
  const due = f?.due.find((d) => d.id === userId)?.dueAt ?? Number.NaN
  const a = arrived.get(email) as number
  rows.push([a - due, (f?.call ?? NaN) - due, (f?.start ?? NaN) - (f?.call ?? NaN), (f?.end ?? NaN) - (f?.start ?? NaN), a - (f?.end ?? NaN), f?.behind ?? NaN])
}
const seconds = (performance.now() - t0) / 1000
const processed = app.engine.stats.events - processed0
const pct = (v: number[], q: number) => { const s = [...v].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN }
const cols = ['late(arrival−due)', 'wake(call−due)', 'queue(start−call)', 'firing step', 'dispatch(arrival−end)', 'step running at call (elapsed)']
console.log(`ROOT ${ROOT} · load avg ${os.loadavg().map((l) => l.toFixed(2)).join(' / ')} · engine ${Math.round(processed / seconds)} events/s`)
for (const [k, name] of cols.entries()) { const v = rows.map((r) => r[k] as number).filter((x) => !Number.isNaN(x)); console.log(`  ${name.padEnd(32)} p50 ${pct(v, 0.5).toFixed(1).padStart(6)} · p90 ${pct(v, 0.9).toFixed(1).padStart(6)} · max ${pct(v, 1).toFixed(1).padStart(6)} (n=${v.length})`) }
const st = steps.slice(stepsFrom)
console.log(`  event steps: n=${st.length} wall p50 ${pct(st.map((s) => s.end - s.start), 0.5).toFixed(1)} p90 ${pct(st.map((s) => s.end - s.start), 0.9).toFixed(1)} max ${pct(st.map((s) => s.end - s.start), 1).toFixed(1)} ms · records p50 ${pct(st.map((s) => s.records), 0.5)} · cpu p50 ${pct(st.map((s) => s.cpu), 0.5).toFixed(1)} ms`)
const ew = writes.filter((w) => w.events > 0)
console.log(`  event writes: n=${ew.length} wall p50 ${pct(ew.map((w) => w.end - w.start), 0.5).toFixed(1)} p90 ${pct(ew.map((w) => w.end - w.start), 0.9).toFixed(1)} ms · events p50 ${pct(ew.map((w) => w.events), 0.5)} · ms/event p50 ${pct(ew.map((w) => (w.end - w.start) / w.events), 0.5).toFixed(3)} · steps that gave way ${rests.filter((n) => n > 0).length}/${rests.length}`)
if (process.env['ROWS']) for (const r of rows) console.log('   ', r.map((x) => x.toFixed(1)).join('\t'))
child.send({ kind: 'stop' })
await new Promise((r) => setTimeout(r, 200))
await app.stop(); await new Promise((r) => server.close(() => r(undefined)))
try { rmSync(dir, { recursive: true, force: true, maxRetries: 10 }) } catch {}
process.exit(0)
