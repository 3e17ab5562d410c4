// Versioned schema of the operational store. New migrations go in ./migrations/, one file each;
// never edit an applied one.
import type { Migration } from './migration.ts'
import { laterMigrations } from './migrations/index.ts'

export type { Migration } from './migration.ts'

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'engine core: event log, state, timers, outbox, tasks, rules, keys',
    sql: `
      CREATE TABLE event_log (
        seq          BIGSERIAL PRIMARY KEY,
        partition    INTEGER NOT NULL,
        message_id   TEXT NOT NULL UNIQUE,
        customer_id  TEXT NOT NULL,
        received_at  BIGINT NOT NULL,
        body         JSONB NOT NULL
      );
      CREATE INDEX event_log_partition_seq ON event_log (partition, seq);

      CREATE TABLE dead_letters (
        id           BIGSERIAL PRIMARY KEY,
        source       TEXT NOT NULL,
        received_at  BIGINT NOT NULL,
        reason       TEXT NOT NULL,
        errors       JSONB NOT NULL,
        payload      TEXT NOT NULL
      );

      CREATE TABLE source_positions (
        source       TEXT NOT NULL,
        partition    INTEGER NOT NULL,
        position     BIGINT NOT NULL,
        PRIMARY KEY (source, partition)
      );

      CREATE TABLE customer_state (
        customer_id  TEXT PRIMARY KEY,
        partition    INTEGER NOT NULL,
        version      INTEGER NOT NULL,
        state        JSONB NOT NULL,
        updated_at   BIGINT NOT NULL
      );

      CREATE TABLE timers (
        id            TEXT PRIMARY KEY,
        customer_id   TEXT NOT NULL,
        partition     INTEGER NOT NULL,
        rule_id       TEXT NOT NULL,
        trigger_index INTEGER NOT NULL,
        entity        TEXT NOT NULL,
        due_at        BIGINT NOT NULL,
        status        TEXT NOT NULL CHECK (status IN ('pending', 'fired', 'cancelled')),
        armed_by      JSONB NOT NULL,
        created_at    BIGINT NOT NULL,
        updated_at    BIGINT NOT NULL
      );
      CREATE INDEX timers_pending_due ON timers (partition, due_at) WHERE status = 'pending';
      CREATE INDEX timers_customer ON timers (customer_id);

      CREATE TABLE outbox (
        id                  TEXT PRIMARY KEY,
        idempotency_key     TEXT NOT NULL UNIQUE,
        customer_id         TEXT NOT NULL,
        channel             TEXT NOT NULL,
        template            TEXT NOT NULL,
        topic               TEXT NOT NULL,
        rule_id             TEXT NOT NULL,
        rule_version        INTEGER NOT NULL,
        payload             JSONB NOT NULL,
        status              TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'skipped', 'dead')),
        attempts            INTEGER NOT NULL DEFAULT 0,
        next_attempt_at     BIGINT NOT NULL,
        lease_until         BIGINT,
        last_error          TEXT,
        provider_message_id TEXT,
        created_at          BIGINT NOT NULL,
        updated_at          BIGINT NOT NULL
      );
      CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status IN ('pending', 'sending');
      CREATE INDEX outbox_customer ON outbox (customer_id, created_at);

      CREATE TABLE tasks (
        id               TEXT PRIMARY KEY,
        idempotency_key  TEXT NOT NULL UNIQUE,
        customer_id      TEXT NOT NULL,
        queue            TEXT NOT NULL,
        priority         TEXT NOT NULL,
        priority_rank    INTEGER NOT NULL,
        status           TEXT NOT NULL CHECK (status IN ('open', 'claimed', 'resolved')),
        title            TEXT NOT NULL,
        rule_id          TEXT NOT NULL,
        rule_version     INTEGER NOT NULL,
        signal           JSONB NOT NULL,
        context          JSONB NOT NULL,
        sla_due_at       BIGINT NOT NULL,
        created_at       BIGINT NOT NULL,
        updated_at       BIGINT NOT NULL,
        claimed_by       TEXT,
        claimed_at       BIGINT,
        resolved_by      TEXT,
        resolved_at      BIGINT,
        outcome          TEXT,
        note             TEXT
      );
      CREATE INDEX tasks_worklist ON tasks (queue, status, priority_rank DESC, sla_due_at);
      CREATE INDEX tasks_customer ON tasks (customer_id, created_at);

      CREATE TABLE rules (
        id          TEXT PRIMARY KEY,
        version     INTEGER NOT NULL,
        enabled     BOOLEAN NOT NULL,
        document    JSONB NOT NULL,
        created_at  BIGINT NOT NULL,
        updated_at  BIGINT NOT NULL,
        updated_by  TEXT NOT NULL
      );
      CREATE TABLE rule_versions (
        rule_id     TEXT NOT NULL,
        version     INTEGER NOT NULL,
        document    JSONB NOT NULL,
        created_at  BIGINT NOT NULL,
        created_by  TEXT NOT NULL,
        PRIMARY KEY (rule_id, version)
      );

      CREATE TABLE api_keys (
        key_hash    TEXT PRIMARY KEY,
        role        TEXT NOT NULL CHECK (role IN ('admin', 'ops', 'agent')),
        label       TEXT NOT NULL,
        created_at  BIGINT NOT NULL
      );

      CREATE TABLE settings (
        key         TEXT PRIMARY KEY,
        value       JSONB NOT NULL
      );

      CREATE TABLE consent (
        customer_id TEXT NOT NULL,
        channel     TEXT NOT NULL,
        topic       TEXT NOT NULL,
        status      TEXT NOT NULL CHECK (status IN ('opted_in', 'opted_out')),
        updated_at  BIGINT NOT NULL,
        PRIMARY KEY (customer_id, channel, topic)
      );
    `,
  },
  {
    version: 2,
    name: 'channels and guards: contact record, in-app inbox, message priority and urgency',
    sql: `
      ALTER TABLE outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE outbox ADD COLUMN urgent BOOLEAN NOT NULL DEFAULT false;
      CREATE INDEX outbox_customer_status ON outbox (customer_id, status, created_at);

      ALTER TABLE consent ADD COLUMN source TEXT NOT NULL DEFAULT 'api';

      CREATE TABLE contacts (
        id           TEXT PRIMARY KEY,
        customer_id  TEXT NOT NULL,
        channel      TEXT NOT NULL,
        kind         TEXT NOT NULL CHECK (kind IN ('automated', 'human')),
        topic        TEXT NOT NULL,
        source_id    TEXT NOT NULL,
        actor        TEXT NOT NULL,
        priority     INTEGER NOT NULL DEFAULT 0,
        at           BIGINT NOT NULL
      );
      CREATE INDEX contacts_customer_at ON contacts (customer_id, at);

      CREATE TABLE inbox_messages (
        id            TEXT PRIMARY KEY,
        customer_id   TEXT NOT NULL,
        template      TEXT NOT NULL,
        title         TEXT NOT NULL,
        body          TEXT NOT NULL,
        link          TEXT,
        data          JSONB NOT NULL,
        created_at    BIGINT NOT NULL,
        read_at       BIGINT,
        dismissed_at  BIGINT
      );
      CREATE INDEX inbox_customer_created ON inbox_messages (customer_id, created_at);
    `,
  },
  {
    version: 3,
    name: 'work list: queues with hours and capacity, agents, snooze, escalation, notes, surveys, feedback',
    sql: `
      CREATE TABLE queues (
        id                  TEXT PRIMARY KEY,
        name                TEXT NOT NULL,
        timezone            TEXT NOT NULL,
        hours               JSONB,
        capacity_per_agent  INTEGER NOT NULL,
        skills              JSONB NOT NULL,
        escalate_to         TEXT,
        updated_at          BIGINT NOT NULL
      );

      CREATE TABLE agents (
        id            TEXT PRIMARY KEY,
        display_name  TEXT NOT NULL,
        queues        JSONB NOT NULL,
        skills        JSONB NOT NULL,
        on_shift      BOOLEAN NOT NULL,
        capacity      INTEGER,
        updated_at    BIGINT NOT NULL
      );

      ALTER TABLE tasks ADD COLUMN available_at BIGINT NOT NULL DEFAULT 0;
      ALTER TABLE tasks ADD COLUMN snoozed_until BIGINT;
      ALTER TABLE tasks ADD COLUMN sla_warned_at BIGINT;
      ALTER TABLE tasks ADD COLUMN escalated_at BIGINT;
      ALTER TABLE tasks ADD COLUMN escalated_from TEXT;
      ALTER TABLE tasks ADD COLUMN first_contact_at BIGINT;
      ALTER TABLE tasks ADD COLUMN skills JSONB NOT NULL DEFAULT '[]';
      ALTER TABLE tasks ADD COLUMN language TEXT;
      ALTER TABLE tasks ADD COLUMN fallback JSONB;
      CREATE INDEX tasks_open_sla ON tasks (status, sla_due_at) WHERE status <> 'resolved';

      CREATE TABLE task_notes (
        id          TEXT PRIMARY KEY,
        task_id     TEXT NOT NULL,
        customer_id TEXT NOT NULL,
        author      TEXT NOT NULL,
        body        TEXT NOT NULL,
        created_at  BIGINT NOT NULL
      );
      CREATE INDEX task_notes_customer ON task_notes (customer_id, created_at);

      CREATE TABLE surveys (
        id           TEXT PRIMARY KEY,
        customer_id  TEXT NOT NULL,
        task_id      TEXT,
        outbox_id    TEXT,
        rule_id      TEXT NOT NULL,
        created_at   BIGINT NOT NULL,
        answered_at  BIGINT,
        score        INTEGER,
        comment      TEXT
      );

      CREATE TABLE feedback (
        id          TEXT PRIMARY KEY,
        task_id     TEXT NOT NULL,
        rule_id     TEXT NOT NULL,
        template    TEXT,
        kind        TEXT NOT NULL CHECK (kind IN ('should_be_automated', 'suggestion')),
        author      TEXT NOT NULL,
        body        TEXT NOT NULL,
        created_at  BIGINT NOT NULL
      );
      CREATE INDEX feedback_rule ON feedback (rule_id, created_at);
    `,
  },
  {
    version: 4,
    name: 'four eyes and audit: live rule version, version approval, audit log, approver role',
    sql: `
      ALTER TABLE rules ADD COLUMN live_version INTEGER;
      UPDATE rules SET live_version = version;

      ALTER TABLE rule_versions ADD COLUMN status TEXT NOT NULL DEFAULT 'approved' CHECK (status IN ('draft', 'approved'));
      ALTER TABLE rule_versions ADD COLUMN approved_by TEXT;
      ALTER TABLE rule_versions ADD COLUMN approved_at BIGINT;
      ALTER TABLE rule_versions ADD COLUMN rollback_of INTEGER;

      CREATE TABLE audit_log (
        id           BIGSERIAL PRIMARY KEY,
        at           BIGINT NOT NULL,
        actor        TEXT NOT NULL,
        role         TEXT,
        action       TEXT NOT NULL,
        entity_type  TEXT NOT NULL,
        entity_id    TEXT NOT NULL,
        version      INTEGER,
        details      JSONB NOT NULL
      );
      CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id, id);
      CREATE INDEX audit_log_actor ON audit_log (actor, id);

      ALTER TABLE api_keys DROP CONSTRAINT api_keys_role_check;
      ALTER TABLE api_keys ADD CONSTRAINT api_keys_role_check CHECK (role IN ('admin', 'ops', 'agent', 'approver'));
    `,
  },
  {
    version: 5,
    name: 'template versions: stored template edits with four eyes and rollback',
    sql: `
      CREATE TABLE template_versions (
        channel      TEXT NOT NULL,
        template_id  TEXT NOT NULL,
        locale       TEXT NOT NULL,
        version      INTEGER NOT NULL,
        source       TEXT NOT NULL,
        status       TEXT NOT NULL CHECK (status IN ('draft', 'approved', 'live', 'superseded')),
        created_by   TEXT NOT NULL,
        created_at   BIGINT NOT NULL,
        approved_by  TEXT,
        approved_at  BIGINT,
        rollback_of  INTEGER,
        PRIMARY KEY (channel, template_id, locale, version)
      );
      CREATE INDEX template_versions_live ON template_versions (status) WHERE status = 'live';
    `,
  },
  {
    version: 6,
    name: 'event-time absences: a timer fires after its allowed lateness; the moment keeps the due time',
    sql: `
      ALTER TABLE timers ADD COLUMN moment_at BIGINT;
    `,
  },
  {
    version: 7,
    name: 'identity: anonymous id → known id (first claim wins), conflicting claims kept apart',
    sql: `
      CREATE TABLE identity_links (
        anonymous_id  TEXT PRIMARY KEY,
        user_id       TEXT NOT NULL,
        linked_at     BIGINT NOT NULL
      );
      CREATE INDEX identity_links_user ON identity_links (user_id);

      CREATE TABLE identity_conflicts (
        anonymous_id  TEXT NOT NULL,
        user_id       TEXT NOT NULL,
        seen_at       BIGINT NOT NULL,
        PRIMARY KEY (anonymous_id, user_id)
      );
    `,
  },
  {
    version: 8,
    name: 'privacy: suppressed (erased) ids by pseudonymous reference, erasure requests and their stores',
    sql: `
      CREATE TABLE suppressions (
        reference   TEXT PRIMARY KEY,
        created_at  BIGINT NOT NULL,
        created_by  TEXT NOT NULL
      );
      CREATE TABLE erasures (
        id            TEXT PRIMARY KEY,
        reference     TEXT NOT NULL,
        requested_by  TEXT NOT NULL,
        requested_at  BIGINT NOT NULL,
        stores        JSONB NOT NULL,
        completed_at  BIGINT
      );
    `,
  },
  {
    version: 9,
    name: 'API keys first-class: id, display prefix, creator, last use, revocation, ingest keys per source',
    sql: `
      ALTER TABLE api_keys ADD COLUMN id TEXT;
      UPDATE api_keys SET id = 'key_' || substr(key_hash, 1, 12);
      ALTER TABLE api_keys ALTER COLUMN id SET NOT NULL;
      CREATE UNIQUE INDEX api_keys_id ON api_keys (id);
      ALTER TABLE api_keys ADD COLUMN prefix TEXT NOT NULL DEFAULT '';
      ALTER TABLE api_keys ADD COLUMN created_by TEXT NOT NULL DEFAULT 'careloop';
      ALTER TABLE api_keys ADD COLUMN last_used_at BIGINT;
      ALTER TABLE api_keys ADD COLUMN revoked_at BIGINT;
      ALTER TABLE api_keys ADD COLUMN source TEXT;
      ALTER TABLE api_keys DROP CONSTRAINT api_keys_role_check;
      ALTER TABLE api_keys ADD CONSTRAINT api_keys_role_check CHECK (role IN ('admin', 'ops', 'agent', 'approver', 'ingest'));
      CREATE UNIQUE INDEX api_keys_live_source ON api_keys (source) WHERE revoked_at IS NULL AND source IS NOT NULL;
    `,
  },
  {
    version: 12,
    name: 'scheduled care reads only the time zones whose cron minute came round',
    sql: `
      ALTER TABLE customer_state ADD COLUMN timezone TEXT NOT NULL DEFAULT '';
      UPDATE customer_state SET timezone = COALESCE(state->>'timezone', '');
      CREATE INDEX customer_state_zone ON customer_state (partition, timezone, customer_id);
    `,
  },
  {
    version: 13,
    name: 'state and logged bodies as JSON text: nothing queries inside them, and JSONB costs a parse on every write',
    sql: `
      ALTER TABLE customer_state ALTER COLUMN state TYPE TEXT USING state::text;
      ALTER TABLE event_log ALTER COLUMN body TYPE TEXT USING body::text;
    `,
  },
  ...laterMigrations,
]
