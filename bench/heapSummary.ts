// Reads V8 heap snapshots (.heapsnapshot, as bench/memoryEngine.ts writes them after a full GC) and
// prints where the live heap is, by constructor (objects) or by kind (strings, arrays, code...);
// given two, the growth between them, largest first, with the usual owners of the grown kinds.
// `tsx bench/heapSummary.ts [small.heapsnapshot] large.heapsnapshot [rows]`
import { readFileSync } from 'node:fs'

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]]; edge_fields: string[]; edge_types: [string[], ...unknown[]] }; node_count: number }
  nodes: number[]
  edges: number[]
  strings: string[]
}

interface Group {
  count: number
  bytes: number
}

export interface Summary {
  total: number
  groups: Map<string, Group>
  /** For each group, who holds its members (the retainer's group, by edge name), bytes. */
  owners: Map<string, Map<string, number>>
}

export function summarize(path: string): Summary {
  const s = JSON.parse(readFileSync(path, 'utf8')) as Snapshot
  const nf = s.snapshot.meta.node_fields
  const types = s.snapshot.meta.node_types[0]
  const edgeTypes = s.snapshot.meta.edge_types[0]
  const ef = s.snapshot.meta.edge_fields
  const width = nf.length
  const [typeAt, nameAt, sizeAt, edgeCountAt] = ['type', 'name', 'self_size', 'edge_count'].map((f) => nf.indexOf(f)) as [number, number, number, number]
  const [eTypeAt, eNameAt, eToAt] = ['type', 'name_or_index', 'to_node'].map((f) => ef.indexOf(f)) as [number, number, number]
  const nodes = s.nodes
  const count = nodes.length / width
  const label = new Array<string>(count)
  for (let i = 0; i < count; i++) {
    const type = types[nodes[i * width + typeAt] as number] as string
    const name = s.strings[nodes[i * width + nameAt] as number] as string
    label[i] = type === 'object' || type === 'native' ? name : type === 'hidden' || type === 'array' ? `(${type}) ${name.slice(0, 40)}` : `(${type})`
  }
  const groups = new Map<string, Group>()
  let total = 0
  for (let i = 0; i < count; i++) {
    const bytes = nodes[i * width + sizeAt] as number
    total += bytes
    const g = groups.get(label[i] as string) ?? { count: 0, bytes: 0 }
    g.count++
    g.bytes += bytes
    groups.set(label[i] as string, g)
  }
  // First strong retainer per node: enough to say which structure holds most of a group.
  const owners = new Map<string, Map<string, number>>()
  const owned = new Uint8Array(count)
  let edge = 0
  for (let i = 0; i < count; i++) {
    const edges = nodes[i * width + edgeCountAt] as number
    for (let k = 0; k < edges; k++, edge += ef.length) {
      const eType = edgeTypes[s.edges[edge + eTypeAt] as number]
      if (eType === 'weak' || eType === 'shortcut') continue
      const to = (s.edges[edge + eToAt] as number) / width
      if (owned[to]) continue
      owned[to] = 1
      const nameOrIndex = s.edges[edge + eNameAt] as number
      const via = eType === 'element' || eType === 'hidden' ? '[]' : (s.strings[nameOrIndex] ?? '?')
      const key = `${label[i]} .${via}`
      const byOwner = owners.get(label[to] as string) ?? new Map<string, number>()
      byOwner.set(key, (byOwner.get(key) ?? 0) + (nodes[to * width + sizeAt] as number))
      owners.set(label[to] as string, byOwner)
    }
  }
  return { total, groups, owners }
}

const MiB = 2 ** 20
const mb = (n: number) => `${(n / MiB).toFixed(1)} MiB`

function topOwners(summary: Summary, group: string, n = 3): string {
  const byOwner = [...(summary.owners.get(group) ?? new Map<string, number>())].sort((a, b) => b[1] - a[1]).slice(0, n)
  return byOwner.map(([o, b]) => `${o} ${mb(b)}`).join('; ')
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2)
  const rowsArg = args.find((x) => /^\d+$/.test(x))
  const [a, b] = args.filter((x) => x !== rowsArg)
  if (!a) throw new Error('usage: heapSummary.ts small.heapsnapshot [large.heapsnapshot] [rows]')
  const rows = Number(rowsArg ?? 25)
  const first = summarize(a)
  if (!b) {
    console.log(`${a}: ${mb(first.total)}`)
    for (const [name, g] of [...first.groups].sort((x, y) => y[1].bytes - x[1].bytes).slice(0, rows)) console.log(`${mb(g.bytes).padStart(11)} ${String(g.count).padStart(9)}  ${name}  ← ${topOwners(first, name)}`)
  } else {
    const second = summarize(b)
    console.log(`${a}: ${mb(first.total)} → ${b}: ${mb(second.total)} (+${mb(second.total - first.total)})`)
    const names = new Set([...first.groups.keys(), ...second.groups.keys()])
    const diffs = [...names].map((name) => {
      const x = first.groups.get(name) ?? { count: 0, bytes: 0 }
      const y = second.groups.get(name) ?? { count: 0, bytes: 0 }
      return { name, bytes: y.bytes - x.bytes, count: y.count - x.count, now: y.bytes }
    })
    for (const d of diffs.sort((x, y) => Math.abs(y.bytes) - Math.abs(x.bytes)).slice(0, rows))
      console.log(`${(d.bytes >= 0 ? '+' : '') + mb(d.bytes)} ${String(d.count).padStart(9)}  ${d.name} (now ${mb(d.now)})  ← ${topOwners(second, d.name)}`)
  }
}
