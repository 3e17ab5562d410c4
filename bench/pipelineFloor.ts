// The floor of the embedded engine end to end on this machine: what the invariants make it do for
// each event at the least, every part measured alone on the same messages, as CPU time of node's
// main thread (where HTTP, the engine and PGlite all run):
//   ingest      JSON.parse of /v1/batch bodies, the shared decoder, the event log append (fdatasync per group)
//   pipeline    decode → reducer → rules → decide in memory (its own CPU time here)
//   state rows  one customer_state row per shopper a step touched, with the position, in one
//               transaction: the engine's own commit given nothing else to write — the cheapest
//               durable PGlite write that keeps "state and position move together"
//   history     the events' rows appended to chDB (its own threads work besides: counted in "all threads")
// The sum is the least main-thread time one event costs, so 1e6 / sum is the highest end-to-end
// rate one thread allows. Everything else the engine writes (timers, outbox, reads) comes on top.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { openStores } from '../src/stores.ts'
import { loadConfig } from '../src/config.ts'
import { emptyCustomerState, type CustomerState } from '../src/model/customer.ts'
import { eventRowOf } from '../src/store/history/rows.ts'
import { decodeMessage } from '../src/stream/decode.ts'
import { admit } from '../src/stream/ingest/admit.ts'
import { EmbeddedIngestSink } from '../src/stream/ingest/IngestSink.ts'
import { EMBEDDED_PARTITION, EMBEDDED_SOURCE } from '../src/stream/source/EmbeddedLogSource.ts'
import { alreadyApplied, applyEvent, defaultRetention } from '../src/stream/state/reducer.ts'
import type { ShopEvent } from '../src/model/event.ts'

const TICK_MS = 10 // USER_HZ 100

/** CPU time of this process's main thread (ms, 10 ms resolution): /proc/self/task/<pid>/stat. */
export function mainThreadCpuMs(): number {
  const text = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8')
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS
}

/** CPU ms of the main thread and of every thread (chDB's own threads, the thread pool's fdatasync) while `run` runs. */
async function cpu(run: () => Promise<unknown> | unknown): Promise<{ main: number; all: number }> {
  const before = mainThreadCpuMs()
  const all = process.cpuUsage()
  await run()
  const used = process.cpuUsage(all)
  return { main: mainThreadCpuMs() - before, all: (used.user + used.system) / 1000 }
}

/** Decodes a message and applies it to its shopper's state in `states`; undefined if invalid or already applied. */
export function applyMessage(states: Map<string, CustomerState>, message: unknown, newState = emptyCustomerState): { event: ShopEvent; state: CustomerState } | undefined {
  const decoded = decodeMessage(message, 0)
  if (!decoded.ok) return undefined
  const event = decoded.event
  let state = states.get(event.customerId)
  if (state === undefined) states.set(event.customerId, (state = newState(event.customerId)))
  if (alreadyApplied(state, event.messageId)) return undefined
  applyEvent(state, event, defaultRetention)
  return { event, state }
}

/** A state whose input-keyed maps are plain objects (V8's fast properties): only to compare JSON.stringify with the live, null-prototype ones. */
function plainMapState(customerId: string): CustomerState {
  return { customerId, traits: {}, orders: {}, checkouts: {}, counts: {}, recent: [], firings: {}, timers: {}, seen: [], version: 0, updatedAt: 0 }
}

/** CPU µs per state of JSON.stringify over the states the messages leave, as the reducer builds them and with plain-object maps (best of 3, alternating). */
function stringifyCost(messages: readonly Record<string, unknown>[], live: readonly CustomerState[]): { live: number; plainMaps: number } {
  const plainStates = new Map<string, CustomerState>()
  for (const message of messages) applyMessage(plainStates, message, plainMapState)
  const plain = [...plainStates.values()]
  const perState = (states: readonly CustomerState[]) => {
    const start = process.cpuUsage()
    for (const state of states) JSON.stringify(state)
    const used = process.cpuUsage(start)
    return (used.user + used.system) / states.length
  }
  let best = { live: Infinity, plainMaps: Infinity }
  for (let round = 0; round < 3; round++) best = { live: Math.min(best.live, perState(live)), plainMaps: Math.min(best.plainMaps, perState(plain)) }
  return best
}

export interface FloorPart {
  name: string
  /** Main-thread CPU µs per event. */
  perEvent: number
  /** CPU µs per event of all threads. */
  allThreads: number
  note?: string
}

