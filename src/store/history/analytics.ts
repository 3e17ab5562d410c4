// Analytics over the history tables: every query of the analytics API and of the Grafana dashboard
// (dashboards.ts builds the dashboard from these same functions, so the two cannot drift).
//
// Same dialect limits as sql.ts (ClickHouse 18.16 and chDB 26.x): no query parameters, CTEs,
// window functions, JSONExtract (visitParam* reads the flat JSON `details`), toStartOfInterval
// or WITH FILL. Further rules learnt on both engines:
// - replays are folded by counting distinct ids (uniqExact) or by grouping per task / message;
// - joins are `ANY LEFT JOIN … USING` with aliased subqueries: 26.x demands the aliases, and its
//   ANY INNER JOIN also drops repeated keys of the left side, so "inner" is a LEFT JOIN whose
//   unmatched rows (empty rule_id) are filtered or reported as unattributed;
// - UNION ALL branches carry the same column types (toUInt64(0) for the empty counters);
// - never numbers(0) (18.16 reads it as "unbounded"): zero buckets come from range(n).
//
// Values only through escape.ts: numbers are SqlNumber fragments made by sqlNumber() (quoteNumber),
// strings go through quoteString, identifiers through qualified(). The one other kind of
// SqlNumber is a fixed Grafana variable (GRAFANA below), interpolated by Grafana itself.
import { quoteNumber, quoteString } from './escape.ts'
import type {
  AnalyticsOverview,
  OverviewBucket,
  OverviewCounts,
  QueueSla,
  RuleFunnel,
  SuppressionCounts,
  SuppressionStats,
} from './HistoryStore.ts'
import { toNumber } from './rows.ts'
import { qualified, type TableName } from './sql.ts'

declare const sqlNumberBrand: unique symbol
/** SQL text standing for a number: a literal from sqlNumber(), or one of the GRAFANA variables. */
export type SqlNumber = string & { readonly [sqlNumberBrand]: true }

/** A numeric literal, through quoteNumber (finite, exact integers). */
export function sqlNumber(value: number): SqlNumber {
  return quoteNumber(value) as SqlNumber
}

/**
 * Grafana's global variables as the dashboard uses them: the time range in epoch ms and the
 * panel's interval in ms (Grafana core interpolates them before the ClickHouse plugin sees the
 * query, so they work on any server version, unlike the plugin's $__timeFilter macros, which
 * need DateTime / DateTime64 columns). `database` is the dashboard's own variable, raw format so
 * it lands inside the backticks of a qualified table name.
 */
export const GRAFANA = {
  from: '${__from}' as SqlNumber,
  to: '${__to}' as SqlNumber,
  intervalMs: '${__interval_ms}' as SqlNumber,
  database: '${database:raw}',
} as const

/** Where and when: the database and a half-open window [from, to) of epoch ms. */
export interface AnalyticsScope {
  database: string
  from: SqlNumber
  to: SqlNumber
}

export interface OverviewScope extends AnalyticsScope {
  /** Bucket width in ms; buckets start at `from`. */
  bucketMs: SqlNumber
}

/** Send-time guards, named by the prefix of a skipped delivery's detail (`consent: …`). */
export const GUARD_NAMES = ['consent', 'quiet_hours', 'conflict', 'human_contact', 'cap_day', 'cap_channel'] as const
/** Why a rule's decision was suppressed before any guard (holdout: kept out to measure lift; stale: older than the rule's maxAge). */
export const SUPPRESS_REASONS = ['cooldown', 'once', 'conditions', 'holdout', 'stale'] as const

/**
 * How long before the window a skipped message's decision may lie and still be attributed to its
 * rule (deferrals, SLA fallbacks and retries put days between a decision and its send at most).
 */
export const ATTRIBUTION_LOOKBACK_MS = 30 * 86_400_000

export const Z = 'toUInt64(0)'
const str = quoteString

export const table = (scope: AnalyticsScope, name: TableName): string => qualified(scope.database, name)

/** The window on ts_ms, plus the same bounds on `dt` so monthly partitions can be pruned. */
export function within(from: string, to: string): string {
  return `ts_ms >= ${from} AND ts_ms < ${to} AND dt >= toDateTime(intDiv(${from}, 1000)) AND dt <= toDateTime(intDiv(${to}, 1000))`
}

/** Only a lower bound: everything that happened to a task or message from `from` on. */
export function since(from: string): string {
  return `ts_ms >= ${from} AND dt >= toDateTime(intDiv(${from}, 1000))`
}

