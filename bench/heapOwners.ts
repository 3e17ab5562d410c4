// Which structure holds a heap snapshot's bytes, and (given two) which grew: every node reached from
// the GC roots by the shortest strong path is charged to the nearest instance of a named class on that
// path and the field taken out of it (e.g. `MemoryEngineStore.dueAt`, `StateSpill.slotOf`), the
// last two such hops kept. Plain objects, arrays, Maps, Sets, closures and system nodes are not
// owners: their bytes go to whoever holds them. Shortest path, not dominators: a node held twice is
// charged once, to the holder nearer the roots — enough to say where growth lives.
// `tsx bench/heapOwners.ts [small.heapsnapshot] large.heapsnapshot [rows]`
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]]; edge_fields: string[]; edge_types: [string[], ...unknown[]] } }
  nodes: number[]
  edges: number[]
  strings: string[]
}

/** Constructors that hold data but say nothing about whose it is. */
const ANONYMOUS = new Set(['Object', 'Array', 'Map', 'Set', 'WeakMap', 'WeakSet', 'Promise', 'Generator', 'AsyncGenerator', 'Function', 'Error', 'Date', 'Buffer', 'Uint8Array', 'Float64Array', 'Uint32Array', 'Int32Array', 'ArrayBuffer', 'system / Context', 'Window', 'global', 'Array Iterator'])

export interface Owners {
  total: number
  /** owner path → bytes, count */
  byOwner: Map<string, { bytes: number; count: number }>
  /** owner path → node kind → bytes (what the owner holds) */
  kinds: Map<string, Map<string, number>>
}

/**
 * A snapshot file read as bytes: one string of it may pass V8's limit (512 MiB), so the number
 * arrays are scanned from the bytes and only the header and the strings are parsed as JSON.
 */
function readSnapshot(path: string): Snapshot {
  const bytes = readFileSync(path)
  const at = (key: string, from = 0): number => {
    const i = bytes.indexOf(`"${key}":`, from)
    if (i < 0) throw new Error(`${path}: no "${key}" in the snapshot`)
    return i + key.length + 3
  }
  const numbers = (from: number): number[] => {
    const out: number[] = []
    let i = bytes.indexOf(0x5b, from) + 1
    let n = -1
    for (; bytes[i] !== 0x5d; i++) {
      const c = bytes[i] as number
      if (c >= 0x30 && c <= 0x39) n = (n < 0 ? 0 : n * 10) + c - 0x30
      else if (n >= 0) {
        out.push(n)
        n = -1
      }
    }
    if (n >= 0) out.push(n)
    return out
  }
  const header = at('snapshot')
  const nodes = at('nodes', header)
  const snapshot = JSON.parse(bytes.toString('utf8', header, bytes.lastIndexOf(',', nodes))) as Snapshot['snapshot']
  const strings = at('strings', nodes)
  const end = bytes.lastIndexOf(']')
  return { snapshot, nodes: numbers(nodes), edges: numbers(at('edges', nodes)), strings: JSON.parse(bytes.toString('utf8', strings, end + 1)) as string[] }
}

