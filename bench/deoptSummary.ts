// Reads what bench/replayDeopt.ts printed (V8's --trace-opt / --trace-deopt lines and its quarter
// markers) and prints per quarter of the events: TurboFan compiles (wall ms on V8's helper threads,
// so inflated by load), deopts and aborted compiles; then compiles after a function's first (its
// recompiles) and deopts by function and reason. `tsx bench/deoptSummary.ts TRACE.txt [TOP]`.
import { readFileSync } from 'node:fs'

const [file, topArg] = process.argv.slice(2)
if (file === undefined) throw new Error('usage: tsx bench/deoptSummary.ts TRACE.txt [TOP]')
const top = Number(topArg ?? 15)
const quarters: Array<{ compiles: number; ms: number; deopts: number; aborted: number; recompileMs: number }> = []
const compiles = new Map<string, { n: number; ms: number }>()
const deopts = new Map<string, number>()
let quarter = 0
const q = () => (quarters[quarter] ??= { compiles: 0, ms: 0, deopts: 0, aborted: 0, recompileMs: 0 })
// A function is named by its name and shared-function-info address (closures have no name).
const fn = (line: string): string => {
  const m = /<JSFunction (\S*) ?\(sfi = 0x([0-9a-f]+)\)>/.exec(line)
  return m === null ? '?' : `${m[1] || '(anonymous)'}@${(m[2] ?? '').slice(-5)}`
}
for (const line of readFileSync(file, 'utf8').split('\n')) {
  const marker = /^@@ quarter (\d+)/.exec(line)
  if (marker) {
    quarter = Number(marker[1])
    continue
  }
  const took = /took ([\d.]+), ([\d.]+), ([\d.]+) ms/.exec(line)
  if ((line.startsWith('[completed compiling') || line.startsWith('[aborted optimizing')) && took) {
    const ms = Number(took[1]) + Number(took[2]) + Number(took[3])
    const seen = compiles.get(fn(line)) ?? { n: 0, ms: 0 }
    if (seen.n > 0) q().recompileMs += ms
    compiles.set(fn(line), { n: seen.n + 1, ms: seen.ms + ms })
    q().compiles++
    q().ms += ms
    if (line.startsWith('[aborted')) q().aborted++
  } else if (line.startsWith('[bailout (kind')) {
    const reason = /reason: (.*?)\): begin/.exec(line)?.[1] ?? '?'
    deopts.set(`${fn(line)}: ${reason}`, (deopts.get(`${fn(line)}: ${reason}`) ?? 0) + 1)
    q().deopts++
  }
}
quarters.forEach((s, i) => console.log(`${i === 0 ? 'first quarter' : i === 4 ? 'after the replay' : `quarter ${i + 1}`}: ${s.compiles} compiles (${Math.round(s.ms)} ms, of which recompiles ${Math.round(s.recompileMs)} ms), ${s.aborted} aborted, ${s.deopts} deopts`))
console.log('compiled more than once (times, ms):')
for (const [name, c] of [...compiles].filter(([, c]) => c.n > 1).sort((a, b) => b[1].ms - a[1].ms).slice(0, top)) console.log(`  ${c.n}× ${Math.round(c.ms)} ms ${name}`)
console.log('deopts:')
for (const [what, n] of [...deopts].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${n}× ${what}`)
