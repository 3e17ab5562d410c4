// npm run bench (pipeline part) — the embedded engine end to end next to its in-memory pipeline,
// in one run: the same Segment messages (a) through decode → reducer → rules → decide in memory,
// (b) accepted by POST /v1/batch of a running embedded engine (PGlite + chDB), (c) processed by it
// until every event is in the stores; then, on a fresh engine, (d) ingest alone with the engine
// stopped (the event log's own rate) and (e) the engine draining that backlog. Prints figures;
// asserts nothing. BENCH_PIPELINE_PROFILE=file.cpuprofile writes a CPU profile of (b)+(c) only.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import os from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { Careloop } from '../src/app.ts'
import { GUARD_POLICY_SETTING } from '../src/channels/guards/index.ts'
import { loadConfig } from '../src/config.ts'
import { RuleSet, compileRule, decide, starterRules, type EvalContext, type Moment } from '../src/rules/index.ts'
import { decodeMessage } from '../src/stream/decode.ts'
import { alreadyApplied, applyEvent, defaultRetention } from '../src/stream/state/reducer.ts'
import { createMoney } from '../src/lib/money.ts'
import { emptyCustomerState, type CustomerState } from '../src/model/customer.ts'
import { shopMessages } from './shop.ts'

const EVENTS = Number(process.env['BENCH_PIPELINE_EVENTS'] ?? 60_000)
const SHOPPERS = Math.max(1, Math.floor(EVENTS / 2))
const BATCH = 500
const CONCURRENCY = 4
const WRITE_KEY = 'bench-write-key'
const log = (line = ''): void => console.log(line)

function inMemory(json: readonly string[]): number {
  const ruleSet = new RuleSet(starterRules.map((document) => {
    const compiled = compileRule({ document })
    if (!compiled.ok) throw new Error(`starter rule does not compile: ${JSON.stringify(compiled.errors)}`)
    return compiled.rule
  }))
  const money = createMoney('USD')
  const states = new Map<string, CustomerState>()
  let planned = 0
  for (const text of json) {
    const decoded = decodeMessage(JSON.parse(text), 0)
    if (!decoded.ok) continue
    const event = decoded.event
    let state = states.get(event.customerId)
    if (state === undefined) states.set(event.customerId, (state = emptyCustomerState(event.customerId)))
    if (alreadyApplied(state, event.messageId)) continue
    applyEvent(state, event, defaultRetention)
    const orderId = event.properties.order_id
    const order = typeof orderId === 'string' || typeof orderId === 'number' ? state.orders[String(orderId)] : undefined
    const ctx: EvalContext = { event, state, order, at: event.ts, money }
    planned += ruleSet.timerChanges(event, ctx).length
    for (const match of ruleSet.matchEvent(ctx)) {
      const moment: Moment = { rule: match.rule, customerId: state.customerId, trigger: { kind: 'event', id: event.messageId }, entity: match.entity, at: event.ts }
      planned += decide(moment, ctx, state.firings).planned.length
    }
  }
  return planned
}

/** CPU time of this process (every thread: PGlite, chDB, the HTTP client) per event: steadier than rates on a loaded machine. */
const cpuPerEvent = (usage: NodeJS.CpuUsage) => `${((usage.user + usage.system) / EVENTS).toFixed(0)} µs CPU/event`
const rate = (n: number, ms: number) => `${Math.round((n / ms) * 1000).toLocaleString('en-US')} events/s`

log('careloop pipeline benchmark (bench/pipeline.bench.ts)')
log(`node ${process.version} · ${os.cpus().length} logical CPUs · load average ${os.loadavg().map((l) => l.toFixed(2)).join(' / ')}`)
log(`${EVENTS.toLocaleString('en-US')} Segment messages over ${SHOPPERS.toLocaleString('en-US')} shoppers, starter rules; /v1/batch of ${BATCH}, ${CONCURRENCY} requests in flight`)
const all = shopMessages(EVENTS, SHOPPERS)
const json = all.map((m) => JSON.stringify(m))

let t = performance.now()
inMemory(json)
const memoryMs = performance.now() - t

