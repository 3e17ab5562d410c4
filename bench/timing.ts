// Timing helpers: process.hrtime.bigint and process.cpuUsage, warm-ups, repetitions, medians.
// Every timed body returns a number that is folded into a global sink, so the JIT cannot drop the
// work. Before each timed repetition (untimed) a minor GC empties the young generation, so one
// repetition's garbage is not collected on the next one's clock. CPU time (user + system, all of
// the process's threads) leaves out time spent waiting for a CPU, so on a shared machine it moves
// far less than wall time; ratios are taken from it.
import v8 from 'node:v8'
import vm from 'node:vm'

v8.setFlagsFromString('--expose-gc')
const collect = vm.runInNewContext('gc') as (options?: { type: 'minor' | 'major' }) => void
const minorGc = (): void => collect({ type: 'minor' })

export interface Measured {
  /** Median ns per event over the timed repetitions (wall time). */
  ns: number
  min: number
  max: number
  /** Median CPU ns per event over the same repetitions. */
  cpu: number
  reps: number
  /** What the body returned on its last repetition (match counts …). */
  result: number
  /** interleaved() only: per round, the median CPU ns per event of that round's repetitions. */
  cpuByRound: number[]
}

let sink = 0
export const sinkValue = (): number => sink

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

function summarise(samples: number[], cpu: number[], result: number): Measured {
  return { ns: median(samples), min: Math.min(...samples), max: Math.max(...samples), cpu: median(cpu), reps: samples.length, result, cpuByRound: [] }
}

/** A started clock: minor GC first, then wall and CPU time from now. */
function startClock(): { cpu0: NodeJS.CpuUsage; t0: bigint } {
  minorGc()
  return { cpu0: process.cpuUsage(), t0: process.hrtime.bigint() }
}

/** Wall and CPU ns per event since `start`. */
function stopClock(start: { cpu0: NodeJS.CpuUsage; t0: bigint }, events: number): { wall: number; cpu: number } {
  const wall = Number(process.hrtime.bigint() - start.t0) / events
  const used = process.cpuUsage(start.cpu0)
  return { wall, cpu: ((used.user + used.system) * 1_000) / events }
}

export interface SyncTask {
  name: string
  events: number
  /** Untimed set-up before each run (fresh state …). */
  prepare?: () => void
  run: () => number
}

/**
 * Runs the tasks round-robin (warm-ups, then timed repetitions), so every task is timed in the
 * same JIT state: what one task teaches the optimiser cannot favour another run before it.
 */
export function roundRobin(tasks: readonly SyncTask[], warmups: number, reps: number): Map<string, Measured> {
  for (let w = 0; w < warmups; w++) {
    for (const t of tasks) {
      t.prepare?.()
      sink ^= t.run()
    }
  }
  const samples = new Map<string, number[]>(tasks.map((t) => [t.name, []]))
  const cpu = new Map<string, number[]>(tasks.map((t) => [t.name, []]))
  const results = new Map<string, number>()
  for (let r = 0; r < reps; r++) {
    for (const t of tasks) {
      t.prepare?.()
      const start = startClock()
      const result = t.run()
      const rep = stopClock(start, t.events)
      sink ^= result
      results.set(t.name, result)
      ;(samples.get(t.name) as number[]).push(rep.wall)
      ;(cpu.get(t.name) as number[]).push(rep.cpu)
    }
  }
  return new Map(tasks.map((t) => [t.name, summarise(samples.get(t.name) as number[], cpu.get(t.name) as number[], results.get(t.name) ?? 0)]))
}

export interface AsyncTask {
  name: string
  events: number
  /** Timed repetitions of this task in each round. */
  perRound: number
  run: () => Promise<number> | number
}

/**
 * Rounds of every task in turn (each `perRound` times), after `warmups` untimed rounds: a slow
 * task and a fast one compared this way see the same machine load, rather than one of them
 * running while another process happens to be busy.
 */
export async function interleaved(tasks: readonly AsyncTask[], warmups: number, rounds: number): Promise<Map<string, Measured>> {
  for (let w = 0; w < warmups; w++) for (const t of tasks) sink ^= await t.run()
  const wall = new Map<string, number[]>(tasks.map((t) => [t.name, []]))
  const cpu = new Map<string, number[]>(tasks.map((t) => [t.name, []]))
  const results = new Map<string, number>()
  const byRound = new Map<string, number[]>(tasks.map((t) => [t.name, []]))
  for (let r = 0; r < rounds; r++) {
    for (const t of tasks) {
      const roundCpu: number[] = []
      for (let i = 0; i < t.perRound; i++) {
        const start = startClock()
        const result = await t.run()
        const rep = stopClock(start, t.events)
        ;(wall.get(t.name) as number[]).push(rep.wall)
        ;(cpu.get(t.name) as number[]).push(rep.cpu)
        roundCpu.push(rep.cpu)
        sink ^= result
        results.set(t.name, result)
      }
      ;(byRound.get(t.name) as number[]).push(median(roundCpu))
    }
  }
  return new Map(
    tasks.map((t) => [
      t.name,
      { ...summarise(wall.get(t.name) as number[], cpu.get(t.name) as number[], results.get(t.name) ?? 0), cpuByRound: byRound.get(t.name) as number[] },
    ]),
  )
}

// ---- formatting -------------------------------------------------------------------------------

export function fmtNs(ns: number): string {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`
  if (ns >= 1e4) return `${(ns / 1e3).toFixed(1)} µs`
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`
  return `${ns.toFixed(0)} ns`
}

export function fmtRate(nsPerEvent: number): string {
  const perSecond = 1e9 / nsPerEvent
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)} M ev/s`
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)} k ev/s`
  return `${perSecond.toFixed(0)} ev/s`
}

export const int = (n: number): string => n.toLocaleString('en-US')

export function table(headers: readonly string[], rows: readonly (readonly string[])[], align?: readonly ('l' | 'r')[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const cell = (text: string, i: number): string =>
    (align?.[i] ?? (i === 0 ? 'l' : 'r')) === 'l' ? text.padEnd(widths[i] as number) : text.padStart(widths[i] as number)
  const line = (cells: readonly string[]): string => `  ${cells.map((c, i) => cell(c, i)).join('  ')}`
  return [line(headers), `  ${widths.map((w) => '─'.repeat(w)).join('  ')}`, ...rows.map(line)].join('\n')
}

export function spread(m: Measured): string {
  return `${fmtNs(m.min)}–${fmtNs(m.max)}`
}