/**
 * stableHash(text) of src/lib/hash.ts in SQL: the first 32 hex digits of SHA-256. Outbox and task
 * ids are stableHash(decision id), which is how deliveries and task events find their rule.
 */
export function stableHashSql(expression: string): string {
  return `substring(lower(hex(SHA256(${expression}))), 1, 32)`
}

/**
 * outbox_id → rule_id for the messages planned by the decisions in [from, to): a nudge's id is
 * stableHash(decision id); a task's SLA fallback nudge is stableHash('escalation:' + task id).
 */
export function ruleOutboxes(scope: AnalyticsScope, from: string, to: string, withMoment = false): string {
  const outbox = `if(action = ${str('task')}, ${stableHashSql(`concat(${str('escalation:')}, ${stableHashSql('id')})`)}, ${stableHashSql('id')})`
  return `SELECT ${outbox} AS outbox_id, rule_id${withMoment ? ', ts_ms AS decided_ms' : ''}
    FROM ${table(scope, 'decisions')}
    WHERE ${within(from, to)} AND outcome = ${str('planned')}`
}

/** task_id → rule_id for the tasks planned by the decisions in [from, to) (default: the window). */
export function ruleTasks(scope: AnalyticsScope, from: string = scope.from, to: string = scope.to, withMoment = false): string {
  return `SELECT ${stableHashSql('id')} AS task_id, rule_id${withMoment ? ', ts_ms AS decided_ms' : ''}
    FROM ${table(scope, 'decisions')}
    WHERE ${within(from, to)} AND outcome = ${str('planned')} AND action = ${str('task')}`
}

export const OVERVIEW_COUNTERS = [
  'signals', 'planned', 'suppressed', 'sent', 'skipped', 'failed', 'dead', 'tasks_created', 'tasks_resolved', 'sla_breaches',
] as const

/**
 * The counter list of one UNION ALL branch: the given expressions, zeros for the rest. Named n_*
 * so the outer `sum(n_x) AS x` is no alias of itself (a cycle to ClickHouse).
 */
export function counters(names: readonly string[], given: Record<string, string>): string {
  return names.map((name) => `${given[name] ?? Z} AS n_${name}`).join(', ')
}

export const sums = (names: readonly string[]): string => names.map((name) => `sum(n_${name}) AS ${name}`).join(', ')

/**
 * Activity per time bucket: signals, decisions, deliveries by status and task changes, each by
 * the time it happened; every bucket of the window is present (zero rows from range()).
 * Columns: t (bucket start, epoch ms), then OVERVIEW_COUNTERS.
 */
export function overviewQuery(scope: OverviewScope): string {
  const { from: F, to: T, bucketMs: B } = scope
  const bucket = `toUInt64(${F} + intDiv(ts_ms - ${F}, ${B}) * ${B})`
  const w = within(F, T)
  const c = (given: Record<string, string>) => counters(OVERVIEW_COUNTERS, given)
  const breach = `kind = ${str('escalated')} AND visitParamExtractString(details, ${str('stage')}) = ${str('breach')}`
  return `SELECT t, ${sums(OVERVIEW_COUNTERS)}
FROM (
  SELECT toUInt64(${F} + arrayJoin(range(toUInt64(intDiv(${T} - ${F} + ${B} - 1, ${B})))) * ${B}) AS t, ${c({})}
  UNION ALL
  SELECT ${bucket} AS t, ${c({ signals: 'uniqExact(id)' })}
  FROM ${table(scope, 'signals')} WHERE ${w} GROUP BY t
  UNION ALL
  SELECT ${bucket} AS t, ${c({
    planned: `uniqExactIf(id, outcome = ${str('planned')})`,
    suppressed: `uniqExactIf(id, outcome = ${str('suppressed')})`,
  })}
  FROM ${table(scope, 'decisions')} WHERE ${w} GROUP BY t
  UNION ALL
  SELECT ${bucket} AS t, ${c(Object.fromEntries(['sent', 'skipped', 'failed', 'dead'].map((s) => [s, `uniqExactIf(id, status = ${str(s)})`])))}
  FROM ${table(scope, 'deliveries')} WHERE ${w} GROUP BY t
  UNION ALL
  SELECT ${bucket} AS t, ${c({
    tasks_created: `uniqExactIf(task_id, kind = ${str('created')})`,
    tasks_resolved: `uniqExactIf(task_id, kind = ${str('resolved')})`,
    sla_breaches: `uniqExactIf(task_id, ${breach})`,
  })}
  FROM ${table(scope, 'task_events')} WHERE ${w} GROUP BY t
)
GROUP BY t
ORDER BY t`
}