export function owners(path: string): Owners {
  const s = readSnapshot(path)
  const nf = s.snapshot.meta.node_fields
  const ef = s.snapshot.meta.edge_fields
  const types = s.snapshot.meta.node_types[0]
  const edgeTypes = s.snapshot.meta.edge_types[0]
  const W = nf.length
  const EW = ef.length
  const [typeAt, nameAt, sizeAt, edgeCountAt] = ['type', 'name', 'self_size', 'edge_count'].map((f) => nf.indexOf(f)) as [number, number, number, number]
  const [eTypeAt, eNameAt, eToAt] = ['type', 'name_or_index', 'to_node'].map((f) => ef.indexOf(f)) as [number, number, number]
  const n = s.nodes.length / W
  const firstEdge = new Uint32Array(n + 1)
  for (let i = 0, e = 0; i < n; i++) {
    firstEdge[i] = e
    e += (s.nodes[i * W + edgeCountAt] as number) * EW
  }
  firstEdge[n] = s.edges.length
  const owner = new Array<string | undefined>(n)
  const seen = new Uint8Array(n)
  const kind = (i: number): string => {
    const t = types[s.nodes[i * W + typeAt] as number] as string
    return t === 'object' || t === 'native' ? (s.strings[s.nodes[i * W + nameAt] as number] as string) : `(${t})`
  }
  const isOwner = (i: number): boolean => {
    const t = types[s.nodes[i * W + typeAt] as number] as string
    if (t !== 'object') return false
    const name = s.strings[s.nodes[i * W + nameAt] as number] as string
    return !ANONYMOUS.has(name) && !name.startsWith('system') && !name.startsWith('(')
  }
  // BFS from the root (node 0); through synthetic roots first, so their children start unowned.
  let queue = new Uint32Array(n)
  let head = 0
  let tail = 0
  queue[tail++] = 0
  seen[0] = 1
  owner[0] = '(roots)'
  while (head < tail) {
    const i = queue[head++] as number
    const mine = owner[i] as string
    const named = isOwner(i)
    const className = named ? kind(i) : ''
    for (let e = firstEdge[i] as number; e < (firstEdge[i + 1] as number); e += EW) {
      const eType = edgeTypes[s.edges[e + eTypeAt] as number] as string
      if (eType === 'weak' || eType === 'shortcut') continue
      const to = (s.edges[e + eToAt] as number) / W
      if (seen[to]) continue
      seen[to] = 1
      if (named) {
        const via = eType === 'element' || eType === 'hidden' ? '[]' : (s.strings[s.edges[e + eNameAt] as number] ?? '?')
        const outer = mine.includes(' > ') ? mine.slice(mine.lastIndexOf(' > ') + 3) : mine
        owner[to] = `${outer} > ${className}.${via}`
      } else owner[to] = i === 0 ? `root:${kind(to)}` : mine
      queue[tail++] = to
    }
  }
  const byOwner = new Map<string, { bytes: number; count: number }>()
  const kinds = new Map<string, Map<string, number>>()
  let total = 0
  for (let i = 0; i < n; i++) {
    const bytes = s.nodes[i * W + sizeAt] as number
    total += bytes
    const o = owner[i] ?? '(unreachable)'
    const g = byOwner.get(o) ?? { bytes: 0, count: 0 }
    g.bytes += bytes
    g.count++
    byOwner.set(o, g)
    const k = kinds.get(o) ?? new Map<string, number>()
    k.set(kind(i), (k.get(kind(i)) ?? 0) + bytes)
    kinds.set(o, k)
  }
  queue = new Uint32Array(0)
  return { total, byOwner, kinds }
}

const mb = (b: number): string => `${(b / 2 ** 20).toFixed(2)} MiB`
const top = (m: Map<string, number> | undefined): string =>
  [...(m ?? [])]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([k, b]) => `${k} ${mb(b)}`)
    .join(', ')

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2)
  const rowsArg = args.find((x) => /^\d+$/.test(x))
  const files = args.filter((x) => x !== rowsArg)
  const rows = Number(rowsArg ?? 30)
  const last = owners(files[files.length - 1] as string)
  const first = files.length > 1 ? owners(files[0] as string) : undefined
  console.log(first ? `${mb(first.total)} → ${mb(last.total)}` : mb(last.total))
  const names = new Set([...last.byOwner.keys(), ...(first?.byOwner.keys() ?? [])])
  const rowsOut = [...names].map((name) => {
    const b = last.byOwner.get(name) ?? { bytes: 0, count: 0 }
    const a = first?.byOwner.get(name) ?? { bytes: 0, count: 0 }
    return { name, grew: b.bytes - a.bytes, count: b.count - a.count, now: b.bytes }
  })
  for (const r of rowsOut.sort((x, y) => Math.abs(y.grew) - Math.abs(x.grew)).slice(0, rows))
    console.log(`${(r.grew >= 0 ? '+' : '') + mb(r.grew)} ${String(r.count).padStart(8)} now ${mb(r.now)}  ${r.name}  [${top(last.kinds.get(r.name))}]`)
}
