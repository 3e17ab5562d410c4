// SLA figures over task_events: per queue, first claim and first contact (the analytics API's
// /sla and the Grafana panel); the SLA report per queue or per agent with breaches, first contact
// and resolution (median and p90, ms from when the task reached the work list). Same dialect
// limits as analytics.ts (ClickHouse 18.16 and chDB).
import { FIRST_CONTACT_MS, HAS_FIRST_CONTACT, since, type AnalyticsScope } from './analytics.ts'
import { quoteString as str } from './escape.ts'
import type { SlaGroup, SlaGrouping } from './HistoryStore.ts'
import { toNumber } from './rows.ts'
import { qualified } from './sql.ts'

/**
 * Per queue, the tasks created in the window and what became of them: SLA breaches, first claim
 * and first contact (median and p90, ms from when the task reached the work list: its
 * available_at, else its creation). The queue is the one the task was created in. Medians are
 * quantileExact: the upper middle value for an even count, never interpolated.
 * Columns: queue, tasks, breaches, claimed, contacted, median_first_contact_ms,
 * p90_first_contact_ms, median_first_claim_ms, p90_first_claim_ms (NULL when none).
 */
export function agentSlaQuery(scope: AnalyticsScope): string {
  const q = quantileOrNull
  return `SELECT task_queue AS queue, count() AS tasks, countIf(is_breached) AS breaches, countIf(is_claimed) AS claimed,
  countIf(is_contacted) AS contacted,
  ${q(0.5, 'first_contact_ms', 'is_contacted')} AS median_first_contact_ms,
  ${q(0.9, 'first_contact_ms', 'is_contacted')} AS p90_first_contact_ms,
  ${q(0.5, 'first_claim_ms', 'is_claimed')} AS median_first_claim_ms,
  ${q(0.9, 'first_claim_ms', 'is_claimed')} AS p90_first_claim_ms
FROM (
  SELECT task_id,
${TASK_READY}
    countIf(kind = ${str('claimed')}) > 0 AS is_claimed,
    minIf(ts_ms, kind = ${str('claimed')}) AS claimed_at,
    if(claimed_at > ready_at, claimed_at - ready_at, 0) AS first_claim_ms,
${TASK_CONTACT_AND_BREACH}
  FROM ${qualified(scope.database, 'task_events')}
  WHERE ${since(scope.from)}
  GROUP BY task_id
  HAVING ${CREATED_WITHIN(scope)}
)
GROUP BY queue
ORDER BY queue`
}

/** quantileExact of `value` over the rows where `cond` holds; NULL when there are none. */
export const quantileOrNull = (level: number, value: string, cond: string): string =>
  `if(countIf(${cond}) = 0, NULL, quantileExactIf(${level})(${value}, ${cond}))`

/** Per task (grouped by task_id): its queue of creation, and when it reached the work list. */
export const TASK_READY = `    argMinIf(queue, ts_ms, kind = ${str('created')}) AS task_queue,
    countIf(kind = ${str('created')}) AS created_rows,
    minIf(ts_ms, kind = ${str('created')}) AS created_at,
    greatest(created_at, maxIf(visitParamExtractUInt(details, ${str('available_at')}), kind = ${str('created')})) AS ready_at,`

/** Per task: whether and how soon an agent first contacted the shopper, and whether the SLA was breached. */
export const TASK_CONTACT_AND_BREACH = `    countIf(${HAS_FIRST_CONTACT}) > 0 AS is_contacted,
    minIf(${FIRST_CONTACT_MS}, ${HAS_FIRST_CONTACT}) AS first_contact_ms,
    countIf(kind = ${str('escalated')} AND visitParamExtractString(details, ${str('stage')}) = ${str('breach')}) > 0 AS is_breached`

/** The tasks created in the scope's window. */
export const CREATED_WITHIN = (scope: AnalyticsScope): string => `created_rows > 0 AND created_at >= ${scope.from} AND created_at < ${scope.to}`


const RESOLVED_BY_PERSON = `kind = ${str('resolved')} AND outcome != ${str('resolved_by_event')}`

/**
 * Per task created in [from, to): its queue of creation, the agent who claimed it last (the one
 * holding or having resolved it; '' if never claimed), breach, first contact and resolution.
 * Per agent, tasks nobody claimed are left out. Columns: key, tasks, breaches, contacted,
 * resolved, median/p90_first_contact_ms, median/p90_resolution_ms (NULL when none).
 */
export function slaReportQuery(scope: AnalyticsScope, by: SlaGrouping): string {
  const q = quantileOrNull
  const key = by === 'queue' ? 'task_queue' : 'task_agent'
  return `SELECT ${key} AS key, count() AS tasks, countIf(is_breached) AS breaches, countIf(is_contacted) AS contacted,
  countIf(is_resolved) AS resolved,
  ${q(0.5, 'first_contact_ms', 'is_contacted')} AS median_first_contact_ms,
  ${q(0.9, 'first_contact_ms', 'is_contacted')} AS p90_first_contact_ms,
  ${q(0.5, 'resolution_ms', 'is_resolved')} AS median_resolution_ms,
  ${q(0.9, 'resolution_ms', 'is_resolved')} AS p90_resolution_ms
FROM (
  SELECT task_id,
${TASK_READY}
    argMaxIf(actor, ts_ms, kind = ${str('claimed')}) AS task_agent,
    countIf(${RESOLVED_BY_PERSON}) > 0 AS is_resolved,
    minIf(ts_ms, ${RESOLVED_BY_PERSON}) AS resolved_at,
    if(resolved_at > ready_at, resolved_at - ready_at, 0) AS resolution_ms,
${TASK_CONTACT_AND_BREACH}
  FROM ${qualified(scope.database, 'task_events')}
  WHERE ${since(scope.from)}
  GROUP BY task_id
  HAVING ${CREATED_WITHIN(scope)}${by === 'agent' ? ` AND task_agent != ${str('')}` : ''}
)
GROUP BY key
ORDER BY key`
}

const nullable = (row: Record<string, unknown>, column: string): number | null => (row[column] == null ? null : toNumber(row[column], column))

export function toSlaGroups(rows: readonly Record<string, unknown>[]): SlaGroup[] {
  return rows.map((row) => ({
    key: String(row['key']),
    tasks: toNumber(row['tasks'], 'tasks'),
    breaches: toNumber(row['breaches'], 'breaches'),
    contacted: toNumber(row['contacted'], 'contacted'),
    resolved: toNumber(row['resolved'], 'resolved'),
    medianFirstContactMs: nullable(row, 'median_first_contact_ms'),
    p90FirstContactMs: nullable(row, 'p90_first_contact_ms'),
    medianResolutionMs: nullable(row, 'median_resolution_ms'),
    p90ResolutionMs: nullable(row, 'p90_resolution_ms'),
  }))
}
