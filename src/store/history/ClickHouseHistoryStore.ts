// HistoryStore over @clickhouse/client: a ClickHouse server over HTTP, or chDB in-process through
// chdb/connection (see openHistoryStore.ts). Same SQL for both; see sql.ts for the dialect limits.
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client'
import {
  firstContactQuery,
  funnelOutcomesQuery,
  funnelQuery,
  overviewQuery,
  sqlNumber,
  suppressionGuardsQuery,
  suppressionReasonsQuery,
  toFunnel,
  toOverview,
  toQueueSla,
  toSuppressions,
  type AnalyticsScope,
} from './analytics.ts'
import type {
  AnalyticsOverview,
  MessageProblem,
  OverviewBasis,
  HistoryTable,
  PurgeResult,
  EventRow,
  GuardedMessageRow,
  HistoryBatch,
  HistoryStore,
  LiftRows,
  ReachedFirstOptions,
  ReachedFirstRows,
  CarrierLatenessRow,
  QueueSla,
  RuleActivity,
  RuleFunnel,
  SeenEvent,
  SlaGroup,
  SlaGrouping,
  SuppressionStats,
  TimelineEntry,
  TimelineKind,
} from './HistoryStore.ts'
import { eraseMutations, pendingMutationsQuery } from './eraseSql.ts'
import { liftCohortQuery, liftOutcomesQuery } from './liftSql.ts'
import { momentOverviewQuery, momentProblemsQuery, toMessageProblems } from './momentSql.ts'
import { carrierLatenessQuery, toCarrierLateness } from './carrierGraceSql.ts'
import { proactiveMessagesQuery, reachedFirstContactsQuery, reachedFirstScope, toProactiveMessage, toReachedContact } from './reachedFirstSql.ts'
import { eventsBetweenQuery, toEventRow } from './replaySql.ts'
import { guardedMessagesQuery, toGuardedMessage } from './guardPreviewSql.ts'
import { agentSlaQuery, slaReportQuery, toSlaGroups } from './slaSql.ts'
import { countBeforeQuery, deleteBefore, dropPartition, partitionsQuery, runningMutationsQuery } from './retentionSql.ts'
import { applyMigrations, appliedVersions } from './migrate.ts'
import { migrations as defaultMigrations, type Migration } from './migrations.ts'
import { TABLE_SPECS, columnNames, compareNewestFirst, toNumber, toRecords, toTimelineEntry } from './rows.ts'
import { DEFAULT_DATABASE, eventPropertiesSampleQuery, qualified, quoteColumns, ruleActivityQuery, seenEventsQuery, timelineQuery } from './sql.ts'

export interface ClickHouseHistoryStoreOptions {
  /** Every table is qualified with it; default `careloop`. */
  database?: string
  /**
   * Server-side limit per statement, default 25 s: below the client's 30 s request timeout, so the
   * server ends a slow statement (a client abort would leave it running there).
   */
  maxExecutionSeconds?: number
  /** Override for tests; default: the store's migrations.ts list. */
  migrations?: readonly Migration[]
}

export const DEFAULT_TIMELINE_LIMIT = 100
/** An overview has at most this many buckets (a year of hours fits). */
export const MAX_OVERVIEW_BUCKETS = 10_000
export const MAX_TIMELINE_LIMIT = 10_000

const TIMELINE_KINDS: readonly TimelineKind[] = ['event', 'signal', 'decision', 'delivery', 'task']

export class ClickHouseHistoryStore implements HistoryStore {
  readonly database: string
  readonly #client: ClickHouseClient
  readonly #migrations: readonly Migration[]
  // Sent with every statement, identical each time: chDB turns per-query settings into session
  // SETs that stay in force for later queries, so they must never differ between calls.
  readonly #settings: ClickHouseSettings
  #closed = false

