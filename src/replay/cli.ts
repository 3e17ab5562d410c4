// careloop replay TRACE.jsonl [--rules FILE_OR_DIR] [--out DECISIONS.jsonl] [--horizon 3d] [--policy FILE]
// Runs a trace through a sandboxed engine (clock = event time, channels only record) and writes
// one decision per line. Exit codes: 0 done, 2 bad input (arguments, rules, policy, trace), 1 failure.
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { parseDuration } from '../lib/duration.ts'
import { progressBar } from '../lib/progressBar.ts'
import { InputError, loadPolicy, loadRules } from './inputs.ts'
import type { ReplayResult, ReplaySummary } from './replay.ts'
import { DEFAULT_DEDUPE_WINDOW, DEFAULT_REORDER_WINDOW } from './windows.ts'
import { openTrace, type TraceInput } from './traceFile.ts'

const HELP = `Usage: careloop replay TRACE.jsonl [options]

  TRACE.jsonl          Segment messages, one JSON object a line (or a JSON array); "-" for stdin
  --rules FILE_OR_DIR  a JSON/YAML rule or list of rules, or a directory of them (default: starter pack)
  --policy FILE        guard policy fields (JSON/YAML) over the default policy
  --horizon DURATION   keep the clock running after the last event, e.g. 3d (default 0)
  --out FILE           write the decision lines there (default: stdout)
  --reorder N          a JSONL trace file is read as it is replayed; messages out of time order by
                       more than N messages are rejected (default 100000; sort the trace to avoid it)
  --dedupe N           a JSONL trace file: copies of the last N messages replayed are dropped
                       (default 1000000); decision lines are sorted through temp files, not in memory
  --states N           a JSONL trace file: customer states held in memory (default 10000); the
                       least recently used wait in a temp file
  -h, --help           this text
`

/** Customer states a streamed replay holds in memory (default). */
const DEFAULT_STATES_HELD = 10_000

export interface ReplayCliArgs {
  trace: string
  rules: string | undefined
  policy: string | undefined
  horizonMs: number
  out: string | undefined
  reorderWindow: number
  dedupeWindow: number
  statesHeld: number
}

export function parseReplayArgs(argv: string[]): ReplayCliArgs | 'help' {
  const { values, positionals } = parseArgs({
    args: argv[0] === 'replay' ? argv.slice(1) : argv,
    allowPositionals: true,
    options: {
      rules: { type: 'string' },
      policy: { type: 'string' },
      horizon: { type: 'string' },
      out: { type: 'string' },
      reorder: { type: 'string' },
      dedupe: { type: 'string' },
      states: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help) return 'help'
  if (positionals.length !== 1) throw new InputError('give exactly one trace file (see --help)')
  const horizonMs = values.horizon === undefined ? 0 : parseDuration(values.horizon)
  if (horizonMs === undefined) throw new InputError(`--horizon must be a duration such as 3d or 12h, got "${values.horizon}"`)
  const reorderWindow = values.reorder === undefined ? DEFAULT_REORDER_WINDOW : Number(values.reorder)
  if (!Number.isSafeInteger(reorderWindow) || reorderWindow < 0) throw new InputError(`--reorder must be a whole number of messages, got "${values.reorder}"`)
  const dedupeWindow = values.dedupe === undefined ? DEFAULT_DEDUPE_WINDOW : Number(values.dedupe)
  if (!Number.isSafeInteger(dedupeWindow) || dedupeWindow < 0) throw new InputError(`--dedupe must be a whole number of messages, got "${values.dedupe}"`)
  const statesHeld = values.states === undefined ? DEFAULT_STATES_HELD : Number(values.states)
  if (!Number.isSafeInteger(statesHeld) || statesHeld < 1) throw new InputError(`--states must be a whole number of shoppers (at least 1), got "${values.states}"`)
  return { trace: positionals[0] as string, rules: values.rules, policy: values.policy, horizonMs, out: values.out, reorderWindow, dedupeWindow, statesHeld }
}

export function formatSummary(summary: ReplaySummary, elapsedMs: number): string {
  const out = [
    `replayed ${summary.events} events (${summary.from ?? '-'} .. ${summary.to ?? '-'}) in ${(elapsedMs / 1000).toFixed(1)} s`,
    `${summary.decisions} decisions; ${summary.rejected} invalid and ${summary.duplicates} duplicate messages ignored`,
  ]
  for (const [rule, counts] of Object.entries(summary.byRule).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const parts = Object.entries(counts)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, n]) => `${k} ${n}`)
    out.push(`  ${rule}: ${parts.join(', ')}`)
  }
  return `${out.join('\n')}\n`
}

