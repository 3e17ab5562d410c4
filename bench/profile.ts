// node --import tsx [--cpu-prof] bench/profile.ts — the rule stage at RULES (default 1,000) rules on the bench trace, alone, for
// `node --cpu-prof` (see docs/performance.md). Prints per-part timings; asserts nothing. tsx puts each module on one line, so
// for line-level profiles bundle first: npx esbuild bench/profile.ts --bundle --platform=node --format=esm --packages=external
// --outfile=bench/profile.mjs && node --cpu-prof bench/profile.mjs, then delete the bundle (its lines are the profile's).
import { RuleSet, starterRules, type EvalContext } from '../src/rules/index.ts'
import { defaultRetention, type RetentionPolicy } from '../src/stream/state/reducer.ts'
import { compileAll, generateRules } from './generatedRules.ts'
import { rulePass, rulePassTwice } from './passes.ts'
import { buildTrace, compactCopies, snapshotContexts } from './trace.ts'

const SEED = 20_260_105
const trace = buildTrace(SEED, 3_000)
const RULES = Number(process.env.RULES ?? 1_000)
const docs = [...starterRules, ...generateRules(RULES - starterRules.length, SEED).map((g) => g.document)]
const ruleSet = new RuleSet(compileAll(docs))
const policy: RetentionPolicy = { ...defaultRetention, countWindows: ruleSet.countWindows }
const contexts: EvalContext[] = snapshotContexts(trace.events, policy)
// Per repetition, wall time and this process's CPU time (user + system, all its threads); the
// minimum of each over REPS. Under load the CPU figure moves far less: waiting for a CPU is not
// counted.
const REPS = Number(process.env.REPS ?? 10)
const time = (label: string, run: () => number, events = contexts.length): number => {
  let sink = 0
  for (let w = 0; w < 3; w++) sink ^= run()
  let wall = Infinity
  let cpu = Infinity
  for (let r = 0; r < REPS; r++) {
    const cpu0 = process.cpuUsage()
    const t0 = process.hrtime.bigint()
    sink ^= run()
    wall = Math.min(wall, Number(process.hrtime.bigint() - t0) / events)
    const used = process.cpuUsage(cpu0)
    cpu = Math.min(cpu, ((used.user + used.system) * 1_000) / events)
  }
  console.log(`${label}: ${wall.toFixed(0)} ns/event wall, ${cpu.toFixed(0)} ns/event CPU (min of ${REPS}; ${sink})`)
  return cpu
}
time('timerChanges', () => contexts.reduce((n, c) => n + ruleSet.timerChanges(c.event, c).length, 0))
time('matchEvent', () => contexts.reduce((n, c) => n + ruleSet.matchEvent(c).length, 0))
const once = time('rule stage', () => rulePass(ruleSet, contexts))
const twice = time('rule stage, each context twice in a row', () => rulePassTwice(ruleSet, contexts))
console.log(`  → with the context in cache (the second run): ${(twice - once).toFixed(0)} ns/event CPU`)
// The json-rules-engine comparison's subset (bench/rules.bench.ts section 6): 1 event in 55, as compact copies and in place.
const stride = Math.floor(contexts.length / 2_000)
const scattered = Array.from({ length: 2_000 }, (_, i) => contexts[i * stride] as EvalContext)
const subset = compactCopies(scattered)
time('rule stage, 2,000-event subset (compact copies)', () => rulePass(ruleSet, subset), subset.length)
time('rule stage, 2,000-event subset in place (scattered)', () => rulePass(ruleSet, scattered), scattered.length)
let runs = 0
let matches = 0
for (const c of contexts) {
  runs += ruleSet.predicateRunsFor(c)
  matches += ruleSet.matchEvent(c).length
}
console.log(`per event: ${(runs / contexts.length).toFixed(2)} predicate runs for ${(matches / contexts.length).toFixed(2)} matches (goal ≤ ${(1.5 * matches / contexts.length + 1).toFixed(2)})`)
