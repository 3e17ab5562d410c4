// All SQL of the history store. It must run on ClickHouse 18.16 (Debian's server) and on chDB 26.x,
// so: no query parameters, DateTime64, Map/JSON/Bool, CTEs, window functions, JSONExtract, TTL.
// Every value is built in through escape.ts; table names are always qualified with the database
// because chDB ignores the client's `database` option.
import { quoteIdentifier, quoteNumber, quoteString } from './escape.ts'
import type { HistoryTable, TimelineKind } from './HistoryStore.ts'

export const DEFAULT_DATABASE = 'careloop'

export type TableName = HistoryTable

/** `db`.`table`, quoted. */
export function qualified(database: string, table: string): string {
  return `${quoteIdentifier(database)}.${quoteIdentifier(table)}`
}

// ---- bootstrap (outside the versioned list: the list needs somewhere to be recorded) ----

export function createDatabase(database: string): string {
  return `CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(database)}`
}

export const MIGRATIONS_TABLE = 'schema_migrations'
export const MIGRATIONS_COLUMNS = ['version', 'name', 'applied_at_ms'] as const

export function createMigrationsTable(database: string): string {
  // Replacing by version: two processes migrating at once may both record a version.
  return `CREATE TABLE IF NOT EXISTS ${qualified(database, MIGRATIONS_TABLE)} (
  version UInt32,
  name String,
  applied_at_ms UInt64
) ENGINE = ReplacingMergeTree() ORDER BY version`
}

export function selectAppliedVersions(database: string): string {
  return `SELECT DISTINCT version FROM ${qualified(database, MIGRATIONS_TABLE)} ORDER BY version`
}

// ---- migration DDL: frozen once released; later changes are new functions, never edits ----
// IF NOT EXISTS here keeps a migration re-runnable: ClickHouse DDL is not transactional, so a
// crash between a statement and the version record must not wedge the next start.
// `dt` exists for monthly partitions only; MATERIALIZED so inserts never have to send it.
// ORDER BY (customer_id, id): timelines read one customer; ReplacingMergeTree folds replays.

const DT = 'dt DateTime MATERIALIZED toDateTime(intDiv(ts_ms, 1000))'
const ENGINE = 'ENGINE = ReplacingMergeTree() PARTITION BY toYYYYMM(dt)'

/** The ids a message was sent with (Segment's user_id and anonymous_id); '' when absent. */
export function addEventUserId(database: string): string {
  return `ALTER TABLE ${qualified(database, 'events')} ADD COLUMN user_id String DEFAULT ''`
}

export function addEventAnonymousId(database: string): string {
  return `ALTER TABLE ${qualified(database, 'events')} ADD COLUMN anonymous_id String DEFAULT ''`
}

export function createEventsV1(database: string): string {
  return `CREATE TABLE IF NOT EXISTS ${qualified(database, 'events')} (
  message_id String,
  customer_id String,
  name String,
  type String,
  ts_ms UInt64,
  received_at_ms UInt64,
  properties String,
  context String,
  ${DT}
) ${ENGINE} ORDER BY (customer_id, message_id)`
}

export function createSignalsV1(database: string): string {
  return `CREATE TABLE IF NOT EXISTS ${qualified(database, 'signals')} (
  id String,
  customer_id String,
  rule_id String,
  rule_version UInt32,
  trigger_kind String,
  trigger_id String,
  entity String,
  ts_ms UInt64,
  details String,
  ${DT}
) ${ENGINE} ORDER BY (customer_id, id)`
}

export function createDecisionsV1(database: string): string {
  return `CREATE TABLE IF NOT EXISTS ${qualified(database, 'decisions')} (
  id String,
  signal_id String,
  customer_id String,
  rule_id String,
  rule_version UInt32,
  action String,
  channel String,
  template String,
  queue String,
  priority String,
  outcome String,
  reason String,
  ts_ms UInt64,
  ${DT}
) ${ENGINE} ORDER BY (customer_id, id)`
}

export function createDeliveriesV1(database: string): string {
  return `CREATE TABLE IF NOT EXISTS ${qualified(database, 'deliveries')} (
  id String,
  outbox_id String,
  customer_id String,
  channel String,
  template String,
  status String,
  attempt UInt32,
  detail String,
  ts_ms UInt64,
  ${DT}
) ${ENGINE} ORDER BY (customer_id, id)`
}

export function createTaskEventsV1(database: string): string {
  return `CREATE TABLE IF NOT EXISTS ${qualified(database, 'task_events')} (
  id String,
  task_id String,
  customer_id String,
  queue String,
  kind String,
  actor String,
  outcome String,
  ts_ms UInt64,
  details String,
  ${DT}
) ${ENGINE} ORDER BY (customer_id, id)`
}