const HAS_FIRST_CONTACT = `kind = ${str('contact')} AND visitParamHas(details, ${str('timeToFirstContactMs')})`
const FIRST_CONTACT_MS = `visitParamExtractUInt(details, ${str('timeToFirstContactMs')})`

/**
 * First contacts made in the window (the agent's first call or message on a task; its time is
 * measured from when the task reached the work list): how many, and the median.
 * Columns: contacts, median_first_contact_ms (NULL without contacts).
 */
export function firstContactQuery(scope: AnalyticsScope): string {
  return `SELECT count() AS contacts, if(count() = 0, NULL, quantileExact(0.5)(ms)) AS median_first_contact_ms
FROM (
  SELECT task_id, min(${FIRST_CONTACT_MS}) AS ms
  FROM ${table(scope, 'task_events')}
  WHERE ${within(scope.from, scope.to)} AND ${HAS_FIRST_CONTACT}
  GROUP BY task_id
)`
}

const FUNNEL_COUNTERS = [
  'signals', 'planned', 'suppressed', 'sent', 'delivered', 'opened', 'clicked', 'tasks_created', 'tasks_resolved',
] as const

/**
 * Per rule, the moments of the window followed through: signals → decisions (planned /
 * suppressed actions) → messages sent, delivered, opened, clicked (distinct messages, whenever
 * it happened, the SLA fallback nudges of its tasks included) → tasks created and resolved.
 * Columns: rule_id, then FUNNEL_COUNTERS.
 */
export function funnelQuery(scope: AnalyticsScope): string {
  const w = within(scope.from, scope.to)
  const c = (given: Record<string, string>) => counters(FUNNEL_COUNTERS, given)
  const outboxes = ruleOutboxes(scope, scope.from, scope.to)
  const tasks = ruleTasks(scope)
  const statuses = ['sent', 'delivered', 'opened', 'clicked']
  return `SELECT rule_id, ${sums(FUNNEL_COUNTERS)}
FROM (
  SELECT rule_id, ${c({ signals: 'uniqExact(id)' })}
  FROM ${table(scope, 'signals')} WHERE ${w} GROUP BY rule_id
  UNION ALL
  SELECT rule_id, ${c({
    planned: `uniqExactIf(id, outcome = ${str('planned')})`,
    suppressed: `uniqExactIf(id, outcome = ${str('suppressed')})`,
  })}
  FROM ${table(scope, 'decisions')} WHERE ${w} GROUP BY rule_id
  UNION ALL
  SELECT rule_id, ${c(Object.fromEntries(statuses.map((s) => [s, `uniqExactIf(outbox_id, status = ${str(s)})`])))}
  FROM (
    SELECT outbox_id, status FROM ${table(scope, 'deliveries')}
    WHERE status IN (${statuses.map(str).join(', ')}) AND outbox_id IN (SELECT outbox_id FROM (${outboxes}))
  ) AS d
  ANY LEFT JOIN (${outboxes}) AS m USING outbox_id
  GROUP BY rule_id HAVING rule_id != ${str('')}
  UNION ALL
  SELECT rule_id, ${c({
    tasks_created: `uniqExactIf(task_id, kind = ${str('created')})`,
    tasks_resolved: `uniqExactIf(task_id, kind = ${str('resolved')})`,
  })}
  FROM (
    SELECT task_id, kind FROM ${table(scope, 'task_events')}
    WHERE kind IN (${str('created')}, ${str('resolved')}) AND task_id IN (SELECT task_id FROM (${tasks}))
  ) AS e
  ANY LEFT JOIN (${tasks}) AS m USING task_id
  GROUP BY rule_id HAVING rule_id != ${str('')}
)
GROUP BY rule_id
ORDER BY rule_id`
}

/**
 * How the tasks of the funnel's rules were resolved: per rule and outcome code, distinct tasks.
 * Columns: rule_id, outcome, tasks.
 */
