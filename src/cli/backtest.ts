// `careloop backtest RULE_FILE`: how a candidate rule would have behaved over stored history, next
// to the live rules (the same report as POST /api/rules/backtest), read from the stores directly.
import { readFileSync, writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { parseDuration } from '../lib/duration.ts'
import { progressBar } from '../lib/progressBar.ts'
import type { BacktestReport } from '../replay/backtest.ts'
import { parseRuleText } from '../rules/index.ts'

const DAY = 86_400_000

const HELP = `Usage: careloop backtest RULE_FILE [options]

Replays the stored events of a period through sandboxed engines, with the candidate rule (new, or an
edit of the live rule with the same id) and without it, and prints how often it would have fired,
what its guards and the other rules' guards did, the overlap with other rules and the queue
workload. Nothing is sent and nothing is written.

  RULE_FILE            the candidate rule, JSON or YAML
  --from DATE          start of the period (ISO date or date-time; default: --days before --to)
  --to DATE            end of the period, exclusive (default: now)
  --days N             length of the period when --from is not given (default 30)
  --sample N           shoppers shown with their decisions (default 10)
  --horizon DURATION   keep the clock running after the period, e.g. 2d (default 0)
  --json               print the whole report as JSON (default: a summary)
  --out FILE           write the JSON report there
  -h, --help           this text

Embedded stores (CARELOOP_DATA_DIR) must not be in use by a running engine; against a running
embedded engine use POST /api/rules/backtest instead.
`

interface BacktestArgs {
  rule: unknown
  from: number
  to: number
  sample: number
  horizonMs: number
  json: boolean
  out: string | undefined
}

class UsageError extends Error {}

function timeArg(text: string, name: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN
  if (!Number.isFinite(ms)) throw new UsageError(`--${name} must be an ISO date or date-time, got "${text}"`)
  return ms
}

function countArg(text: string | undefined, name: string, fallback: number, max: number): number {
  if (text === undefined) return fallback
  const n = Number(text)
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`--${name} must be a whole number from 1 to ${max}, got "${text}"`)
  return n
}

export function parseBacktestArgs(argv: string[], now: number): BacktestArgs | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      days: { type: 'string' },
      sample: { type: 'string' },
      horizon: { type: 'string' },
      json: { type: 'boolean', default: false },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help) return 'help'
  if (positionals.length !== 1) throw new UsageError('give exactly one rule file (see --help)')
  let text: string
  try {
    text = readFileSync(positionals[0] as string, 'utf8')
  } catch (err) {
    throw new UsageError(`cannot read the rule: ${(err as Error).message}`)
  }
  const parsed = parseRuleText(text)
  if (!parsed.ok) throw new UsageError(`the rule does not parse: ${parsed.errors.map((e) => `${e.path} ${e.message}`).join('; ')}`)
  const to = values.to === undefined ? now : timeArg(values.to, 'to')
  const from = values.from === undefined ? to - countArg(values.days, 'days', 30, 366) * DAY : timeArg(values.from, 'from')
  if (from >= to || from < 0) throw new UsageError('--from must be before --to')
  const horizonMs = values.horizon === undefined ? 0 : parseDuration(values.horizon)
  if (horizonMs === undefined) throw new UsageError(`--horizon must be a duration such as 2d or 12h, got "${values.horizon}"`)
  return { rule: parsed.value, from, to, sample: countArg(values.sample, 'sample', 10, 1000), horizonMs, json: values.json, out: values.out }
}

export function formatBacktest(report: BacktestReport): string {
  const count = (bag: Record<string, number>) => Object.entries(bag).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'
  const lines = [
    `rule ${report.rule.id} v${report.rule.version}${report.rule.replaces === null ? ' (new)' : ` (replaces v${report.rule.replaces})`}, ${report.period.from} .. ${report.period.to} (${report.period.days} days)`,
    `${report.events} stored events${report.truncated ? ' (cut short: more than the limit)' : ''}`,
    `fires: ${report.fires.total} moments, ${report.fires.actions} actions; outcomes: ${count(report.fires.outcomes)}`,
    ...(report.baseline ? [`live version: ${report.baseline.total} moments, ${report.baseline.actions} actions`] : []),
    `held by its own guards: ${count(report.fires.suppressedByRuleGuards)}`,
    ...(report.conditions
      ? [
          report.conditions.neverHeld ? `no event met ${report.conditions.neverHeld}` : 'each condition held for some events',
          ...report.conditions.counts.map((c) => `  ${c.path}: held for ${c.held} of ${c.of} events`),
        ]
      : []),
    `overlap: ${report.overlap.withOtherRules} of ${report.overlap.shoppers} shoppers also reached by ${count(report.overlap.byRule)}`,
    `send-time guards would skip ${report.overlap.candidateSuppressed.total} of its messages and ${report.overlap.othersSuppressed.total} of other rules'`,
    ...report.workload.map((q) => `queue ${q.queue}: peak ${q.peak} open tasks${q.capacity === null ? "" : ` of capacity ${q.capacity}`} (${q.agents} agents)`),
    ...report.skippedRules.map((s) => `live rule ${s.rule} left out: ${s.problem}`),
  ]
  return `${lines.join('\n')}\n`
}

export async function runBacktest(argv: string[]): Promise<number> {
  let args: BacktestArgs | 'help'
  try {
    args = parseBacktestArgs(argv, Date.now())
  } catch (err) {
    if (!(err instanceof UsageError) && (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') !== true) throw err
    process.stderr.write(`careloop backtest: ${(err as Error).message}\n`)
    return 2
  }
  if (args === 'help') {
    process.stdout.write(HELP)
    return 0
  }
  // The stores and the sandbox are loaded only for a run: --help and bad options answer without them.
  const [{ openStores }, { loadConfig }, { backtest }, { InvalidRulesError }] = await Promise.all([import('../stores.ts'), import('../config.ts'), import('../replay/backtest.ts'), import('../replay/Sandbox.ts')])
  const { ops, history } = await openStores(loadConfig())
  const progress = progressBar(process.stderr)
  try {
    const report = await backtest({ ops, history, rule: args.rule, from: args.from, to: args.to, sample: args.sample, horizonMs: args.horizonMs, onProgress: progress })
    progress.clear()
    if (args.out !== undefined) writeFileSync(args.out, `${JSON.stringify(report, null, 2)}\n`)
    process.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : formatBacktest(report))
    return 0
  } catch (err) {
    if (!(err instanceof InvalidRulesError)) throw err
    process.stderr.write(`careloop backtest: ${err.message}\n`)
    return 2
  } finally {
    await Promise.all([ops.close(), history.close()])
  }
}
