// Part of bench/memory.bench.ts (also runs alone: node --expose-gc --import tsx bench/memoryStateCache.ts):
// the engine's state cache on a hot path, states hit again and again as in Kafka mode. The Kafka
// bench's shop (bench/shop.ts: 100,000 events over 20,000 shoppers) in steps of 1,000 events, each
// step as the engine takes it: touch the step's shoppers, read the missing ones, apply the events
// (the reducer), serialize each touched state as the store write does, trim. A miss is read from a
// map of stored JSON here (parse only): in the engine it is also a SELECT. Rounds alternate the
// variants; CPU per event is this process's (GC threads included), the heap after a full GC.
import { emptyCustomerState, reviveState, type CustomerState } from '../src/model/customer.ts'
import type { ShopEvent } from '../src/model/event.ts'
import { LEAN_STATE_CACHE_HOT, LEAN_STATE_CACHE_MIB } from '../src/config.ts'
import { decodeMessage } from '../src/stream/decode.ts'
import { StateCache, type StateCacheBounds } from '../src/stream/engine/StateCache.ts'
import { alreadyApplied, applyEvent } from '../src/stream/state/reducer.ts'
import os from 'node:os'
import { shopMessages } from './shop.ts'

const EVENTS = Number(process.env['BENCH_CACHE_EVENTS'] ?? 100_000)
const SHOPPERS = Number(process.env['BENCH_CACHE_SHOPPERS'] ?? 20_000)
const STEP = Number(process.env['BENCH_CACHE_STEP'] ?? 1_000)
const ROUNDS = Number(process.env['BENCH_CACHE_ROUNDS'] ?? 3)
const MiB = 2 ** 20
const gc = (globalThis as { gc?: () => void }).gc

const variants: [string, StateCacheBounds][] = [
  ['20,000 states, all objects (defaults)', { maxStates: 20_000 }],
  [`${LEAN_STATE_CACHE_HOT.toLocaleString('en-US')} objects + ${LEAN_STATE_CACHE_MIB} MiB serialized (the lean cache)`, { hot: LEAN_STATE_CACHE_HOT, maxBytes: LEAN_STATE_CACHE_MIB * MiB }],
  ...(process.env['BENCH_CACHE_HOT'] ? [[`${process.env['BENCH_CACHE_HOT']} objects + ${LEAN_STATE_CACHE_MIB} MiB serialized`, { hot: Number(process.env['BENCH_CACHE_HOT']), maxBytes: LEAN_STATE_CACHE_MIB * MiB }] as [string, StateCacheBounds]] : []),
]

const events: ShopEvent[] = []
for (const m of shopMessages(EVENTS, SHOPPERS)) {
  const d = decodeMessage(m, Date.now())
  if (d.ok) events.push(d.event)
}

interface Run {
  cpuMicros: number
  misses: number
  heldStates: number
  heapBytes: number
}

function run(bounds: StateCacheBounds): Run {
  gc?.()
  const heapBefore = process.memoryUsage().heapUsed
  const cache = new StateCache(bounds)
  const stored = new Map<string, string>()
  let misses = 0
  const began = process.cpuUsage()
  for (let start = 0; start < events.length; start += STEP) {
    const step = events.slice(start, start + STEP)
    for (const id of new Set(step.map((e) => e.customerId))) {
      if (cache.touch(id)) continue
      misses++
      const json = stored.get(id)
      cache.set(id, json === undefined ? emptyCustomerState(id) : reviveState(JSON.parse(json), id))
    }
    const touched = new Map<string, CustomerState>()
    for (const event of step) {
      const state = cache.get(event.customerId) as CustomerState
      if (alreadyApplied(state, event.messageId)) continue
      applyEvent(state, event)
      touched.set(event.customerId, state)
    }
    for (const [id, state] of touched) stored.set(id, JSON.stringify(state))
    cache.trim()
  }
  const cpu = process.cpuUsage(began)
  stored.clear()
  gc?.()
  return { cpuMicros: cpu.user + cpu.system, misses, heldStates: cache.size, heapBytes: process.memoryUsage().heapUsed - heapBefore }
}

console.log(`\nstate cache on a hot path (bench/memoryStateCache.ts): ${events.length.toLocaleString('en-US')} events over ${SHOPPERS.toLocaleString('en-US')} shoppers in steps of ${STEP.toLocaleString('en-US')}, ${ROUNDS} rounds alternating · load average ${os.loadavg().map((l) => l.toFixed(2)).join(' / ')}`)
const results = variants.map(() => [] as Run[])
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? variants.map((_, i) => i) : variants.map((_, i) => variants.length - 1 - i)
  for (const i of order) (results[i] as Run[]).push(run((variants[i] as [string, StateCacheBounds])[1]))
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number
for (const [i, [name]] of variants.entries()) {
  const runs = results[i] as Run[]
  const last = runs.at(-1) as Run
  console.log(`  ${name}: CPU ${(median(runs.map((r) => r.cpuMicros)) / events.length).toFixed(1)} µs/event (rounds: ${runs.map((r) => (r.cpuMicros / events.length).toFixed(1)).join(', ')}) · store reads ${(last.misses / events.length).toFixed(3)}/event · ${last.heldStates.toLocaleString('en-US')} states held, heap ${(last.heapBytes / MiB).toFixed(1)} MiB after a full GC`)
}
console.log(`  load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' / ')}`)
