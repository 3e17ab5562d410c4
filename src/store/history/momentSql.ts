// Analytics on one time basis: the moment a rule noticed. Signals and decisions carry that moment
// (event time); the messages and tasks a decision planned follow it, whenever they were sent or
// worked, so "2 signals → 2 planned → 1 sent" of one period add up even when the engine worked
// through a backlog of older events. A message or task no decision planned (surveys, talk to a
// person, decisions beyond ATTRIBUTION_LOOKBACK_MS) has no noticed moment: its own first row is its
// moment. Same dialect limits as analytics.ts.
import {
  OVERVIEW_COUNTERS,
  attributionStart,
  counters,
  ruleOutboxes,
  ruleTasks,
  since,
  sums,
  table,
  within,
  type AnalyticsScope,
  type OverviewScope,
} from './analytics.ts'
import { quoteString as str } from './escape.ts'
import type { MessageProblem } from './HistoryStore.ts'
import { toNumber } from './rows.ts'

/** Where a message or task row's moment lies in the window. */
const inWindow = (scope: AnalyticsScope): string => `moment >= ${scope.from} AND moment < ${scope.to}`

/**
 * Every delivery row of the messages whose moment lies in the window, with that moment and the
 * rule that planned the message ('' for none). Columns: outbox_id, status, detail, moment, rule_id.
 */
function momentMessages(scope: AnalyticsScope): string {
  const from = attributionStart(scope)
  return `SELECT outbox_id, status, detail, if(decided_ms = 0, first_ms, decided_ms) AS moment, rule_id
  FROM (
    SELECT outbox_id, first_ms, status, detail FROM (
      SELECT outbox_id, min(ts_ms) AS first_ms, groupArray(status) AS statuses, groupArray(detail) AS details
      FROM ${table(scope, 'deliveries')} WHERE ${since(from)} GROUP BY outbox_id
    ) ARRAY JOIN statuses AS status, details AS detail
  ) AS d
  ANY LEFT JOIN (${ruleOutboxes(scope, from, scope.to, true)}) AS m USING outbox_id
  WHERE ${inWindow(scope)}`
}

/**
 * One row per task whose moment lies in the window: was it created, resolved, did it breach its
 * SLA. Columns: task_id, moment, created, resolved, breached (0/1).
 */
function momentTasks(scope: AnalyticsScope): string {
  const from = attributionStart(scope)
  const breach = `kind = ${str('escalated')} AND visitParamExtractString(details, ${str('stage')}) = ${str('breach')}`
  return `SELECT task_id, if(decided_ms = 0, first_ms, decided_ms) AS moment, created, resolved, breached
  FROM (
    SELECT task_id, min(ts_ms) AS first_ms, max(kind = ${str('created')}) AS created,
      max(kind = ${str('resolved')}) AS resolved, max(${breach}) AS breached
    FROM ${table(scope, 'task_events')} WHERE ${since(from)} GROUP BY task_id
  ) AS e
  ANY LEFT JOIN (${ruleTasks(scope, from, scope.to, true)}) AS m USING task_id
  WHERE ${inWindow(scope)}`
}

/**
 * The overview on the moment basis: per bucket of the noticed moment, signals and decisions of
 * the window and what became of their messages and tasks. Columns as overviewQuery's.
 */
export function momentOverviewQuery(scope: OverviewScope): string {
  const { from: F, to: T, bucketMs: B } = scope
  const bucketOf = (column: string) => `toUInt64(${F} + intDiv(${column} - ${F}, ${B}) * ${B})`
  const w = within(F, T)
  const c = (given: Record<string, string>) => counters(OVERVIEW_COUNTERS, given)
  const status = (s: string) => `uniqExactIf(outbox_id, status = ${str(s)})`
  return `SELECT t, ${sums(OVERVIEW_COUNTERS)}
FROM (
  SELECT toUInt64(${F} + arrayJoin(range(toUInt64(intDiv(${T} - ${F} + ${B} - 1, ${B})))) * ${B}) AS t, ${c({})}
  UNION ALL
  SELECT ${bucketOf('ts_ms')} AS t, ${c({ signals: 'uniqExact(id)' })}
  FROM ${table(scope, 'signals')} WHERE ${w} GROUP BY t
  UNION ALL
  SELECT ${bucketOf('ts_ms')} AS t, ${c({
    planned: `uniqExactIf(id, outcome = ${str('planned')})`,
    suppressed: `uniqExactIf(id, outcome = ${str('suppressed')})`,
  })}
  FROM ${table(scope, 'decisions')} WHERE ${w} GROUP BY t
  UNION ALL
  SELECT ${bucketOf('moment')} AS t, ${c({ sent: status('sent'), skipped: status('skipped'), failed: status('failed'), dead: status('dead') })}
  FROM (${momentMessages(scope)}) GROUP BY t
  UNION ALL
  SELECT ${bucketOf('moment')} AS t, ${c({
    tasks_created: 'toUInt64(sum(created))',
    tasks_resolved: 'toUInt64(sum(resolved))',
    sla_breaches: 'toUInt64(sum(breached))',
  })}
  FROM (${momentTasks(scope)}) GROUP BY t
)
GROUP BY t
ORDER BY t`
}

/**
 * Why the messages of the window's moments were not sent, per rule: skipped by a send-time guard
 * (the detail's prefix), failed or dead by reason (the detail up to its first colon), with one
 * example detail. Columns: rule_id, status, reason, messages, example.
 */
export function momentProblemsQuery(scope: AnalyticsScope): string {
  return `SELECT rule_id, status, splitByChar(${str(':')}, detail)[1] AS reason, uniqExact(outbox_id) AS messages, any(detail) AS example
FROM (${momentMessages(scope)})
WHERE status IN (${str('skipped')}, ${str('failed')}, ${str('dead')})
GROUP BY rule_id, status, reason
ORDER BY rule_id, status, reason`
}

/** Rows → problems, the ones no rule planned (rule_id '') last. */
export function toMessageProblems(rows: readonly Record<string, unknown>[]): MessageProblem[] {
  const attributed = (row: Record<string, unknown>) => (row['rule_id'] === '' ? 1 : 0)
  return [...rows].sort((a, b) => attributed(a) - attributed(b)).map((row) => ({
    ruleId: row['rule_id'] === '' ? null : String(row['rule_id']),
    status: String(row['status']) as MessageProblem['status'],
    reason: String(row['reason']),
    messages: toNumber(row['messages'], 'messages'),
    example: String(row['example']),
  }))
}