export async function main(argv: string[], io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let args: ReplayCliArgs | 'help'
  let rules
  let policy
  let trace: TraceInput
  try {
    args = parseReplayArgs(argv)
    if (args === 'help') {
      io.stdout.write(HELP)
      return 0
    }
    rules = args.rules === undefined ? undefined : loadRules(args.rules)
    policy = args.policy === undefined ? undefined : loadPolicy(args.policy)
    trace = openTrace(args.trace)
  } catch (err) {
    if (!(err instanceof InputError) && (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') !== true) throw err
    io.stderr.write(`careloop replay: ${(err as Error).message}\n`)
    return 2
  }
  const started = Date.now()
  // The sandbox is loaded only for a run: --help and bad options answer without it.
  const { replayTrace, toJsonl } = await import('./replay.ts')
  const { replayStreamTo } = await import('./stream.ts')
  const options = { ...(rules ? { rules } : {}), ...(policy ? { policy } : {}), horizonMs: args.horizonMs }
  let result: Omit<ReplayResult, 'lines'>
  if (trace.kind === 'messages') {
    const progress = progressBar(io.stderr)
    const whole = await replayTrace(trace.messages, { ...options, onProgress: progress })
    progress.clear()
    result = whole
    reportRejected(result, io.stderr)
    const jsonl = toJsonl(whole.lines)
    if (args.out === undefined) io.stdout.write(jsonl)
    else writeFileSync(args.out, jsonl)
  } else {
    const progress = progressBar(io.stderr, 'bytes')
    const out = lineWriter(args.out, io.stdout)
    try {
      result = await replayStreamTo(trace.stream(), out.write, { ...options, reorderWindow: args.reorderWindow, dedupeWindow: args.dedupeWindow, statesHeld: args.statesHeld, onProgress: () => progress(trace.bytesRead(), trace.size) })
    } catch (err) {
      if (!(err instanceof InputError)) throw err
      progress.clear()
      io.stderr.write(`careloop replay: ${err.message}\n`)
      return 2
    } finally {
      out.close()
    }
    progress(trace.size, trace.size)
    progress.clear()
    reportRejected(result, io.stderr)
  }
  io.stderr.write(formatSummary(result.summary, Date.now() - started))
  return 0
}

function reportRejected(result: Omit<ReplayResult, 'lines'>, stderr: NodeJS.WritableStream): void {
  for (const r of result.rejected.slice(0, 10)) stderr.write(`ignored message ${r.index}: ${r.errors.map((e) => `${e.path} ${e.message}`).join('; ')}\n`)
}

/** Decision lines out as they come, in chunks: to a file (written synchronously) or stdout. */
function lineWriter(path: string | undefined, stdout: NodeJS.WritableStream): { write: (line: string) => void; close: () => void } {
  const fd = path === undefined ? undefined : openSync(path, 'w')
  let chunk = ''
  const flush = (): void => {
    if (chunk === '') return
    if (fd === undefined) stdout.write(chunk)
    else writeSync(fd, chunk)
    chunk = ''
  }
  return {
    write: (line) => {
      chunk += `${line}\n`
      if (chunk.length >= 1 << 16) flush()
    },
    close: () => {
      flush()
      if (fd !== undefined) closeSync(fd)
    },
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code
    },
    (err: unknown) => {
      process.stderr.write(`careloop replay failed: ${(err as Error).stack ?? String(err)}\n`)
      process.exitCode = 1
    },
  )
}
