// Dead letters and dead messages can be resent after a fix (docs/dead-letters.md): who resent
// each and when, what came of an input letter's resend, and the letter a new one was resent from.
// Indexes serve the newest-first keyset listing of both kinds.
import type { Migration } from '../migration.ts'

export const v019DeadLetterResends: Migration = {
  version: 19,
  name: 'dead letter resends: resent at / by / outcome on letters and dead messages, listing indexes',
  sql: `
    ALTER TABLE dead_letters ADD COLUMN resent_at BIGINT;
    ALTER TABLE dead_letters ADD COLUMN resent_by TEXT;
    ALTER TABLE dead_letters ADD COLUMN resend_outcome TEXT;
    ALTER TABLE dead_letters ADD COLUMN resent_from BIGINT;
    CREATE INDEX dead_letters_received ON dead_letters (received_at DESC, id DESC);

    ALTER TABLE outbox ADD COLUMN resent_at BIGINT;
    ALTER TABLE outbox ADD COLUMN resent_by TEXT;
    CREATE INDEX outbox_dead ON outbox (updated_at DESC, id DESC) WHERE status = 'dead';
  `,
}