/** Measures the parts on `messages` in steps of `stepEvents`; `pipeline` runs the in-memory pipeline over them. */
export async function measureFloor(messages: readonly Record<string, unknown>[], stepEvents: number, batch: number, pipeline: () => unknown): Promise<FloorPart[]> {
  const n = messages.length
  const dir = mkdtempSync(join(os.tmpdir(), 'careloop-bench-floor-'))
  const { ops, history } = await openStores({ ...loadConfig({}), dataDir: dir })
  try {
    const bodies: string[] = []
    for (let i = 0; i < n; i += batch) bodies.push(JSON.stringify({ batch: messages.slice(i, i + batch) }))
    const sink = new EmbeddedIngestSink(ops.log, EMBEDDED_PARTITION, () => {})
    let next = 0
    const ingest = await cpu(() =>
      Promise.all(
        Array.from({ length: 4 }, async () => {
          while (next < bodies.length) {
            const body = JSON.parse(bodies[next++] as string) as { batch: unknown[] }
            await admit(body.batch.map((message, i) => ({ message, prefix: `/batch/${i}` })), { sink, deadLetters: ops.deadLetters, receivedAt: Date.now(), source: 'http' })
          }
        }),
      ),
    )
    const inMemory = await cpu(pipeline)

    // The states each step leaves behind, built outside the measurement.
    const states = new Map<string, CustomerState>()
    const steps: Array<{ touched: CustomerState[]; events: ShopEvent[]; last: number }> = []
    for (let start = 0; start < n; start += stepEvents) {
      const touched = new Map<string, CustomerState>()
      const events: ShopEvent[] = []
      for (let i = start; i < Math.min(n, start + stepEvents); i++) {
        const applied = applyMessage(states, messages[i])
        if (applied === undefined) continue
        touched.set(applied.state.customerId, applied.state)
        events.push(applied.event)
      }
      steps.push({ touched: [...touched.values()], events, last: Math.min(n, start + stepEvents) })
    }
    const rows = steps.reduce((sum, s) => sum + s.touched.length, 0)
    // Serialised per step as the commit does; the states' JSON is measured with the write.
    const stateRows = await cpu(async () => {
      for (const step of steps) {
        await ops.engine.commit({
          source: EMBEDDED_SOURCE,
          positions: new Map([[EMBEDDED_PARTITION, step.last]]),
          states: step.touched.map((state) => ({ partition: EMBEDDED_PARTITION, state })),
          timers: [],
          outbox: [],
          tasks: [],
          deadLetters: [],
          now: Date.now(),
        })
      }
    })
    const serialise = stringifyCost(messages, [...states.values()])
    const historyRows = await cpu(async () => {
      for (const step of steps) await history.append({ events: step.events.map((e) => eventRowOf(e, Date.now())) })
    })
    const part = (name: string, used: { main: number; all: number }, note?: string): FloorPart => ({ name, perEvent: (1000 * used.main) / n, allThreads: (1000 * used.all) / n, ...(note ? { note } : {}) })
    return [
      part('ingest: JSON.parse, decode, log append', ingest, `/v1/batch bodies of ${batch}, 4 at once, without HTTP`),
      part('in-memory pipeline', inMemory),
      part('customer_state rows + position, one transaction a step', stateRows, `${(rows / n).toFixed(2)} rows/event, ${((1000 * stateRows.main) / rows).toFixed(0)} µs/row, steps of ${stepEvents.toLocaleString('en-US')}; JSON.stringify ${serialise.live.toFixed(1)} µs/state, ${serialise.plainMaps.toFixed(1)} with plain-object maps`),
      part('history rows to chDB', historyRows),
    ]
  } finally {
    await history.close()
    await ops.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The floor's lines: each part, the sum and the rate one thread allows, against the goal. */
export function floorReport(parts: readonly FloorPart[], goal: number): string[] {
  const sum = parts.reduce((s, p) => s + p.perEvent, 0)
  const all = parts.reduce((s, p) => s + p.allThreads, 0)
  const cpus = os.cpus().length
  const lines = parts.map((p) => `  ${p.name.padEnd(56)} ${p.perEvent.toFixed(1).padStart(6)} µs ${p.allThreads.toFixed(1).padStart(6)} µs${p.note ? `  (${p.note})` : ''}`)
  const oneThread = 1e6 / sum
  const machine = (cpus * 1e6) / all
  return [
    'the floor of end to end: CPU per event, each part measured alone; main thread (10 ms ticks), all threads',
    ...lines,
    `  ${'sum'.padEnd(56)} ${sum.toFixed(1).padStart(6)} µs ${all.toFixed(1).padStart(6)} µs`,
    `  → at most ${Math.round(oneThread).toLocaleString('en-US')} events/s on one thread (${(oneThread / goal).toFixed(2)}× the goal of ${goal.toLocaleString('en-US')}, which needs ≤ ${(1e6 / goal).toFixed(0)} µs), ${Math.round(machine).toLocaleString('en-US')} events/s if all ${cpus} CPUs did nothing else (${(machine / goal).toFixed(2)}×)`,
  ]
}
