// customer_state is rewritten for every shopper an engine step touches. With pages filled to 100 %
// every update puts the new row on another page and into both indexes, and PGlite runs no
// autovacuum to reclaim the old one, so the table only grows. Room left on each page lets
// PostgreSQL update in place (HOT: no index entries, dead rows pruned within the page): measured
// in docs/performance.md ("Embedded pipeline"), ≈ 19 % less CPU per upserted state and half the
// table size after five rewrites. Pages written from now on keep the room.
import type { Migration } from '../migration.ts'

export const v023StateFillfactor: Migration = {
  version: 23,
  name: 'customer_state pages keep room for updates in place',
  sql: `ALTER TABLE customer_state SET (fillfactor = 70);`,
}
