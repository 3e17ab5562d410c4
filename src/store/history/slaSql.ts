// The SLA report per queue or per agent: tasks created in the window and what became of them —
// SLA breaches, first contact and resolution (median and p90, ms from when the task reached the
// work list). Same dialect limits as analytics.ts (ClickHouse 18.16 and chDB).
import { CREATED_WITHIN, TASK_CONTACT_AND_BREACH, TASK_READY, quantileOrNull, since, type AnalyticsScope } from './analytics.ts'
import { quoteString as str } from './escape.ts'
import type { SlaGroup, SlaGrouping } from './HistoryStore.ts'
import { toNumber } from './rows.ts'
import { qualified } from './sql.ts'

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
