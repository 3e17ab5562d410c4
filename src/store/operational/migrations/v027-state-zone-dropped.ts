// Since migration 26 the scheduled-care sweep reads customer_state by next_due_at; nothing reads it
// by time zone any more, yet every state write kept the zone index up to date. Measured in
// docs/performance.md ("The floor of end to end"): with the column no longer written, ≈ 15 % of
// the PGlite and PostgreSQL cost of a state row. The zone stays in the state's JSON, where
// everything that needs it reads it. The column itself stays (it defaults to '') so that a process
// of the previous version can still write its states during a rolling upgrade; a later migration
// drops it.
import type { Migration } from '../migration.ts'

export const v027StateZoneDropped: Migration = {
  version: 27,
  name: 'customer_state drops its time-zone index; the column is no longer written (the sweep reads by next_due_at)',
  sql: `
    DROP INDEX IF EXISTS customer_state_zone;
  `,
}
