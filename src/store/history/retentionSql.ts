// Retention SQL of the history store, for ClickHouse 18.16 and chDB alike: no lightweight DELETE,
// so whole monthly partitions (PARTITION BY toYYYYMM(dt)) are dropped where every row is past the
// cutoff, and an ALTER … DELETE mutation removes the rest of the expired rows.
import { quoteNumber, quoteString } from './escape.ts'
import { qualified, type TableName } from './sql.ts'

/** Each partition (yyyymm) with its newest row time. */
export function partitionsQuery(database: string, table: TableName): string {
  return `SELECT toYYYYMM(dt) AS month, max(ts_ms) AS newest FROM ${qualified(database, table)} GROUP BY month ORDER BY month`
}

export function dropPartition(database: string, table: TableName, month: number): string {
  return `ALTER TABLE ${qualified(database, table)} DROP PARTITION ${quoteNumber(month)}`
}

export function countBeforeQuery(database: string, table: TableName, cutoffMs: number): string {
  return `SELECT count() AS n FROM ${qualified(database, table)} WHERE ts_ms < ${quoteNumber(cutoffMs)}`
}

export function deleteBefore(database: string, table: TableName, cutoffMs: number): string {
  return `ALTER TABLE ${qualified(database, table)} DELETE WHERE ts_ms < ${quoteNumber(cutoffMs)}`
}

/** Mutations of these tables still running (a purge waits for its own to finish). */
export function runningMutationsQuery(database: string, tables: readonly TableName[]): string {
  return `SELECT count() AS n FROM system.mutations WHERE database = ${quoteString(database)} AND table IN (${tables.map(quoteString).join(', ')}) AND is_done = 0`
}
