// Reading stored events back for replays and backtests. Same dialect limits as sql.ts (ClickHouse
// 18.16 and chDB 26.x: no query parameters, values through escape.ts, qualified table names).
import { quoteNumber } from './escape.ts'
import type { EventRow } from './HistoryStore.ts'
import { toNumber } from './rows.ts'
import { qualified } from './sql.ts'

export const MAX_EVENTS_BETWEEN = 5_000_000

/**
 * Events with from <= ts < to, oldest first (ties: by arrival, then id), each messageId once
 * (LIMIT 1 BY folds rows a replayed batch wrote again). `dt` bounds let monthly partitions be pruned.
 */
export function eventsBetweenQuery(database: string, from: number, to: number, limit: number): string {
  for (const [name, value] of [['from', from], ['to', to]] as const) {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`eventsBetween: ${name} must be epoch milliseconds, got ${value}`)
  }
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_EVENTS_BETWEEN) {
    throw new RangeError(`eventsBetween: limit must be an integer in 1..${MAX_EVENTS_BETWEEN}, got ${limit}`)
  }
  const dtFrom = quoteNumber(Math.floor(from / 1000))
  const dtTo = quoteNumber(Math.floor(to / 1000))
  return `SELECT message_id, customer_id, name, type, ts_ms AS ts, received_at_ms AS received_at, properties, context, user_id, anonymous_id
FROM ${qualified(database, 'events')}
WHERE ts_ms >= ${quoteNumber(from)} AND ts_ms < ${quoteNumber(to)}
  AND dt >= toDateTime(${dtFrom}) AND dt <= toDateTime(${dtTo})
ORDER BY ts_ms, received_at_ms, message_id
LIMIT 1 BY message_id
LIMIT ${quoteNumber(limit)}`
}

/** A row of eventsBetweenQuery → EventRow (64-bit numbers arrive as strings). */
export function toEventRow(row: Record<string, unknown>): EventRow {
  return {
    message_id: String(row['message_id']),
    customer_id: String(row['customer_id']),
    name: String(row['name']),
    type: String(row['type']),
    ts: toNumber(row['ts'], 'ts'),
    received_at: toNumber(row['received_at'], 'received_at'),
    properties: String(row['properties'] ?? '{}'),
    context: String(row['context'] ?? '{}'),
    user_id: String(row['user_id'] ?? ''),
    anonymous_id: String(row['anonymous_id'] ?? ''),
  }
}