const auth = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`

async function openEngine(): Promise<{ app: Careloop; url: string; close: () => Promise<void> }> {
  const dir = mkdtempSync(join(os.tmpdir(), 'careloop-bench-pipeline-'))
  const config = { ...loadConfig({}), port: 0, host: '127.0.0.1', dataDir: dir, writeKey: WRITE_KEY, apiKeys: 'bench-admin:admin:bench', ingestLimits: { ratePerSecond: 1e9, burst: 1e9, maxInFlight: 1_000 } }
  const app = await Careloop.open({ config, logger: pino({ level: 'silent' }) })
  await app.ops.settings.put(GUARD_POLICY_SETTING, { quietHours: null })
  const url = await app.listen()
  return { app, url, close: async () => {
    await app.stop()
    rmSync(dir, { recursive: true, force: true })
  } }
}

/** Sends every message by /v1/batch, CONCURRENCY requests in flight; returns the refused count. */
async function send(url: string): Promise<number> {
  let next = 0
  let refused = 0
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < all.length) {
        const batch = all.slice(next, (next += BATCH))
        const res = await fetch(`${url}/v1/batch`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: JSON.stringify({ batch }) })
        if (res.status !== 200) refused++
        await res.arrayBuffer()
      }
    }),
  )
  return refused
}

const processed = async (app: Careloop): Promise<void> => {
  while (app.engine.stats.events + app.engine.stats.duplicates < EVENTS) await new Promise((r) => setTimeout(r, 20))
}

const profilePath = process.env['BENCH_PIPELINE_PROFILE']
const profiler = profilePath ? new Session() : undefined
const running = await openEngine()
const { app, url } = running
await app.start()
if (profiler) {
  profiler.connect()
  await profiler.post('Profiler.enable')
  await profiler.post('Profiler.start')
}
let cpu = process.cpuUsage()
t = performance.now()
const refused = await send(url)
const acceptMs = performance.now() - t
await processed(app)
const endToEndMs = performance.now() - t
const endToEndCpu = process.cpuUsage(cpu)
if (profiler) writeFileSync(profilePath as string, JSON.stringify((await profiler.post('Profiler.stop')).profile))
const rss = process.memoryUsage().rss
await running.close()

const backlog = await openEngine()
cpu = process.cpuUsage()
t = performance.now()
const refusedAlone = await send(backlog.url)
const aloneMs = performance.now() - t
const aloneCpu = process.cpuUsage(cpu)
cpu = process.cpuUsage()
t = performance.now()
await backlog.app.start()
await processed(backlog.app)
const drainMs = performance.now() - t
const drainCpu = process.cpuUsage(cpu)
await backlog.close()

log('')
log(`in-memory pipeline (decode → reducer → rules → decide)   ${rate(EVENTS, memoryMs)}`)
log(`/v1/batch accept (durable in the event log)              ${rate(EVENTS, acceptMs)}${refused ? ` (${refused} requests refused)` : ''}`)
log(`embedded engine end to end (accepted → in both stores)   ${rate(EVENTS, endToEndMs)}  → ${((100 * memoryMs) / endToEndMs).toFixed(0)} % of the time is the in-memory pipeline; ${cpuPerEvent(endToEndCpu)}`)
log(`/v1/batch accept with the engine stopped (the log alone) ${rate(EVENTS, aloneMs)}${refusedAlone ? ` (${refusedAlone} requests refused)` : ''}; ${cpuPerEvent(aloneCpu)}`)
log(`engine draining that backlog (log → both stores)         ${rate(EVENTS, drainMs)}; ${cpuPerEvent(drainCpu)}`)
log(`RSS at the end: ${(rss / 2 ** 20).toFixed(0)} MiB`)
log(`goals: accept ≥ 50k events/s → ${(EVENTS / acceptMs) * 1000 >= 50_000 ? 'MET' : 'NOT MET'}; end to end ≥ 30k events/s → ${(EVENTS / endToEndMs) * 1000 >= 30_000 ? 'MET' : 'NOT MET'}`)
process.exit(0)
