// npm run bench (pipeline part) — the embedded engine end to end next to its in-memory pipeline,
// in one run: the same Segment messages (a) through decode → reducer → rules → decide in memory,
// (b) accepted by POST /v1/batch of a running embedded engine (PGlite + chDB), (c) processed by it
// until every event is in the stores; then, on a fresh engine, (d) ingest alone with the engine
// stopped (the event log's own rate) and (e) the engine draining that backlog. (b)–(e) run twice,
// side by side: the baseline engine never gives way to ingest requests in flight (it only yields a
// turn of the event loop), the current one waits for them at its turns (IngestPressure).
// The HTTP client runs in its own thread (bench/pipelineSender.mjs), as shops send from elsewhere;
// process CPU figures include it. Prints figures; asserts nothing. BENCH_PIPELINE_PROFILE / BENCH_PIPELINE_DRAIN_PROFILE=file.cpuprofile
// write a CPU profile of the current engine's (b)+(c) / (e); BENCH_PIPELINE_STAGES=1 prints where
// each drain's wall time went (bench/pipelineStages.ts).
// Last, the floor of end to end (bench/pipelineFloor.ts); BENCH_PIPELINE_FLOOR_ONLY=1 prints only it.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { pino } from 'pino'
import { Careloop } from '../src/app.ts'
import { SpooledHistoryStore } from '../src/store/spool/SpooledHistoryStore.ts'
import { GUARD_POLICY_SETTING } from '../src/channels/guards/index.ts'
import { DEFAULT_EVENT_BATCH, loadConfig } from '../src/config.ts'
import { RuleSet, compileRule, decide, starterRules, type EvalContext, type Moment } from '../src/rules/index.ts'
import { nextTurn } from '../src/stream/ingest/IngestPressure.ts'
import { createMoney } from '../src/lib/money.ts'
import type { CustomerState } from '../src/model/customer.ts'
import { startCpuProfile } from './cpuProfile.ts'
import { applyMessage, floorReport, measureFloor } from './pipelineFloor.ts'
import { embeddedReport, instrumentEmbedded, StageClock } from './pipelineStages.ts'
import { shopMessages } from './shop.ts'

const EVENTS = Number(process.env['BENCH_PIPELINE_EVENTS'] ?? 60_000)
const SHOPPERS = Math.max(1, Math.floor(EVENTS / 2))
const BATCH = 500
const CONCURRENCY = 4
const WRITE_KEY = 'bench-write-key'
const GOAL_END_TO_END = 30_000
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
    const applied = applyMessage(states, JSON.parse(text))
    if (applied === undefined) continue
    const { event, state } = applied
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

const t = performance.now()
inMemory(json)
const memoryMs = performance.now() - t

