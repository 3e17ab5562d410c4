// Mapping between the interface's row types and the tables' columns, both ways.
// Writes are validated here so a bad number fails with the row's path instead of being coerced
// (or wrapped) by the engine; reads turn 64-bit strings back into numbers and parse JSON columns.
import { historyProperties, type ShopEvent } from '../../model/event.ts'
import type { EventRow, HistoryBatch, TimelineEntry, TimelineKind } from './HistoryStore.ts'
import type { TableName } from './sql.ts'

type ColumnType = 'string' | 'uint'
/** [column, interface field, type] */
type Column = readonly [string, string, ColumnType]

interface TableSpec {
  table: TableName
  batchKey: keyof HistoryBatch
  columns: readonly Column[]
}

const s = (name: string): Column => [name, name, 'string']
const u = (name: string): Column => [name, name, 'uint']
const TS: Column = ['ts_ms', 'ts', 'uint']

export const TABLE_SPECS: readonly TableSpec[] = [
  {
    table: 'events',
    batchKey: 'events',
    columns: [
      s('message_id'), s('customer_id'), s('name'), s('type'), TS,
      ['received_at_ms', 'received_at', 'uint'], s('properties'), s('context'), s('user_id'),
      s('anonymous_id'),
    ],
  },
  {
    table: 'signals',
    batchKey: 'signals',
    columns: [
      s('id'), s('customer_id'), s('rule_id'), u('rule_version'), s('trigger_kind'), s('trigger_id'),
      s('entity'), TS, s('details'),
    ],
  },
  {
    table: 'decisions',
    batchKey: 'decisions',
    columns: [
      s('id'), s('signal_id'), s('customer_id'), s('rule_id'), u('rule_version'), s('action'), s('channel'),
      s('template'), s('queue'), s('priority'), s('outcome'), s('reason'), TS,
    ],
  },
  {
    table: 'deliveries',
    batchKey: 'deliveries',
    columns: [
      s('id'), s('outbox_id'), s('customer_id'), s('channel'), s('template'), s('status'), u('attempt'),
      s('detail'), TS,
    ],
  },
  {
    table: 'task_events',
    batchKey: 'taskEvents',
    columns: [
      s('id'), s('task_id'), s('customer_id'), s('queue'), s('kind'), s('actor'), s('outcome'), TS,
      s('details'),
    ],
  },
]

const UINT32_COLUMNS = new Set(['rule_version', 'attempt'])

/** The history row of an applied event, as received at `receivedAt`. */
export function eventRowOf(event: ShopEvent, receivedAt: number): EventRow {
  return {
    message_id: event.messageId,
    customer_id: event.customerId,
    name: event.name,
    type: event.type,
    ts: event.ts,
    received_at: receivedAt,
    properties: JSON.stringify(historyProperties(event)),
    context: JSON.stringify(event.context),
    user_id: event.userId ?? '',
    anonymous_id: event.anonymousId ?? '',
  }
}

/** Column names in insert order. */
export function columnNames(spec: TableSpec): string[] {
  return spec.columns.map(([column]) => column)
}

/** A field's value checked against its column's type; throws with the row's path. */
function checkedValue(spec: TableSpec, [column, field, type]: Column, source: Record<string, unknown>, index: number): string | number {
  const value = source[field]
  const path = `${spec.batchKey}[${index}].${field}`
  if (type === 'string') {
    if (typeof value !== 'string') throw new TypeError(`${path}: expected a string, got ${typeof value}`)
    return value
  }
  const max = UINT32_COLUMNS.has(column) ? 0xffff_ffff : Number.MAX_SAFE_INTEGER
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw new TypeError(`${path}: expected an integer in 0..${max}, got ${String(value)}`)
  }
  return value
}

/** Interface rows → JSONEachRow records keyed by column; throws on the first invalid field. */
export function toRecords(spec: TableSpec, rows: readonly object[]): Record<string, string | number>[] {
  return rows.map((row, index) => {
    const record: Record<string, string | number> = {}
    for (const column of spec.columns) record[column[0]] = checkedValue(spec, column, row as Record<string, unknown>, index)
    return record
  })
}

/** Throws as `append` would for the first invalid field of a batch, writing nothing. */
export function checkBatch(batch: HistoryBatch): void {
  for (const spec of TABLE_SPECS) {
    const rows = batch[spec.batchKey] ?? []
    for (let i = 0; i < rows.length; i++) for (const column of spec.columns) checkedValue(spec, column, rows[i] as unknown as Record<string, unknown>, i)
  }
}

// ---- reads ----

const TITLE_FIELD: Record<TimelineKind, string> = {
  event: 'name',
  signal: 'rule_id',
  decision: 'rule_id',
  delivery: 'status',
  task: 'kind',
}

const NUMBER_FIELDS = new Set(['ts', 'received_at', 'rule_version', 'attempt'])
const JSON_FIELDS: Record<TimelineKind, readonly string[]> = {
  event: ['properties', 'context'],
  signal: ['details'],
  decision: [],
  delivery: [],
  task: ['details'],
}

/** With output_format_json_quote_64bit_integers=1 UInt64 arrives as a string; UInt32 as a number. */
export function toNumber(value: unknown, field: string): number {
  const n = typeof value === 'string' ? Number(value) : value
  if (typeof n !== 'number' || !Number.isFinite(n)) {
    throw new TypeError(`history: ${field} is not a number: ${String(value)}`)
  }
  return n
}

/** Stored JSON text that does not parse (written by hand, truncated) is kept as the raw text. */
function parseJson(text: unknown): unknown {
  if (typeof text !== 'string') return text
  try {
    return JSON.parse(text) as unknown
  } catch {
    return text
  }
}

/** A row from timelineQuery → TimelineEntry; `data` is every field but id and ts. */
export function toTimelineEntry(kind: TimelineKind, row: Record<string, unknown>): TimelineEntry {
  const data: Record<string, unknown> = {}
  for (const [field, value] of Object.entries(row)) {
    if (field === 'id' || field === 'ts') continue
    data[field] = NUMBER_FIELDS.has(field) ? toNumber(value, field) : value
  }
  for (const field of JSON_FIELDS[kind]) data[field] = parseJson(data[field])
  return {
    kind,
    id: String(row['id']),
    ts: toNumber(row['ts'], 'ts'),
    title: String(row[TITLE_FIELD[kind]] ?? ''),
    data,
  }
}

// Same millisecond: later steps of the causal chain (event → signal → decision → delivery/task)
// come first in a newest-first list.
const KIND_RANK: Record<TimelineKind, number> = { task: 0, delivery: 1, decision: 2, signal: 3, event: 4 }

/** Newest first; ties by causal step, then by id, so the order is stable across calls. */
export function compareNewestFirst(a: TimelineEntry, b: TimelineEntry): number {
  if (a.ts !== b.ts) return b.ts - a.ts
  if (a.kind !== b.kind) return KIND_RANK[a.kind] - KIND_RANK[b.kind]
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0
}
