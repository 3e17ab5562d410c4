// Where a replay's garbage comes from: replays the generated month (SHOPPERS, default 1,000; DAYS,
// default 30) in the in-memory sandbox under V8's sampling heap profiler, counting objects that
// scavenges and full GCs collected too, and prints bytes allocated per event by function (self) and
// by source file, over the second half of the events (FROM=0 for the whole run). With --trace-gc the
// scavenges' own lines give the exact total to compare with the sampled one.
// `node --import tsx bench/replayAlloc.ts [TOP]` (INTERVAL: sampling interval in bytes, default 4,096).
import { Session } from 'node:inspector/promises'
import { generateTrace } from '../src/demo/trace.ts'
import { drive, prepareTrace } from '../src/replay/replay.ts'
import { Sandbox } from '../src/replay/Sandbox.ts'

interface SamplingNode {
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }
  selfSize: number
  id: number
  children: SamplingNode[]
}
interface Sample {
  size: number
  nodeId: number
  ordinal: number
}

const SHOPPERS = Number(process.env.SHOPPERS ?? 1000)
const DAYS = Number(process.env.DAYS ?? 30)
const FROM = Number(process.env.FROM ?? 0.5)
const TOP = Number(process.argv[2] ?? 25)

const { events } = prepareTrace(generateTrace({ seed: 42, shoppers: SHOPPERS, days: DAYS }))
const first = events[0]?.ts
const last = events[events.length - 1]?.ts
if (first === undefined || last === undefined) throw new Error('empty trace')
const sandbox = await Sandbox.open({ start: first, store: 'memory' })
const session = new Session()
session.connect()
await session.post('HeapProfiler.enable')
let started = false
const startAt = Math.floor(events.length * FROM)
const start = async (): Promise<void> => {
  started = true
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: Number(process.env.INTERVAL ?? 4096),
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  })
}
if (startAt === 0) await start()
let pending: Promise<void> | undefined
await drive(sandbox, events, last, (done) => {
  if (!started && done >= startAt) pending = start()
})
await pending
const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: SamplingNode; samples: Sample[] } }
await sandbox.close()
const measured = events.length - startAt

const byFunction = new Map<string, number>()
const byFile = new Map<string, number>()
let total = 0
// A built-in's allocations (Map, Object.entries …) are counted to the nearest caller with a source file.
const walk = (node: SamplingNode, caller: { fn: string; file: string }): void => {
  const { functionName, url, lineNumber } = node.callFrame
  const file = url.replace(/^.*\/(src|node_modules|bench)\//, '$1/')
  const here = file ? { fn: `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`, file } : { fn: `${functionName} ← ${caller.fn}`, file: caller.file }
  if (node.selfSize > 0) {
    total += node.selfSize
    byFunction.set(here.fn, (byFunction.get(here.fn) ?? 0) + node.selfSize)
    byFile.set(here.file, (byFile.get(here.file) ?? 0) + node.selfSize)
  }
  for (const child of node.children) walk(child, file ? here : caller)
}
walk(profile.head, { fn: '(root)', file: '(native)' })
// Inclusive: everything allocated under a call of the function (counted once where it recurses).
const inclusive = new Map<string, number>()
const under = (node: SamplingNode, open: Set<string>): number => {
  const { functionName, url, lineNumber } = node.callFrame
  const name = url ? `${functionName || '(anonymous)'} ${url.replace(/^.*\/(src|node_modules|bench)\//, '$1/')}:${lineNumber + 1}` : ''
  const fresh = name !== '' && !open.has(name)
  if (fresh) open.add(name)
  let bytes = node.selfSize
  for (const child of node.children) bytes += under(child, open)
  if (fresh) {
    open.delete(name)
    inclusive.set(name, (inclusive.get(name) ?? 0) + bytes)
  }
  return bytes
}
under(profile.head, new Set())
const perEvent = (bytes: number): string => `${Math.round(bytes / measured).toLocaleString('en-US')} B`
console.log(`${measured.toLocaleString('en-US')} events (from ${FROM}): sampled ${perEvent(total)}/event allocated`)
const top = (map: Map<string, number>, label: string): void => {
  console.log(`by ${label}:`)
  for (const [k, v] of [...map].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`  ${perEvent(v).padStart(8)}  ${k}`)
}
top(byFile, 'file')
top(byFunction, 'function (self)')
top(inclusive, 'function (inclusive)')
session.disconnect()
