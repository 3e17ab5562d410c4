// Task webhooks and helpdesk bridges (docs/webhooks.md, docs/helpdesk.md). Every task transition
// is turned into one delivery row per subscribed endpoint by triggers on tasks, so the row commits
// in the transaction of the transition itself whichever code path made it (the engine, the work
// list, the SLA job, a moot task closed by an event): none can be forgotten, none written twice.
import type { Migration } from '../migration.ts'

const TRANSITION = `
  CASE WHEN n.status = 'resolved' AND o.status <> 'resolved' THEN 'task.resolved'
       WHEN n.escalated_at IS NOT NULL AND o.escalated_at IS NULL THEN 'task.escalated'
       WHEN n.sla_warned_at IS NOT NULL AND o.sla_warned_at IS NULL THEN 'task.escalated'
       WHEN n.status <> 'resolved' AND (n.queue <> o.queue OR (o.status = 'claimed' AND n.status = 'claimed' AND n.claimed_by IS DISTINCT FROM o.claimed_by)) THEN 'task.reassigned'
       WHEN o.status = 'open' AND n.status = 'claimed' THEN 'task.claimed'
       WHEN o.status = 'claimed' AND n.status = 'open' THEN 'task.released'
       WHEN n.snoozed_until IS NOT NULL AND n.snoozed_until IS DISTINCT FROM o.snoozed_until THEN 'task.snoozed'
  END`

/** The task as receivers see it: every column but the bulky or internal ones. */
const TASK_JSON = `to_jsonb(n) - 'context' - 'signal' - 'fallback' - 'idempotency_key' - 'transition_seq'`

export const v018TaskWebhooks: Migration = {
  version: 18,
  name: 'task webhooks and helpdesk bridges: endpoints, per-transition delivery rows written by triggers, helpdesk links',
  sql: `
    ALTER TABLE tasks ADD COLUMN transition_seq INTEGER NOT NULL DEFAULT 0;

    CREATE TABLE webhook_endpoints (
      id          TEXT PRIMARY KEY,
      kind        TEXT NOT NULL CHECK (kind IN ('standard', 'chatwoot', 'zendesk')),
      url         TEXT NOT NULL,
      secret      TEXT NOT NULL,
      events      TEXT[] NOT NULL,
      enabled     BOOLEAN NOT NULL,
      settings    JSONB NOT NULL DEFAULT '{}',
      created_at  BIGINT NOT NULL,
      updated_at  BIGINT NOT NULL
    );

    CREATE TABLE webhook_deliveries (
      seq              BIGSERIAL,
      endpoint_id      TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
      id               TEXT NOT NULL,
      task_id          TEXT NOT NULL,
      customer_id      TEXT NOT NULL,
      event            TEXT NOT NULL,
      payload          JSONB NOT NULL,
      occurred_at      BIGINT NOT NULL,
      status           TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
      attempts         INTEGER NOT NULL DEFAULT 0,
      next_attempt_at  BIGINT NOT NULL,
      last_error       TEXT,
      delivered_at     BIGINT,
      PRIMARY KEY (endpoint_id, id)
    );
    CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
    CREATE INDEX webhook_deliveries_task ON webhook_deliveries (endpoint_id, task_id, seq) WHERE status = 'pending';
    CREATE INDEX webhook_deliveries_customer ON webhook_deliveries (customer_id);

    CREATE TABLE helpdesk_links (
      endpoint_id  TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
      task_id      TEXT NOT NULL,
      external_id  TEXT NOT NULL,
      details      JSONB NOT NULL DEFAULT '{}',
      created_at   BIGINT NOT NULL,
      PRIMARY KEY (endpoint_id, task_id)
    );
    CREATE UNIQUE INDEX helpdesk_links_external ON helpdesk_links (endpoint_id, external_id);

    CREATE FUNCTION careloop_task_transition_seq() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      NEW.transition_seq := OLD.transition_seq + 1;
      RETURN NEW;
    END $$;
    CREATE TRIGGER tasks_transition_seq BEFORE UPDATE ON tasks FOR EACH ROW EXECUTE FUNCTION careloop_task_transition_seq();

    CREATE FUNCTION careloop_task_created_webhooks() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled) THEN RETURN NULL; END IF;
      INSERT INTO webhook_deliveries (endpoint_id, id, task_id, customer_id, event, payload, occurred_at, next_attempt_at)
      SELECT e.id, 'msg_' || md5(n.id || ':0'), n.id, n.customer_id, 'task.created', jsonb_build_object('task', ${TASK_JSON}), n.created_at, n.created_at
        FROM new_rows n JOIN webhook_endpoints e ON e.enabled AND 'task.created' = ANY (e.events)
      ON CONFLICT DO NOTHING;
      RETURN NULL;
    END $$;
    CREATE TRIGGER tasks_created_webhooks AFTER INSERT ON tasks REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION careloop_task_created_webhooks();

    CREATE FUNCTION careloop_task_changed_webhooks() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled) THEN RETURN NULL; END IF;
      INSERT INTO webhook_deliveries (endpoint_id, id, task_id, customer_id, event, payload, occurred_at, next_attempt_at)
      SELECT e.id, 'msg_' || md5(t.id || ':' || t.transition_seq), t.id, t.customer_id, t.event, t.payload, t.updated_at, t.updated_at
        FROM (
          SELECT n.id, n.customer_id, n.transition_seq, n.updated_at, ${TRANSITION} AS event,
                 jsonb_build_object('task', ${TASK_JSON},
                   'previous', jsonb_build_object('status', o.status, 'queue', o.queue, 'claimed_by', o.claimed_by, 'priority', o.priority)) AS payload
            FROM new_rows n JOIN old_rows o ON o.id = n.id
        ) t
        JOIN webhook_endpoints e ON e.enabled AND t.event = ANY (e.events)
      ON CONFLICT DO NOTHING;
      RETURN NULL;
    END $$;
    CREATE TRIGGER tasks_changed_webhooks AFTER UPDATE ON tasks REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION careloop_task_changed_webhooks();
  `,
}