export function funnelOutcomesQuery(scope: AnalyticsScope): string {
  const tasks = ruleTasks(scope)
  return `SELECT rule_id, outcome, uniqExact(task_id) AS tasks
FROM (
  SELECT task_id, outcome FROM ${table(scope, 'task_events')}
  WHERE kind = ${str('resolved')} AND task_id IN (SELECT task_id FROM (${tasks}))
) AS e
ANY LEFT JOIN (${tasks}) AS m USING task_id
WHERE rule_id != ${str('')}
GROUP BY rule_id, outcome
ORDER BY rule_id, outcome`
}

/**
 * Decisions suppressed before any guard, per rule and reason (cooldown, once, conditions), one
 * per action like the overview's `suppressed`. Columns: rule_id, reason, decisions.
 */
export function suppressionReasonsQuery(scope: AnalyticsScope): string {
  return `SELECT rule_id, reason, uniqExact(id) AS decisions
FROM ${table(scope, 'decisions')}
WHERE ${within(scope.from, scope.to)} AND outcome = ${str('suppressed')}
GROUP BY rule_id, reason
ORDER BY rule_id, reason`
}

/** The earliest decision a message or task of the window may come from (ATTRIBUTION_LOOKBACK_MS). */
export function attributionStart(scope: AnalyticsScope): string {
  const lookback = sqlNumber(ATTRIBUTION_LOOKBACK_MS)
  // greatest() keeps the bound unsigned: toDateTime of a negative number would wrap around.
  return `(greatest(${scope.from}, ${lookback}) - ${lookback})`
}

/**
 * Messages a send-time guard skipped in the window, per rule and guard (the prefix of the
 * detail). A message whose decision is not found (surveys, talk-to-a-person follow-ups, decisions
 * older than ATTRIBUTION_LOOKBACK_MS) has rule_id ''. Columns: rule_id, guard, skipped.
 */
export function suppressionGuardsQuery(scope: AnalyticsScope): string {
  const attributionFrom = attributionStart(scope)
  return `SELECT rule_id, guard, uniqExact(id) AS skipped
FROM (
  SELECT id, outbox_id, splitByChar(${str(':')}, detail)[1] AS guard
  FROM ${table(scope, 'deliveries')}
  WHERE ${within(scope.from, scope.to)} AND status = ${str('skipped')}
) AS d
ANY LEFT JOIN (${ruleOutboxes(scope, attributionFrom, scope.to)}) AS m USING outbox_id
GROUP BY rule_id, guard
ORDER BY rule_id, guard`
}

/**
 * Per queue, the tasks created in the window and what became of them: SLA breaches, first claim
 * and first contact (median and p90, ms from when the task reached the work list: its
 * available_at, else its creation). The queue is the one the task was created in. Medians are
 * quantileExact: the upper middle value for an even count, never interpolated.
 * Columns: queue, tasks, breaches, claimed, contacted, median_first_contact_ms,
 * p90_first_contact_ms, median_first_claim_ms, p90_first_claim_ms (NULL when none).
 */
export function agentSlaQuery(scope: AnalyticsScope): string {
  const q = (level: number, value: string, cond: string) =>
    `if(countIf(${cond}) = 0, NULL, quantileExactIf(${level})(${value}, ${cond}))`
  return `SELECT task_queue AS queue, count() AS tasks, countIf(is_breached) AS breaches, countIf(is_claimed) AS claimed,
  countIf(is_contacted) AS contacted,
  ${q(0.5, 'first_contact_ms', 'is_contacted')} AS median_first_contact_ms,
  ${q(0.9, 'first_contact_ms', 'is_contacted')} AS p90_first_contact_ms,
  ${q(0.5, 'first_claim_ms', 'is_claimed')} AS median_first_claim_ms,
  ${q(0.9, 'first_claim_ms', 'is_claimed')} AS p90_first_claim_ms
FROM (
  SELECT task_id,
    argMinIf(queue, ts_ms, kind = ${str('created')}) AS task_queue,
    countIf(kind = ${str('created')}) AS created_rows,
    minIf(ts_ms, kind = ${str('created')}) AS created_at,
    greatest(created_at, maxIf(visitParamExtractUInt(details, ${str('available_at')}), kind = ${str('created')})) AS ready_at,
    countIf(kind = ${str('claimed')}) > 0 AS is_claimed,
    minIf(ts_ms, kind = ${str('claimed')}) AS claimed_at,
    if(claimed_at > ready_at, claimed_at - ready_at, 0) AS first_claim_ms,
    countIf(${HAS_FIRST_CONTACT}) > 0 AS is_contacted,
    minIf(${FIRST_CONTACT_MS}, ${HAS_FIRST_CONTACT}) AS first_contact_ms,
    countIf(kind = ${str('escalated')} AND visitParamExtractString(details, ${str('stage')}) = ${str('breach')}) > 0 AS is_breached
  FROM ${table(scope, 'task_events')}
  WHERE ${since(scope.from)}
  GROUP BY task_id
  HAVING created_rows > 0 AND created_at >= ${scope.from} AND created_at < ${scope.to}
)
GROUP BY queue
ORDER BY queue`
}