// ---- inserts: client.insert() with JSONEachRow and explicit columns (so MATERIALIZED/DEFAULT
// apply); the client joins the table and column names verbatim, so they are quoted here ----

export function quoteColumns(columns: readonly string[]): [string, ...string[]] {
  const [first, ...rest] = columns
  if (first === undefined) throw new Error('quoteColumns: no columns')
  return [quoteIdentifier(first), ...rest.map(quoteIdentifier)]
}

// ---- reads ----

// Per kind: the table and the select list, aliased back to the interface's field names.
const TIMELINE_SOURCES: Record<TimelineKind, { table: TableName; select: string }> = {
  event: {
    table: 'events',
    select: 'message_id AS id, ts_ms AS ts, customer_id, name, type, received_at_ms AS received_at, properties, context',
  },
  signal: {
    table: 'signals',
    select: 'id, ts_ms AS ts, customer_id, rule_id, rule_version, trigger_kind, trigger_id, entity, details',
  },
  decision: {
    table: 'decisions',
    select: 'id, ts_ms AS ts, signal_id, customer_id, rule_id, rule_version, action, channel, template, ' +
      'queue, priority, outcome, reason',
  },
  delivery: {
    table: 'deliveries',
    select: 'id, ts_ms AS ts, outbox_id, customer_id, channel, template, status, attempt, detail',
  },
  task: {
    table: 'task_events',
    select: 'id, ts_ms AS ts, task_id, customer_id, queue, kind, actor, outcome, details',
  },
}

/**
 * One kind's newest `limit` rows of a customer, replays removed. LIMIT 1 BY id rather than
 * FINAL: FINAL folds duplicates only within a partition, LIMIT BY dedupes whatever is read,
 * and both 18.16 and 26.x have it.
 */
export function timelineQuery(
  database: string,
  kind: TimelineKind,
  customerId: string,
  limit: number,
  before: number | undefined,
): string {
  const source = TIMELINE_SOURCES[kind]
  const beforeClause = before === undefined ? '' : ` AND ts_ms < ${quoteNumber(before)}`
  return `SELECT ${source.select}
FROM ${qualified(database, source.table)}
WHERE customer_id = ${quoteString(customerId)}${beforeClause}
ORDER BY ts_ms DESC, id DESC
LIMIT 1 BY id
LIMIT ${quoteNumber(limit)}`
}

/**
 * Signals and decisions per rule since a time, each id counted once (uniqExact folds replays).
 * The `dt` condition lets the monthly partitions be pruned; `ts_ms` is the exact bound.
 */
export function ruleActivityQuery(database: string, sinceMs: number): string {
  const since = `ts_ms >= ${quoteNumber(sinceMs)} AND dt >= toDateTime(${quoteNumber(Math.floor(sinceMs / 1000))})`
  return `SELECT rule_id, sum(s) AS signals, sum(p) AS planned, sum(x) AS suppressed
FROM (
  SELECT rule_id, uniqExact(id) AS s, toUInt64(0) AS p, toUInt64(0) AS x
  FROM ${qualified(database, 'signals')}
  WHERE ${since}
  GROUP BY rule_id
  UNION ALL
  SELECT rule_id, toUInt64(0) AS s,
    uniqExactIf(id, outcome = ${quoteString('planned')}) AS p,
    uniqExactIf(id, outcome = ${quoteString('suppressed')}) AS x
  FROM ${qualified(database, 'decisions')}
  WHERE ${since}
  GROUP BY rule_id
)
GROUP BY rule_id
ORDER BY rule_id`
}

/** Echoes a string through the engine's parser: the escaping fuzz test's probe. */
export function echoStringQuery(value: string): string {
  return `SELECT ${quoteString(value)} AS value`
}

/** Event names seen since a time (track, page, screen), most frequent first. */
export function seenEventsQuery(database: string, sinceMs: number, limit: number): string {
  return `SELECT name, count() AS n FROM ${qualified(database, 'events')}
WHERE ts_ms >= ${quoteNumber(sinceMs)} AND dt >= toDateTime(${quoteNumber(Math.floor(sinceMs / 1000))}) AND name != ''
GROUP BY name ORDER BY n DESC, name LIMIT ${quoteNumber(limit)}`
}

/** The properties (JSON text) of the latest events of one name since a time: a sample of their keys. */
export function eventPropertiesSampleQuery(database: string, name: string, sinceMs: number, limit: number): string {
  return `SELECT properties FROM ${qualified(database, 'events')}
WHERE name = ${quoteString(name)} AND ts_ms >= ${quoteNumber(sinceMs)} AND dt >= toDateTime(${quoteNumber(Math.floor(sinceMs / 1000))})
ORDER BY ts_ms DESC LIMIT ${quoteNumber(limit)}`
}
