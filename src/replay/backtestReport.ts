// What a backtest reports, computed from two sandbox runs over the same events: one with the live
// rules plus the candidate, one without it (the baseline). Pure: lines in, report out.
import { signalOfKey } from '../channels/guards/evaluate.ts'
import type { Queue } from '../model/queue.ts'
import type { Agent } from '../store/operational/QueueStore.ts'
import type { DecisionLine } from './lines.ts'
import type { ConditionCounts } from './neverHeld.ts'

const DAY = 86_400_000
const OVERLAP_MS = DAY

export interface Fires {
  /** Moments the rule acted on: its signals with at least one planned action. */
  total: number
  /** Planned nudges and tasks. */
  actions: number
  byDay: Array<{ date: string; fires: number }>
  byChannel: Record<string, number>
  byQueue: Record<string, number>
  /** What became of its actions: sent, skipped, pending, dead, task; suppressed by its own guards. */
  outcomes: Record<string, number>
  /** Moments its own guards held back (cooldown, once, holdout, conditions). */
  suppressedByRuleGuards: Record<string, number>
}

export interface QueueWorkload {
  queue: string
  /** Agents serving the queue and the open tasks they can hold together (null: queue not configured). */
  agents: number
  capacity: number | null
  peak: number
  days: Array<{ date: string; tasks: number; candidate: number; overCapacity: boolean }>
}

export interface BacktestReport {
  rule: { id: string; version: number; replaces: number | null }
  period: { from: string; to: string; days: number }
  events: number
  /** More stored events than the limit: the period was cut short. */
  truncated: boolean
  /** Live rules left out because they do not compile. */
  skippedRules: Array<{ rule: string; problem: string }>
  fires: Fires
  /** The live version's fires over the same period, when the candidate edits a live rule. */
  baseline: Fires | null
  overlap: {
    /** Shoppers the candidate fired for. */
    shoppers: number
    /** Of them, those another rule also fired for within ±24 h, and per other rule. */
    withOtherRules: number
    byRule: Record<string, number>
    /** The candidate's messages send-time guards would skip: by guard, and by the winning rule. */
    candidateSuppressed: { total: number; byGuard: Record<string, number>; byRule: Record<string, number> }
    /** Other rules' messages sent without the candidate but skipped with it. */
    othersSuppressed: { total: number; byGuard: Record<string, number>; byRule: Record<string, number> }
  }
  workload: QueueWorkload[]
  samples: Array<{ customer: string; decisions: DecisionLine[] }>
  /** When the candidate never fired: how often each of its top-level conditions held, and the first that never did. */
  conditions?: ConditionCounts
}

const dateOf = (iso: string): string => iso.slice(0, 10)
const inc = (counts: Record<string, number>, key: string, n = 1): void => void (counts[key] = (counts[key] ?? 0) + n)

/** UTC dates of [from, to). */
export function periodDays(from: number, to: number): string[] {
  const days: string[] = []
  for (let t = Math.floor(from / DAY) * DAY; t < to; t += DAY) days.push(new Date(t).toISOString().slice(0, 10))
  return days
}

export function firesOf(lines: readonly DecisionLine[], days: readonly string[]): Fires {
  const perDay = new Map(days.map((d) => [d, 0]))
  const fired = new Set<string>()
  const held = new Map<string, string>()
  const fires: Fires = { total: 0, actions: 0, byDay: [], byChannel: {}, byQueue: {}, outcomes: {}, suppressedByRuleGuards: {} }
  for (const line of lines) {
    const signal = signalOfKey(line.id)
    inc(fires.outcomes, line.outcome)
    if (line.outcome === 'suppressed') {
      if (line.guard !== 'conditions' || !held.has(signal)) held.set(signal, line.guard ?? 'unknown')
      continue
    }
    fires.actions++
    if (line.action === 'nudge') inc(fires.byChannel, line.channel ?? '')
    else inc(fires.byQueue, line.queue ?? '')
    if (fired.has(signal)) continue
    fired.add(signal)
    perDay.set(dateOf(line.decidedAt), (perDay.get(dateOf(line.decidedAt)) ?? 0) + 1)
  }
  // A signal counts as held back only when none of its actions went ahead.
  for (const [signal, guard] of held) if (!fired.has(signal)) inc(fires.suppressedByRuleGuards, guard)
  fires.total = fired.size
  fires.byDay = [...perDay].map(([date, n]) => ({ date, fires: n }))
  return fires
}