const auth = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`

async function openEngine(eventBatch: number, ingestFirst: boolean): Promise<{ app: Careloop; url: string; close: () => Promise<void> }> {
  const dir = mkdtempSync(join(os.tmpdir(), 'careloop-bench-pipeline-'))
  const config = { ...loadConfig({ CARELOOP_HISTORY_SPOOL: process.env['CARELOOP_HISTORY_SPOOL'] }), port: 0, host: '127.0.0.1', dataDir: dir, writeKey: WRITE_KEY, apiKeys: 'bench-admin:admin:bench', ingestLimits: { ratePerSecond: 1e9, burst: 1e9, maxInFlight: 1_000 }, eventBatch }
  const app = await Careloop.open({ config, logger: pino({ level: 'silent' }) })
  // The baseline: a turn of the event loop between slices, without waiting for requests in flight.
  if (!ingestFirst && app.embedded) Object.assign(app.embedded.pressure, { turn: nextTurn })
  await app.ops.settings.put(GUARD_POLICY_SETTING, { quietHours: null })
  const url = await app.listen()
  return { app, url, close: async () => {
    await app.stop()
    rmSync(dir, { recursive: true, force: true })
  } }
}

const bodies: string[] = []
for (let i = 0; i < all.length; i += BATCH) bodies.push(JSON.stringify({ batch: all.slice(i, i + BATCH) }))

/**
 * A sender thread with every request body ready (bench/pipelineSender.mjs): shops send from other
 * machines, so the client must not queue behind the engine on its thread. `send` posts them all by
 * /v1/batch, CONCURRENCY requests in flight, and returns the refused count.
 */
async function sender(url: string): Promise<{ send: () => Promise<number> }> {
  const worker = new Worker(new URL('./pipelineSender.mjs', import.meta.url), { workerData: { url, auth, bodies, concurrency: CONCURRENCY } })
  await new Promise((resolve) => worker.once('message', resolve))
  return {
    send: async () => {
      const refused = new Promise<number>((resolve) => worker.once('message', resolve))
      worker.postMessage('go')
      const n = await refused
      await worker.terminate()
      return n
    },
  }
}

const processed = async (app: Careloop): Promise<void> => {
  while (app.engine.stats.events + app.engine.stats.duplicates < EVENTS) await new Promise((r) => setTimeout(r, 20))
  // With the history spool, "in both stores" is when chDB holds the history too.
  if (app.history instanceof SpooledHistoryStore) await app.history.flush()
}

interface Figures {
  acceptMs: number
  refused: number
  endToEndMs: number
  endToEndCpu: NodeJS.CpuUsage
  aloneMs: number
  refusedAlone: number
  aloneCpu: NodeJS.CpuUsage
  drainMs: number
  drainCpu: NodeJS.CpuUsage
  drainSteps: string | undefined
  rss: number
}

/** (b)+(c) on one engine, then (d)+(e) on a fresh one, with the engine taking at most `eventBatch` log records a step. */
async function measure(eventBatch: number, ingestFirst: boolean, profile: { endToEnd?: string; drain?: string }): Promise<Figures> {
  const running = await openEngine(eventBatch, ingestFirst)
  const { app, url } = running
  const client = await sender(url)
  await app.start()
  const stopEndToEnd = await startCpuProfile(profile.endToEnd)
  let cpu = process.cpuUsage()
  let t = performance.now()
  const refused = await client.send()
  const acceptMs = performance.now() - t
  await processed(app)
  const endToEndMs = performance.now() - t
  const endToEndCpu = process.cpuUsage(cpu)
  await stopEndToEnd()
  const rss = process.memoryUsage().rss
  await running.close()

  const backlog = await openEngine(eventBatch, ingestFirst)
  const backlogClient = await sender(backlog.url)
  cpu = process.cpuUsage()
  t = performance.now()
  const refusedAlone = await backlogClient.send()
  const aloneMs = performance.now() - t
  const aloneCpu = process.cpuUsage(cpu)
  const stages = process.env['BENCH_PIPELINE_STAGES'] ? new StageClock() : undefined
  if (stages) instrumentEmbedded(backlog.app, stages)
  const stopDrain = await startCpuProfile(profile.drain)
  stages?.begin()
  cpu = process.cpuUsage()
  t = performance.now()
  await backlog.app.start()
  await processed(backlog.app)
  const drainMs = performance.now() - t
  const drainCpu = process.cpuUsage(cpu)
  await stopDrain()
  await backlog.close()
  return { acceptMs, refused, endToEndMs, endToEndCpu, aloneMs, refusedAlone, aloneCpu, drainMs, drainCpu, drainSteps: stages ? embeddedReport(stages, drainMs, EVENTS) : undefined, rss }
}

const eventBatch = loadConfig(process.env).eventBatch ?? DEFAULT_EVENT_BATCH
if (process.env['BENCH_PIPELINE_FLOOR_ONLY']) {
  for (const line of floorReport(await measureFloor(all, eventBatch, BATCH, () => inMemory(json)), GOAL_END_TO_END)) log(line)
  process.exit(0)
}
const baseline = await measure(eventBatch, false, { endToEnd: process.env['BENCH_PIPELINE_BASELINE_PROFILE'] })
const current = await measure(eventBatch, true, { endToEnd: process.env['BENCH_PIPELINE_PROFILE'], drain: process.env['BENCH_PIPELINE_DRAIN_PROFILE'] })

const column = (text: string) => text.padEnd(44)
const refusedNote = (n: number) => (n ? ` (${n} requests refused)` : '')
const row = (name: string, figure: (f: Figures) => string) => log(`${name.padEnd(58)} ${column(figure(baseline))} ${figure(current)}`)
log('')
log(`in-memory pipeline (decode → reducer → rules → decide)     ${rate(EVENTS, memoryMs)}`)
log('')
log(`steps of ≤ ${eventBatch.toLocaleString('en-US')} records`)
log(`${''.padEnd(58)} ${column('baseline: engine does not give way')} current: engine gives way to ingest in flight`)
row('/v1/batch accept, engine running', (f) => `${rate(EVENTS, f.acceptMs)}${refusedNote(f.refused)}`)
row('end to end (accepted → in both stores)', (f) => `${rate(EVENTS, f.endToEndMs)}; ${cpuPerEvent(f.endToEndCpu)}`)
row('  in-memory pipeline share of that time', (f) => `${((100 * memoryMs) / f.endToEndMs).toFixed(0)} %`)
row('/v1/batch accept, engine stopped (the log alone)', (f) => `${rate(EVENTS, f.aloneMs)}${refusedNote(f.refusedAlone)}; ${cpuPerEvent(f.aloneCpu)}`)
row('engine draining that backlog (log → both stores)', (f) => `${rate(EVENTS, f.drainMs)}; ${cpuPerEvent(f.drainCpu)}`)
row('RSS after end to end', (f) => `${(f.rss / 2 ** 20).toFixed(0)} MiB`)
for (const [name, f] of [['baseline', baseline], ['current', current]] as const) if (f.drainSteps) log(`\n${name}: ${f.drainSteps}`)
log('')
for (const line of floorReport(await measureFloor(all, eventBatch, BATCH, () => inMemory(json)), GOAL_END_TO_END)) log(line)
log(`load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' / ')}`)
log(`goals: accept ≥ 50k events/s → ${(EVENTS / current.acceptMs) * 1000 >= 50_000 ? 'MET' : 'NOT MET'}; end to end ≥ 30k events/s → ${(EVENTS / current.endToEndMs) * 1000 >= GOAL_END_TO_END ? 'MET' : 'NOT MET'}`)
process.exit(0)
