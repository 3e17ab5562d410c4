// What a process holds, by part: V8 (heap, external, array buffers), PGlite's WebAssembly memory
// (its reserved size and the part of it that is resident), glibc malloc (the main heap and the
// per-thread arenas), chDB's own accounting, file-backed pages (code), and the rest.
import { readFileSync } from 'node:fs'
import { getHeapStatistics } from 'node:v8'

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
  /** V8 heap pages resident (its heap total is what it reserved). */
  heapResident: number
  /** glibc malloc: the main thread's heap ([heap]) and the other threads' 64 MiB arenas, resident. */
  mallocMain: number
  mallocArenas: number
  /** File-backed resident memory: code and read-only data of node, libchdb.so and the rest. */
  fileBacked: number
  /** chDB's own accounting of what it allocated (MemoryTracking), and its caches within it. */
  chdbTracked: number
  chdbCaches: number
}

export interface ChdbMemory {
  tracked: number
  caches: number
}

const MiB = 2 ** 20
const ARENA = 64 * MiB

interface Mapping {
  start: number
  size: number
  perms: string
  path: string
  rss: number
}

function mappings(): Mapping[] {
  const out: Mapping[] = []
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line)
    if (head) {
      const start = parseInt(head[1] as string, 16)
      out.push({ start, size: parseInt(head[2] as string, 16) - start, perms: head[3] as string, path: head[4] ?? '', rss: 0 })
    } else if (line.startsWith('Rss:')) (out.at(-1) as Mapping).rss = Number(line.split(/\s+/)[1]) * 1024
  }
  return out
}

/** Resident parts of the mappings that are not V8's: PGlite's memory and glibc's heaps. */
function nativeParts(wasmBytes: number): { wasmResident: number; mallocMain: number; mallocArenas: number } {
  let wasmResident = 0
  let mallocMain = 0
  let mallocArenas = 0
  const maps = mappings()
  for (const [i, m] of maps.entries()) {
    if (m.path === '[heap]') mallocMain += m.rss
    if (m.path !== '' || !m.perms.startsWith('rw')) continue
    if (wasmBytes > 0 && m.size === wasmBytes) wasmResident = Math.max(wasmResident, m.rss)
    else if (m.start % ARENA === 0) {
      // A thread arena: 64 MiB reserved at a 64 MiB boundary, the unused tail mapped without access.
      const tail = maps[i + 1]
      const reserved = m.size + (tail && tail.path === '' && tail.perms.startsWith('---') && tail.start === m.start + m.size ? tail.size : 0)
      if (reserved === ARENA) mallocArenas += m.rss
    }
  }
  return { wasmResident, mallocMain, mallocArenas }
}

export function memoryFigures(wasmBytes = 0, chdb: ChdbMemory = { tracked: 0, caches: 0 }): MemoryFigures {
  const m = process.memoryUsage()
  const rollup = readFileSync('/proc/self/smaps_rollup', 'utf8')
  const kB = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(rollup)?.[1] ?? 0) * 1024
  const anonymous = kB('Anonymous')
  return {
    rss: m.rss,
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    anonymous,
    wasmReserved: wasmBytes,
    ...nativeParts(wasmBytes),
    heapResident: getHeapStatistics().total_physical_size,
    fileBacked: kB('Rss') - anonymous,
    chdbTracked: chdb.tracked,
    chdbCaches: chdb.caches,
  }
}

/** Anonymous memory no measured part explains: V8's code and page pools, chDB's allocator beyond what it tracks, thread stacks. */
export function unexplained(f: MemoryFigures): number {
  return f.anonymous - f.heapResident - f.wasmResident - f.mallocMain - f.mallocArenas - f.chdbTracked
}

const mb = (n: number) => `${(n / MiB).toFixed(0).padStart(5)} MiB`

/** One line: RSS and its parts. */
export function describe(f: MemoryFigures): string {
  const wasm = f.wasmReserved ? ` · PGlite WASM ${mb(f.wasmResident).trim()} resident of ${mb(f.wasmReserved).trim()}` : ''
  const chdb = f.chdbTracked ? ` · chDB ${mb(f.chdbTracked).trim()} (caches ${mb(f.chdbCaches).trim()})` : ''
  const malloc = ` · malloc ${mb(f.mallocMain).trim()} main + ${mb(f.mallocArenas).trim()} thread arenas`
  return `RSS ${mb(f.rss)} · V8 heap ${mb(f.heapUsed).trim()} used of ${mb(f.heapTotal).trim()} (${mb(f.heapResident).trim()} resident) · external ${mb(f.external).trim()} (array buffers ${mb(f.arrayBuffers).trim()})${wasm}${chdb}${malloc} · files ${mb(f.fileBacked).trim()} · other anonymous ${mb(unexplained(f)).trim()}`
}
