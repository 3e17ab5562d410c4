// What a process holds, by part: V8 (heap, external, array buffers), PGlite's WebAssembly memory
// (its reserved size and the part of it that is resident), and the rest (native: chDB, Node, code).
import { readFileSync } from 'node:fs'

export interface MemoryFigures {
  rss: number
  heapUsed: number
  heapTotal: number
  external: number
  arrayBuffers: number
  /** Anonymous (not file-backed) resident memory, from /proc/self/smaps_rollup. */
  anonymous: number
  /** PGlite's WebAssembly memory: reserved / resident (0 when none is open). */
  wasmReserved: number
  wasmResident: number
}

const MiB = 2 ** 20

/** Resident bytes of the anonymous mapping whose size is exactly `bytes` (a WebAssembly memory). */
function residentOfMapping(bytes: number): number {
  if (bytes === 0) return 0
  let resident = 0
  let sizeMatches = false
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    if (line.startsWith('Size:')) sizeMatches = Number(line.split(/\s+/)[1]) * 1024 === bytes
    else if (sizeMatches && line.startsWith('Rss:')) {
      resident = Math.max(resident, Number(line.split(/\s+/)[1]) * 1024)
      sizeMatches = false
    }
  }
  return resident
}

export function memoryFigures(wasmBytes = 0): MemoryFigures {
  const m = process.memoryUsage()
  const rollup = readFileSync('/proc/self/smaps_rollup', 'utf8')
  const anonymous = Number(/^Anonymous:\s+(\d+)/m.exec(rollup)?.[1] ?? 0) * 1024
  return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, anonymous, wasmReserved: wasmBytes, wasmResident: residentOfMapping(wasmBytes) }
}

const mb = (n: number) => `${(n / MiB).toFixed(0).padStart(5)} MiB`

/** One line: RSS and its parts. */
export function describe(f: MemoryFigures): string {
  const wasm = f.wasmReserved ? ` · PGlite WASM ${mb(f.wasmResident).trim()} resident of ${mb(f.wasmReserved).trim()}` : ''
  return `RSS ${mb(f.rss)} · V8 heap ${mb(f.heapUsed).trim()} used of ${mb(f.heapTotal).trim()} · external ${mb(f.external).trim()} (array buffers ${mb(f.arrayBuffers).trim()})${wasm}`
}
