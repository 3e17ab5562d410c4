// Which functions V8 deoptimizes and re-optimizes during a replay: replays the generated month
// (SHOPPERS, default 1,000; DAYS, default 30) in the in-memory sandbox with V8's --trace-opt and
// --trace-deopt switched on only once the trace is generated (so the generator's compiles are not
// counted), and writes a marker line at each quarter of the events. V8 prints the traces on stdout
// through C stdio, so unbuffer it to keep the markers in order:
// `stdbuf -o0 node --import tsx bench/replayDeopt.ts > trace.txt`, then read it with `tsx bench/deoptSummary.ts trace.txt`.
// VERBOSE=1: each deopt's source position (in tsx's one-line transform of the file: map it with
// esbuild's source map); GENERALIZATION=1: object fields turning mutable or changing representation
// (what makes V8 throw compiled code away besides deopts); INLINING=NAME: what TurboFan inlines into
// functions of that name; DEPENDENCIES=1: the maps compiled code depends on.
import { setFlagsFromString } from 'node:v8'
import { generateTrace } from '../src/demo/trace.ts'
import { drive, prepareTrace } from '../src/replay/replay.ts'
import { Sandbox } from '../src/replay/Sandbox.ts'

const SHOPPERS = Number(process.env.SHOPPERS ?? 1000)
const DAYS = Number(process.env.DAYS ?? 30)

const { events } = prepareTrace(generateTrace({ seed: 42, shoppers: SHOPPERS, days: DAYS }))
const first = events[0]?.ts
const last = events[events.length - 1]?.ts
if (first === undefined || last === undefined) throw new Error('empty trace')
const sandbox = await Sandbox.open({ start: first, store: 'memory' })
setFlagsFromString('--trace-opt')
if (process.env.INLINING) setFlagsFromString(`--trace-turbo-inlining --turbo-filter=${process.env.INLINING}`)
if (process.env.DEPENDENCIES === '1') setFlagsFromString('--trace-compilation-dependencies')
if (process.env.GENERALIZATION === '1') setFlagsFromString('--trace-generalization')
setFlagsFromString(process.env.VERBOSE === '1' ? '--trace-deopt-verbose' : '--trace-deopt')
let quarter = 0
const cpu0 = process.cpuUsage()
await drive(sandbox, events, last, (done) => {
  while (done >= ((quarter + 1) * events.length) / 4) {
    quarter++
    process.stdout.write(`@@ quarter ${quarter} at ${done} events\n`)
  }
})
const used = process.cpuUsage(cpu0)
setFlagsFromString('--no-trace-opt')
setFlagsFromString('--no-trace-deopt')
process.stdout.write(`@@ done ${events.length} events, CPU ${Math.round(((used.user + used.system) * 1) / events.length)} µs/event\n`)
await sandbox.close()
