// The messages queued in a window and what the send-time guards made of them: the input of the
// guard-policy preview (src/care/guardPolicyPreview.ts). One row per outbox message, with the
// rule whose decision planned it ('' when none did: surveys, SLA fallbacks).
//
// Dialect as analytics.ts (ClickHouse 18.16 and chDB 26.x): one JOIN per SELECT level,
// `ANY LEFT JOIN … USING`, no aggregate aliased with a column's own name, no CTEs.
import { ATTRIBUTION_LOOKBACK_MS, sqlNumber, stableHashSql, type AnalyticsScope } from './analytics.ts'
import { quoteString } from './escape.ts'
import type { GuardedMessageRow } from './HistoryStore.ts'
import { toNumber } from './rows.ts'
import { qualified } from './sql.ts'

const str = quoteString

/**
 * Columns: outbox_id, shopper, chan, tmpl, queued_ms (first record of the message), was_sent,
 * was_deferred, skip_guard (the prefix of a skipped row's detail, '' when none), rule_id, rule_version.
 * At most `limit` messages, the earliest queued first.
 */
export function guardedMessagesQuery(scope: AnalyticsScope, limit: number): string {
  const { from, to } = scope
  const lookback = sqlNumber(ATTRIBUTION_LOOKBACK_MS)
  const decisionsFrom = `(greatest(${from}, ${lookback}) - ${lookback})`
  const window = (lo: string): string => `ts_ms >= ${lo} AND ts_ms < ${to} AND dt >= toDateTime(intDiv(${lo}, 1000)) AND dt <= toDateTime(intDiv(${to}, 1000))`
  return `SELECT outbox_id, shopper, chan, tmpl, queued_ms, was_sent, was_deferred, skip_guard, rule_id, rule_version
FROM (
  SELECT outbox_id, any(customer_id) AS shopper, any(channel) AS chan, any(template) AS tmpl, min(ts_ms) AS queued_ms,
    max(status = ${str('sent')}) AS was_sent, max(status = ${str('deferred')}) AS was_deferred,
    anyIf(splitByChar(${str(':')}, detail)[1], status = ${str('skipped')}) AS skip_guard
  FROM ${qualified(scope.database, 'deliveries')}
  WHERE ${window(from)}
  GROUP BY outbox_id
  HAVING max(status = ${str('queued')}) = 1
) AS m
ANY LEFT JOIN (
  SELECT ${stableHashSql('id')} AS outbox_id, rule_id, rule_version
  FROM ${qualified(scope.database, 'decisions')}
  WHERE ${window(decisionsFrom)} AND outcome = ${str('planned')} AND action = ${str('nudge')}
) AS d USING outbox_id
ORDER BY queued_ms, outbox_id
LIMIT ${sqlNumber(limit)}`
}

export function toGuardedMessage(row: Record<string, unknown>): GuardedMessageRow {
  return {
    outboxId: String(row['outbox_id']),
    customerId: String(row['shopper']),
    channel: String(row['chan']),
    template: String(row['tmpl']),
    queuedAt: toNumber(row['queued_ms'], 'queued_ms'),
    sent: toNumber(row['was_sent'], 'was_sent') === 1,
    deferred: toNumber(row['was_deferred'], 'was_deferred') === 1,
    skippedBy: String(row['skip_guard'] ?? ''),
    ruleId: String(row['rule_id'] ?? ''),
    ruleVersion: toNumber(row['rule_version'] ?? 0, 'rule_version'),
  }
}