  constructor(client: ClickHouseClient, options: ClickHouseHistoryStoreOptions = {}) {
    this.#client = client
    this.database = options.database ?? DEFAULT_DATABASE
    this.#migrations = options.migrations ?? defaultMigrations
    this.#settings = {
      // 18.16 quotes 64-bit integers by default, 26.x does not: fix the wire format to strings.
      output_format_json_quote_64bit_integers: 1,
      max_execution_time: options.maxExecutionSeconds ?? 25,
    }
  }

  async migrate(): Promise<void> {
    await this.applyMigrations()
  }

  /** Like migrate(), returning the versions it applied. */
  async applyMigrations(): Promise<number[]> {
    return applyMigrations(this.#client, {
      database: this.database,
      migrations: this.#migrations,
      settings: this.#settings,
    })
  }

  /** Versions recorded in the database's migrations table. */
  async schemaVersions(): Promise<number[]> {
    return appliedVersions(this.#client, this.database, this.#settings)
  }

  /** The engine's own memory accounting (system.metrics: MemoryTracking, cache sizes), bytes by metric. */
  async memoryMetrics(): Promise<Map<string, number>> {
    const result = await this.#client.query({
      query: "SELECT metric, toString(value) AS value FROM system.metrics WHERE metric = 'MemoryTracking' OR metric LIKE '%CacheBytes%'",
      format: 'JSONEachRow',
      clickhouse_settings: this.#settings,
    })
    const rows = await result.json<{ metric: string; value: string }>()
    return new Map(rows.map((r) => [r.metric, Number(r.value)]))
  }

  async append(batch: HistoryBatch): Promise<void> {
    // Validate every kind before writing any, so a bad row does not leave half a batch behind.
    const inserts = TABLE_SPECS.flatMap((spec) => {
      const rows = batch[spec.batchKey] ?? []
      return rows.length === 0 ? [] : [{ spec, values: toRecords(spec, rows) }]
    })
    // One INSERT per table; a failure part-way is repaired by the caller's retry (ids dedupe).
    for (const { spec, values } of inserts) {
      await this.#client.insert({
        table: qualified(this.database, spec.table),
        columns: quoteColumns(columnNames(spec)),
        format: 'JSONEachRow',
        values,
        clickhouse_settings: this.#settings,
      })
    }
  }

  async timeline(customerId: string, options: { limit?: number; before?: number } = {}): Promise<TimelineEntry[]> {
    if (typeof customerId !== 'string') throw new TypeError('timeline: customerId must be a string')
    const limit = options.limit ?? DEFAULT_TIMELINE_LIMIT
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_TIMELINE_LIMIT) {
      throw new RangeError(`timeline: limit must be an integer in 1..${MAX_TIMELINE_LIMIT}, got ${limit}`)
    }
    const before = options.before
    if (before !== undefined && !Number.isFinite(before)) throw new RangeError('timeline: before must be finite')
    if (before !== undefined && before <= 0) return []

    // Newest `limit` of each kind, merged here: the top `limit` overall is among them. Five
    // simple queries instead of one UNION because the kinds have different columns.
    const perKind = await Promise.all(
      TIMELINE_KINDS.map(async (kind) => {
        const rows = await this.#select(timelineQuery(this.database, kind, customerId, limit, before))
        return rows.map((row) => toTimelineEntry(kind, row))
      }),
    )
    return perKind.flat().sort(compareNewestFirst).slice(0, limit)
  }

  async ruleActivity(sinceMs: number): Promise<RuleActivity[]> {
    if (!Number.isFinite(sinceMs)) throw new RangeError('ruleActivity: sinceMs must be finite')
    const rows = await this.#select(ruleActivityQuery(this.database, Math.max(0, Math.ceil(sinceMs))))
    return rows.map((row) => ({
      rule_id: String(row['rule_id']),
      signals: toNumber(row['signals'], 'signals'),
      planned: toNumber(row['planned'], 'planned'),
      suppressed: toNumber(row['suppressed'], 'suppressed'),
    }))
  }

  async seenEvents(sinceMs: number, limit: number): Promise<SeenEvent[]> {
    if (!Number.isFinite(sinceMs) || !Number.isSafeInteger(limit) || limit < 1) throw new RangeError('seenEvents: a finite time and a positive limit')
    const rows = await this.#select(seenEventsQuery(this.database, Math.max(0, Math.ceil(sinceMs)), limit))
    return rows.map((row) => ({ name: String(row['name']), count: toNumber(row['n'], 'n') }))
  }

  async seenProperties(name: string, sinceMs: number, sample: number): Promise<string[]> {
    if (!Number.isFinite(sinceMs) || !Number.isSafeInteger(sample) || sample < 1) throw new RangeError('seenProperties: a finite time and a positive sample')
    const keys = new Set<string>()
    for (const row of await this.#select(eventPropertiesSampleQuery(this.database, name, Math.max(0, Math.ceil(sinceMs)), sample))) {
      try {
        const value: unknown = JSON.parse(String(row['properties']))
        if (value !== null && typeof value === 'object' && !Array.isArray(value)) for (const key of Object.keys(value)) keys.add(key)
      } catch {
        /* a row that is not JSON adds no names */
      }
    }
    return [...keys].sort()
  }

  async eventsBetween(from: number, to: number, limit: number): Promise<EventRow[]> {
    return (await this.#select(eventsBetweenQuery(this.database, from, to, limit))).map(toEventRow)
  }

  async liftRows(ruleId: string, from: number, to: number, until: number, outcomeNames: readonly string[]): Promise<LiftRows> {
    if (![from, to, until].every(Number.isFinite) || outcomeNames.length === 0) throw new RangeError('liftRows: finite times and at least one outcome name')
    const [cohort, outcomes] = await Promise.all([
      this.#select(liftCohortQuery(this.database, ruleId, from, to)),
      this.#select(liftOutcomesQuery(this.database, ruleId, from, to, until, outcomeNames)),
    ])
    return {
      cohort: cohort.map((r) => ({ customerId: String(r['customer_id']), firstTs: toNumber(r['first_ts'], 'first_ts'), heldOut: toNumber(r['held'], 'held') === 1 })),
      outcomes: outcomes.map((r) => ({ customerId: String(r['customer']), ts: toNumber(r['ts'], 'ts') })),
    }
  }

  async overview(from: number, to: number, bucketMs: number, basis: OverviewBasis = 'activity'): Promise<AnalyticsOverview> {
    const scope = this.#scope('overview', from, to)
    if (!Number.isSafeInteger(bucketMs) || bucketMs < 1) throw new RangeError(`overview: bucketMs must be a positive integer, got ${bucketMs}`)
    if (Math.ceil((to - from) / bucketMs) > MAX_OVERVIEW_BUCKETS) {
      throw new RangeError(`overview: more than ${MAX_OVERVIEW_BUCKETS} buckets of ${bucketMs} ms in the window`)
    }
    const [rows, firstContact] = await Promise.all([
      this.#select((basis === 'moment' ? momentOverviewQuery : overviewQuery)({ ...scope, bucketMs: sqlNumber(bucketMs) })),
      this.#select(firstContactQuery(scope)),
    ])
    return toOverview(rows, firstContact)
  }

  async momentProblems(from: number, to: number): Promise<MessageProblem[]> {
    return toMessageProblems(await this.#select(momentProblemsQuery(this.#scope('momentProblems', from, to))))
  }

  async funnel(from: number, to: number): Promise<RuleFunnel[]> {
    const scope = this.#scope('funnel', from, to)
    const [rows, outcomes] = await Promise.all([this.#select(funnelQuery(scope)), this.#select(funnelOutcomesQuery(scope))])
    return toFunnel(rows, outcomes)
  }

  async suppressionReasons(from: number, to: number): Promise<SuppressionStats> {
    const scope = this.#scope('suppressionReasons', from, to)
    const [reasons, guards] = await Promise.all([
      this.#select(suppressionReasonsQuery(scope)),
      this.#select(suppressionGuardsQuery(scope)),
    ])
    return toSuppressions(reasons, guards)
  }

  async agentSla(from: number, to: number): Promise<QueueSla[]> {
    return toQueueSla(await this.#select(agentSlaQuery(this.#scope('agentSla', from, to))))
  }

  async slaReport(from: number, to: number, by: SlaGrouping): Promise<SlaGroup[]> {
    return toSlaGroups(await this.#select(slaReportQuery(this.#scope('slaReport', from, to), by)))
  }

  /** The query scope of a window [from, to): non-negative integer epoch ms, from before to. */
  #scope(method: string, from: number, to: number): AnalyticsScope {
    for (const [name, value] of [['from', from], ['to', to]] as const) {
      if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${method}: ${name} must be a non-negative integer (epoch ms), got ${value}`)
    }
    if (from >= to) throw new RangeError(`${method}: from (${from}) must be before to (${to})`)
    return { database: this.database, from: sqlNumber(from), to: sqlNumber(to) }
  }

  async eraseCustomers(customerIds: readonly string[], anonymousIds: readonly string[]): Promise<void> {
    for (const query of eraseMutations(this.database, customerIds, anonymousIds)) await this.#client.command({ query, clickhouse_settings: this.#settings })
  }

  async pendingErasures(): Promise<number> {
    const [row] = await this.#select(pendingMutationsQuery(this.database))
    return row === undefined ? 0 : toNumber(row['pending'], 'pending')
  }

  async ping(): Promise<boolean> {
    if (this.#closed) return false
    try {
      return (await this.#client.ping()).success
    } catch {
      return false
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#client.close()
  }

  async #select(query: string): Promise<Record<string, unknown>[]> {
    const result = await this.#client.query({ query, format: 'JSONEachRow', clickhouse_settings: this.#settings })
    return result.json<Record<string, unknown>>()
  }

  async reachedFirstRows(from: number, to: number, options: ReachedFirstOptions): Promise<ReachedFirstRows> {
    const base = this.#scope('reachedFirstRows', from, to)
    const { inbound, followMs } = options
    if (inbound.length === 0) throw new RangeError('reachedFirstRows: at least one inbound event name')
    if (!Number.isSafeInteger(followMs) || followMs < 0) throw new RangeError(`reachedFirstRows: followMs must be a non-negative integer, got ${followMs}`)
    const scope = reachedFirstScope(base, options)
    const [contacts, messages] = await Promise.all([
      this.#select(reachedFirstContactsQuery(scope)),
      this.#select(proactiveMessagesQuery(scope)),
    ])
    return { contacts: contacts.map(toReachedContact), messages: messages.map(toProactiveMessage) }
  }

  async carrierLateness(from: number, to: number, quantile: number): Promise<CarrierLatenessRow[]> {
    return (await this.#select(carrierLatenessQuery(this.#scope('carrierLateness', from, to), quantile))).map(toCarrierLateness)
  }

  async guardedMessages(from: number, to: number, limit: number): Promise<GuardedMessageRow[]> {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`guardedMessages: limit must be a positive integer, got ${limit}`)
    return (await this.#select(guardedMessagesQuery(this.#scope('guardedMessages', from, to), limit))).map(toGuardedMessage)
  }

  async purgeBefore(tables: readonly HistoryTable[], cutoffMs: number, pollMs = 100): Promise<PurgeResult> {
    if (!Number.isSafeInteger(cutoffMs) || cutoffMs < 0) throw new RangeError(`purgeBefore: cutoffMs must be a non-negative integer, got ${cutoffMs}`)
    const result: PurgeResult = { partitionsDropped: 0, rowsDeleted: 0 }
    // A month is dropped only when it ended a month before the cutoff's (the server's time zone
    // decides where toYYYYMM draws the line) and its newest row is past the cutoff too.
    const lastWholeMonth = yyyymm(cutoffMs - 32 * 86_400_000)
    for (const table of tables) {
      for (const row of await this.#select(partitionsQuery(this.database, table))) {
        const month = toNumber(row['month'], 'month')
        if (month > lastWholeMonth || toNumber(row['newest'], 'newest') >= cutoffMs) continue
        await this.#client.command({ query: dropPartition(this.database, table, month), clickhouse_settings: this.#settings })
        result.partitionsDropped++
      }
      const [count] = await this.#select(countBeforeQuery(this.database, table, cutoffMs))
      const expired = toNumber(count?.['n'] ?? 0, 'n')
      if (expired === 0) continue
      await this.#client.command({ query: deleteBefore(this.database, table, cutoffMs), clickhouse_settings: this.#settings })
      result.rowsDeleted += expired
    }
    // Mutations run in the background on both servers; a run ends when its rows are gone, or
    // after a bounded wait (a mutation still running then finishes on its own; the next run sees it).
    for (let polls = 0; polls < 600; polls++) {
      const [running] = await this.#select(runningMutationsQuery(this.database, tables))
      if (toNumber(running?.['n'] ?? 0, 'n') === 0) return result
      await new Promise((resolve) => setTimeout(resolve, pollMs))
    }
    return { ...result, pending: true }
  }
}

const yyyymm = (ms: number): number => {
  const d = new Date(ms)
  return d.getUTCFullYear() * 100 + d.getUTCMonth() + 1
}
