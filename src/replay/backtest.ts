// Backtest: how a candidate rule (new, or an edit of a live one) would have behaved over a period
// of stored history, next to the live rule set. The period's stored events are replayed twice in
// sandboxes — live rules plus the candidate, and live rules alone — with the shop's guard policy,
// queues and agents, so overlaps, guard suppressions and workload come from the engine itself.
import type { Logger } from 'pino'
import { loadGuardPolicy } from '../channels/SendGuard.ts'
import { compileRule } from '../rules/index.ts'
import type { EventRow, HistoryStore } from '../store/history/HistoryStore.ts'
import type { ConsentRecord } from '../store/operational/ConsentStore.ts'
import type { OperationalStore } from '../store/operational/OperationalStore.ts'
import { buildReport, type BacktestReport } from './backtestReport.ts'
import type { DecisionLine } from './lines.ts'
import { conditionCounts } from './neverHeld.ts'
import { drive, prepareTrace, type PreparedEvent } from './replay.ts'
import { InvalidRulesError, Sandbox, type SandboxOptions, type SandboxRule } from './Sandbox.ts'

export type { BacktestReport } from './backtestReport.ts'

export const DEFAULT_BACKTEST_EVENTS = 1_000_000

export interface BacktestOptions {
  ops: OperationalStore
  history: HistoryStore
  /** The candidate rule document. */
  rule: unknown
  /** The period [from, to), epoch ms. */
  from: number
  to: number
  /** Shoppers to show with their candidate decisions (default 10). */
  sample?: number
  /** Keep the clock running after `to` so held messages and tasks near the end settle (ms, default 0). */
  horizonMs?: number
  /** Most stored events to replay (default 1 000 000); beyond it the report says truncated. */
  maxEvents?: number
  logger?: Logger
  /** Events done / total, over both runs. */
  onProgress?: (done: number, total: number) => void
  /** The sandbox's store (default in memory; PGlite is the reference the bench compares with). */
  store?: SandboxOptions['store']
}

/** A stored event as the Segment message that produced it, with the ids it was sent with. */
export function messageOf(row: EventRow): Record<string, unknown> {
  const parse = (text: string): Record<string, unknown> => {
    try {
      const value: unknown = JSON.parse(text)
      return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {}
    } catch {
      return {}
    }
  }
  const base = { messageId: row.message_id, ...sentIds(row), timestamp: new Date(row.ts).toISOString(), context: parse(row.context) }
  const properties = parse(row.properties)
  switch (row.type) {
    case 'identify':
      return { type: 'identify', ...base, traits: properties }
    case 'page':
    case 'screen':
      // Name and category were folded into the properties; decoding again keeps them there.
      return { type: row.type, ...base, properties }
    case 'alias':
      return { type: 'alias', ...base, previousId: properties.previousId }
    case 'group':
      return { type: 'group', ...base, groupId: properties.groupId, traits: properties.traits }
    default:
      return { type: 'track', ...base, event: row.name, properties }
  }
}

/** Rows written before the id columns existed carry '': the customer id stands for the sent id. */
function sentIds(row: EventRow): { userId?: string; anonymousId?: string } {
  if (row.user_id === '' && row.anonymous_id === '') {
    return row.customer_id.startsWith('anon:') ? { anonymousId: row.customer_id.slice(5) } : { userId: row.customer_id }
  }
  return { ...(row.user_id !== '' ? { userId: row.user_id } : {}), ...(row.anonymous_id !== '' ? { anonymousId: row.anonymous_id } : {}) }
}

/** The current consent choices of some shoppers (today's, not as they were in the period). */
export async function consentOf(ops: OperationalStore, customerIds: Iterable<string>): Promise<ConsentRecord[]> {
  const out: ConsentRecord[] = []
  for (const id of new Set(customerIds)) out.push(...(await ops.consent.list(id)))
  return out
}

async function run(events: readonly PreparedEvent[], options: SandboxOptions, end: number, onProgress: ((done: number) => void) | undefined): Promise<DecisionLine[]> {
  const sandbox = await Sandbox.open(options)
  try {
    await drive(sandbox, events, end, onProgress && ((done) => onProgress(done)))
    return sandbox.lines()
  } finally {
    await sandbox.close()
  }
}

export async function backtest(options: BacktestOptions): Promise<BacktestReport> {
  const { ops, history, from, to } = options
  if (!(Number.isSafeInteger(from) && Number.isSafeInteger(to) && from >= 0 && from < to)) throw new RangeError('backtest: the period must be epoch ms with from < to')
  const compiled = compileRule({ document: options.rule })
  if (!compiled.ok) throw new InvalidRulesError([{ rule: 'rule', index: 0, errors: compiled.errors }])
  const id = compiled.rule.id
  const live = await ops.rules.live()
  const skippedRules: BacktestReport['skippedRules'] = []
  const others: SandboxRule[] = []
  for (const r of live) {
    if (r.id === id) continue
    const result = compileRule({ document: r.document, version: r.version })
    if (result.ok) others.push({ document: r.document, version: r.version })
    else skippedRules.push({ rule: r.id, problem: result.errors.map((e) => `${e.path} ${e.message}`).join('; ') })
  }
  const replaced = live.find((r) => r.id === id)
  const version = ((await ops.rules.get(id))?.version ?? 0) + 1
  const [policy, queues, agents] = await Promise.all([loadGuardPolicy(ops.settings), ops.queues.queues(), ops.queues.agents()])

  const limit = options.maxEvents ?? DEFAULT_BACKTEST_EVENTS
  const rows = await history.eventsBetween(from, to, limit + 1)
  const truncated = rows.length > limit
  const { events } = prepareTrace(rows.slice(0, limit).map(messageOf))
  const end = to + (options.horizonMs ?? 0)
  const consent = await consentOf(ops, events.map((e) => e.customerId))
  const base = { policy, queues, agents, consent, start: from, ...(options.logger ? { logger: options.logger } : {}), ...(options.store ? { store: options.store } : {}) }
  const total = events.length * 2
  const progress = options.onProgress
  const withCandidate = await run(events, { ...base, rules: [...others, { document: options.rule, version }] }, end, progress && ((done) => progress(done, total)))
  const baselineRules = replaced ? [...others, { document: replaced.document, version: replaced.version }] : others
  const baseline = await run(events, { ...base, rules: baselineRules }, end, progress && ((done) => progress(events.length + done, total)))
  const inPeriod = (lines: DecisionLine[]): DecisionLine[] => lines.filter((l) => Date.parse(l.decidedAt) >= from && Date.parse(l.decidedAt) < to)
  const report = buildReport({
    rule: { id, version, replaces: replaced?.version ?? null },
    from,
    to,
    events: events.length,
    truncated,
    skippedRules,
    lines: inPeriod(withCandidate),
    baseline: inPeriod(baseline),
    queues,
    agents,
    sample: options.sample ?? 10,
  })
  return report.fires.total === 0 ? { ...report, conditions: conditionCounts(options.rule, events) } : report
}
