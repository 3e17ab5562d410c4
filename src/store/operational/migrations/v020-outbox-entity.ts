// A message remembers the entity its moment was about (the order, the checkout …), so a later
// event that ends the reason for that entity — the parcel delivered, the payment through — can
// withdraw it while it still waits to go out (held overnight by quiet hours, waiting for an
// address). Rows written before have no entity: only a rule-wide withdrawal reaches them.
import type { Migration } from '../migration.ts'

export const v020OutboxEntity: Migration = {
  version: 20,
  name: 'outbox entity for withdrawing messages whose reason went away',
  sql: `
    ALTER TABLE outbox ADD COLUMN entity TEXT;
    CREATE INDEX outbox_waiting_by_rule ON outbox (customer_id, rule_id) WHERE status = 'pending';
  `,
}
