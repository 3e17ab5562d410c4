// History rows waiting for the embedded history store (chDB): an append there costs a step
// 5–15 ms of chDB's time per table, so steps write their history here, in the operational store,
// and a job moves it on in larger inserts. Each row is one append, as JSON text (PostgreSQL's
// jsonb refuses the \u0000 escape that shop text may hold), compressed as PostgreSQL does by
// default (measured cheaper to write than uncompressed).
import type { Migration } from '../migration.ts'

export const v028HistorySpool: Migration = {
  version: 28,
  name: 'history spool: appends waiting for the embedded history store',
  sql: `
    CREATE TABLE history_spool (
      seq BIGSERIAL PRIMARY KEY,
      rows TEXT NOT NULL,
      spooled_at BIGINT NOT NULL
    );
  `,
}
