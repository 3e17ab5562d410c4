// Versioned schema of the history store. Append new migrations at the end with the next version;
// never edit or reorder a released one (databases in the field have recorded it as applied).
// Statements are builders from sql.ts because every table name is qualified with the database.
//
// ClickHouse DDL is not transactional: a migration is recorded only after all its statements
// succeed, so each statement must be safe to run again (CREATE … IF NOT EXISTS inside the
// migration; ADD COLUMN, which 18.16 cannot guard with IF NOT EXISTS, goes in a migration of its
// own, and migrate.ts takes "already exists" as done, as when several processes start at once).
import {
  addEventAnonymousId,
  addEventUserId,
  createDecisionsV1,
  createDeliveriesV1,
  createEventsV1,
  createSignalsV1,
  createTaskEventsV1,
} from './sql.ts'

export interface Migration {
  /** Positive integer, strictly increasing through the list. */
  version: number
  name: string
  statements: ReadonlyArray<(database: string) => string>
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'history tables: events, signals, decisions, deliveries, task_events',
    statements: [createEventsV1, createSignalsV1, createDecisionsV1, createDeliveriesV1, createTaskEventsV1],
  },
  // The sent ids let a replay rebuild a message that linked an anonymous id to a known one.
  { version: 2, name: 'events.user_id', statements: [addEventUserId] },
  { version: 3, name: 'events.anonymous_id', statements: [addEventAnonymousId] },
]
