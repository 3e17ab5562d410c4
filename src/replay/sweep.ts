// What-if sweeps: one parameter of a rule (a grace, a threshold, a window, a delay), addressed by a
// JSON pointer into its document, set to each of several values; each variant replayed over the
// same stored history next to the other live rules, and scored by the reached-first logic: the
// contacts its messages preceded, the median lead, and the needless messages. Ops pick a point and
// save its document as a new rule version.
import type { Logger } from 'pino'
import { loadGuardPolicy } from '../channels/SendGuard.ts'
import { compileRule, type FieldError, type RuleDocument } from '../rules/index.ts'
import type { HistoryStore } from '../store/history/HistoryStore.ts'
import type { OperationalStore } from '../store/operational/OperationalStore.ts'
import { consentOf, DEFAULT_BACKTEST_EVENTS, messageOf } from './backtest.ts'
import { drive, prepareTrace } from './replay.ts'
import { Sandbox, type SandboxOptions, type SandboxRule } from './Sandbox.ts'
import { scoreLines, scoredEvents } from './sweepScore.ts'
import { setPointer } from './sweepPointer.ts'

export const MAX_SWEEP_VALUES = 25

export interface SweepOptions {
  ops: OperationalStore
  history: HistoryStore
  ruleId: string
  /** The document to vary (default: the stored rule's latest version). */
  document?: unknown
  /** JSON pointer (RFC 6901) to the parameter, e.g. /triggers/0/absence/grace. */
  pointer: string
  values: readonly unknown[]
  /** The period [from, to), epoch ms. */
  from: number
  to: number
  /** Keep the clock running after `to` so messages near the end settle (ms, default 0). */
  horizonMs?: number
  /** How long after a message a contact or problem makes it needed (default 3 d). */
  followMs?: number
  maxEvents?: number
  logger?: Logger
}

export interface SweepPoint {
  value: unknown
  /** The rule document with this value: what "save as a new version" stores. */
  document: RuleDocument
  /** Contacts about the rule's entities its message preceded (reached first). */
  preceded: number
  medianLeadMs: number | null
  /** Messages the rule sent in the period. */
  sent: number
  /** Of them, those no contact or problem followed within the follow window. */
  needless: number
  /** Contacts the rule noticed but missed, by cause. */
  misses: { sent_after: number; held: number; too_late: number }
}

export interface SweepResult {
  rule: { id: string; version: number | null }
  pointer: string
  from: number
  to: number
  events: number
  truncated: boolean
  points: SweepPoint[]
}

/** Bad sweep input, each problem at its field (the route answers 400 with them). */
export class SweepInputError extends Error {
  constructor(readonly errors: FieldError[]) {
    super(`invalid sweep: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`)
  }
}

/** The variants, each compiled; every problem reported at /pointer or /values/<i>/<path in the rule>. */
export function sweepDocuments(document: unknown, pointer: string, values: readonly unknown[]): RuleDocument[] {
  if (values.length === 0 || values.length > MAX_SWEEP_VALUES) throw new SweepInputError([{ path: '/values', message: `must hold 1 to ${MAX_SWEEP_VALUES} values` }])
  const errors: FieldError[] = []
  const documents = values.map((value, i) => {
    const set = setPointer(document, pointer, value)
    if (!set.ok) {
      if (i === 0) errors.push({ path: '/pointer', message: set.error })
      return undefined
    }
    const compiled = compileRule({ document: set.document })
    if (!compiled.ok) errors.push(...compiled.errors.map((e) => ({ path: `/values/${i}`, message: `${e.path} ${e.message}` })))
    return set.document as RuleDocument
  })
  if (errors.length > 0) throw new SweepInputError(errors)
  return documents as RuleDocument[]
}

export async function sweep(options: SweepOptions): Promise<SweepResult | undefined> {
  const { ops, history, ruleId, from, to } = options
  if (!(Number.isSafeInteger(from) && Number.isSafeInteger(to) && from >= 0 && from < to)) throw new SweepInputError([{ path: '/from', message: 'must be before to' }])
  const stored = await ops.rules.get(ruleId)
  const base = options.document ?? stored?.document
  if (base === undefined) return undefined
  const documents = sweepDocuments(base, options.pointer, options.values)
  if (documents.some((d) => d.id !== ruleId)) throw new SweepInputError([{ path: '/pointer', message: `must not change the rule id (${ruleId})` }])
  const others: SandboxRule[] = []
  for (const r of await ops.rules.live()) {
    if (r.id !== ruleId && compileRule({ document: r.document, version: r.version }).ok) others.push({ document: r.document, version: r.version })
  }
  const [policy, queues, agents] = await Promise.all([loadGuardPolicy(ops.settings), ops.queues.queues(), ops.queues.agents()])
  const limit = options.maxEvents ?? DEFAULT_BACKTEST_EVENTS
  const rows = await history.eventsBetween(from, to, limit + 1)
  const { events } = prepareTrace(rows.slice(0, limit).map(messageOf))
  const consent = await consentOf(ops, events.map((e) => e.customerId))
  const scored = scoredEvents(events)
  const version = (stored?.version ?? 0) + 1
  const common: SandboxOptions = { policy, queues, agents, consent, start: from, ...(options.logger ? { logger: options.logger } : {}) }
  const points: SweepPoint[] = []
  for (const [i, document] of documents.entries()) {
    const sandbox = await Sandbox.open({ ...common, rules: [...others, { document, version }] })
    let lines
    try {
      await drive(sandbox, events, to + (options.horizonMs ?? 0))
      lines = sandbox.lines()
    } finally {
      await sandbox.close()
    }
    const report = scoreLines({ from, to }, lines, scored, options.followMs === undefined ? {} : { followMs: options.followMs })
    const figures = report.rules.find((r) => r.ruleId === ruleId)
    points.push({
      value: options.values[i],
      document,
      preceded: figures?.reachedFirst ?? 0,
      medianLeadMs: figures?.medianLeadMs ?? null,
      sent: figures?.sent ?? 0,
      needless: figures?.needless ?? 0,
      misses: { sent_after: figures?.misses.sent_after ?? 0, held: figures?.misses.held ?? 0, too_late: figures?.misses.too_late ?? 0 },
    })
  }
  return { rule: { id: ruleId, version: stored?.version ?? null }, pointer: options.pointer, from, to, events: events.length, truncated: rows.length > limit, points }
}
