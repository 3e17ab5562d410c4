// The scheduled-care sweep read every customer of a time zone whenever a cron time came round
// there: a daily birthday greeting read the whole shop every day. Each state now keeps when its
// scheduled care can next come due (computed by the engine from the rules' schedules), and the
// sweep reads only the rows whose time came round. Existing rows start due at once: the first
// sweep computes their time.
import type { Migration } from '../migration.ts'

export const v026ScheduleDue: Migration = {
  version: 26,
  name: 'customer_state keeps when its scheduled care next comes due',
  sql: `
    ALTER TABLE customer_state ADD COLUMN next_due_at BIGINT NOT NULL DEFAULT 0;
    CREATE INDEX customer_state_schedule_due ON customer_state (partition, next_due_at);
  `,
}
