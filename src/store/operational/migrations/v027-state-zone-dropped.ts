// Since migration 26 the scheduled-care sweep reads customer_state by next_due_at; nothing reads it
// by time zone any more, yet every state write kept the zone column and its index up to date (an
// index entry per new row, a parameter per row). Measured in docs/performance.md ("The floor of
// end to end"): ≈ 15 % of the PGlite and PostgreSQL cost of a state row. The zone stays in the
// state's JSON, where everything that needs it reads it.
import type { Migration } from '../migration.ts'

export const v027StateZoneDropped: Migration = {
  version: 27,
  name: 'customer_state drops its time-zone column and index (the sweep reads by next_due_at)',
  sql: `
    DROP INDEX IF EXISTS customer_state_zone;
    ALTER TABLE customer_state DROP COLUMN IF EXISTS timezone;
  `,
}
