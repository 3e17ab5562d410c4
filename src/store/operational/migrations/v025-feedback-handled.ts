// Agents' feedback as an inbox for ops: an item is open until someone marks it handled (and may
// reopen it); surveys get an index for the CSAT report's window.
import type { Migration } from '../migration.ts'

export const v025FeedbackHandled: Migration = {
  version: 25,
  name: 'feedback inbox: handled state; surveys by creation time for CSAT',
  sql: `
    ALTER TABLE feedback ADD COLUMN handled_at BIGINT;
    ALTER TABLE feedback ADD COLUMN handled_by TEXT;
    CREATE INDEX feedback_open ON feedback (created_at) WHERE handled_at IS NULL;
    CREATE INDEX surveys_created ON surveys (created_at);
  `,
}