// ---- results: the columns above → the store's types (64-bit counts arrive as strings) ----

type Row = Record<string, unknown>

const camel = (column: string): string => column.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())

const nullableNumber = (value: unknown, field: string): number | null => (value === null || value === undefined ? null : toNumber(value, field))

function pickCounts<K extends string>(row: Row, columns: readonly K[]): Record<string, number> {
  return Object.fromEntries(columns.map((column) => [camel(column), toNumber(row[column], column)]))
}

export function toOverview(rows: readonly Row[], firstContact: readonly Row[]): AnalyticsOverview {
  const buckets = rows.map((row) => ({ t: toNumber(row['t'], 't'), ...pickCounts(row, OVERVIEW_COUNTERS) }) as OverviewBucket)
  const totals = Object.fromEntries(OVERVIEW_COUNTERS.map((column) => [camel(column), 0])) as unknown as OverviewCounts
  for (const bucket of buckets) for (const key of Object.keys(totals) as Array<keyof OverviewCounts>) totals[key] += bucket[key]
  return { buckets, totals: { ...totals, medianFirstContactMs: nullableNumber(firstContact[0]?.['median_first_contact_ms'], 'median_first_contact_ms') } }
}

export function toFunnel(rows: readonly Row[], outcomes: readonly Row[]): RuleFunnel[] {
  const byRule = new Map<string, Record<string, number>>()
  for (const row of outcomes) {
    const rule = String(row['rule_id'])
    const counts = byRule.get(rule) ?? {}
    counts[String(row['outcome'])] = toNumber(row['tasks'], 'tasks')
    byRule.set(rule, counts)
  }
  return rows.map((row) => {
    const ruleId = String(row['rule_id'])
    return { ruleId, ...pickCounts(row, FUNNEL_COUNTERS), outcomes: byRule.get(ruleId) ?? {} } as RuleFunnel
  })
}

const zeros = (names: readonly string[]): Record<string, number> => Object.fromEntries(names.map((n) => [n, 0]))

/** Reasons rows and guards rows → totals and per-rule counts; rule '' (unattributed) → null, last. */
export function toSuppressions(reasons: readonly Row[], guards: readonly Row[]): SuppressionStats {
  const total: SuppressionCounts = { guards: zeros(GUARD_NAMES), reasons: zeros(SUPPRESS_REASONS) }
  const rules = new Map<string, SuppressionCounts>()
  const ruleOf = (id: string) => {
    let counts = rules.get(id)
    if (!counts) rules.set(id, (counts = { guards: zeros(GUARD_NAMES), reasons: zeros(SUPPRESS_REASONS) }))
    return counts
  }
  const add = (kind: keyof SuppressionCounts, rule: string, key: string, n: number) => {
    for (const counts of [total, ruleOf(rule)]) counts[kind][key] = (counts[kind][key] ?? 0) + n
  }
  for (const row of reasons) add('reasons', String(row['rule_id']), String(row['reason']), toNumber(row['decisions'], 'decisions'))
  for (const row of guards) add('guards', String(row['rule_id']), String(row['guard']), toNumber(row['skipped'], 'skipped'))
  const ids = [...rules.keys()].sort((a, b) => (a === '' ? 1 : b === '' ? -1 : a < b ? -1 : a > b ? 1 : 0))
  return { ...total, rules: ids.map((id) => ({ ruleId: id === '' ? null : id, ...(rules.get(id) as SuppressionCounts) })) }
}

export function toQueueSla(rows: readonly Row[]): QueueSla[] {
  return rows.map((row) => ({
    queue: String(row['queue']),
    ...pickCounts(row, ['tasks', 'breaches', 'claimed', 'contacted'] as const),
    ...Object.fromEntries(
      ['median_first_contact_ms', 'p90_first_contact_ms', 'median_first_claim_ms', 'p90_first_claim_ms'].map((c) => [camel(c), nullableNumber(row[c], c)]),
    ),
  }) as QueueSla)
}