function overlapOf(lines: readonly DecisionLine[], baseline: readonly DecisionLine[], ruleId: string): BacktestReport['overlap'] {
  const planned = lines.filter((l) => l.outcome !== 'suppressed')
  const mine = planned.filter((l) => l.rule === ruleId)
  const othersBy = new Map<string, DecisionLine[]>()
  for (const l of planned) if (l.rule !== ruleId) othersBy.set(l.customer, [...(othersBy.get(l.customer) ?? []), l])
  const shoppers = new Set(mine.map((l) => l.customer))
  const overlapping = new Set<string>()
  const byRuleSets = new Map<string, Set<string>>()
  for (const l of mine) {
    const t = Date.parse(l.decidedAt)
    for (const other of othersBy.get(l.customer) ?? []) {
      if (Math.abs(Date.parse(other.decidedAt) - t) > OVERLAP_MS) continue
      overlapping.add(l.customer)
      byRuleSets.set(other.rule, (byRuleSets.get(other.rule) ?? new Set()).add(l.customer))
    }
  }
  const candidateSuppressed = { total: 0, byGuard: {} as Record<string, number>, byRule: {} as Record<string, number> }
  for (const l of mine) {
    if (l.outcome !== 'skipped') continue
    candidateSuppressed.total++
    inc(candidateSuppressed.byGuard, l.guard ?? 'unknown')
    if (l.suppressedBy) inc(candidateSuppressed.byRule, l.suppressedBy)
  }
  const othersSuppressed = { total: 0, byGuard: {} as Record<string, number>, byRule: {} as Record<string, number> }
  const sentBefore = new Set(baseline.filter((l) => l.rule !== ruleId && l.outcome === 'sent').map((l) => l.id))
  for (const l of planned) {
    if (l.rule === ruleId || l.outcome !== 'skipped' || !sentBefore.has(l.id)) continue
    othersSuppressed.total++
    inc(othersSuppressed.byGuard, l.guard ?? 'unknown')
    inc(othersSuppressed.byRule, l.rule)
  }
  const byRule = Object.fromEntries([...byRuleSets].sort(([a], [b]) => (a < b ? -1 : 1)).map(([rule, set]) => [rule, set.size]))
  return { shoppers: shoppers.size, withOtherRules: overlapping.size, byRule, candidateSuppressed, othersSuppressed }
}

function workloadOf(lines: readonly DecisionLine[], ruleId: string, days: readonly string[], queues: readonly Queue[], agents: readonly Agent[]): QueueWorkload[] {
  const tasks = lines.filter((l) => l.outcome === 'task' && l.deliverAt !== null)
  const names = [...new Set(tasks.map((l) => l.queue ?? ''))].sort()
  return names.map((name) => {
    const queue = queues.find((q) => q.id === name)
    const serving = agents.filter((a) => a.queues.includes(name))
    const capacity = queue ? serving.reduce((sum, a) => sum + (a.capacity ?? queue.capacityPerAgent), 0) : null
    const perDay = new Map(days.map((d) => [d, { tasks: 0, candidate: 0 }]))
    for (const l of tasks) {
      if (l.queue !== name) continue
      const day = perDay.get(dateOf(l.deliverAt as string))
      if (!day) continue // available only after the period
      day.tasks++
      if (l.rule === ruleId) day.candidate++
    }
    const list = [...perDay].map(([date, d]) => ({ date, ...d, overCapacity: capacity !== null && d.tasks > capacity }))
    return { queue: name, agents: serving.length, capacity, peak: Math.max(0, ...list.map((d) => d.tasks)), days: list }
  })
}

export interface ReportInput {
  rule: BacktestReport['rule']
  from: number
  to: number
  events: number
  truncated: boolean
  skippedRules: BacktestReport['skippedRules']
  /** The run with the candidate, and the run without it; both limited to the period. */
  lines: readonly DecisionLine[]
  baseline: readonly DecisionLine[]
  queues: readonly Queue[]
  agents: readonly Agent[]
  sample: number
}

export function buildReport(input: ReportInput): BacktestReport {
  const { rule, lines, baseline } = input
  const days = periodDays(input.from, input.to)
  const mine = lines.filter((l) => l.rule === rule.id)
  const samples: BacktestReport['samples'] = []
  for (const l of mine) {
    if (samples.length >= input.sample) break
    if (l.outcome === 'suppressed' || samples.some((s) => s.customer === l.customer)) continue
    samples.push({ customer: l.customer, decisions: mine.filter((m) => m.customer === l.customer) })
  }
  return {
    rule,
    period: { from: new Date(input.from).toISOString(), to: new Date(input.to).toISOString(), days: days.length },
    events: input.events,
    truncated: input.truncated,
    skippedRules: input.skippedRules,
    fires: firesOf(mine, days),
    baseline: rule.replaces === null ? null : firesOf(baseline.filter((l) => l.rule === rule.id), days),
    overlap: overlapOf(lines, baseline, rule.id),
    workload: workloadOf(lines, rule.id, days, input.queues, input.agents),
    samples,
  }
}
