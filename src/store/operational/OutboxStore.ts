// The outbox: messages decided but not yet delivered. Rows are keyed by the decision's
// idempotency key, so a replayed decision can never queue a second message.
import type { Channel, Topic } from '../../model/channel.ts'
import { ADDRESS_GUARD, type OutboxPayload } from '../../model/outbox.ts'
import { multiRowInsert, type SqlExecutor } from './SqlExecutor.ts'

export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'skipped' | 'dead'

export interface OutboxInsert {
  id: string
  idempotencyKey: string
  customerId: string
  channel: Channel
  template: string
  topic: Topic
  /** The rule's priority: when rules compete for one shopper, the highest goes out. */
  priority: number
  /** May pass quiet hours and frequency caps. */
  urgent: boolean
  ruleId: string
  ruleVersion: number
  /** The entity the rule's moment was about (an order id …), when it had one. */
  entity?: string | undefined
  /** What the channel needs to render and address the message (stored as JSON). */
  payload: OutboxPayload
  nextAttemptAt: number
  createdAt: number
}

/** Messages of a rule about an entity whose reason an event ended before they went out. */
export interface WithdrawnNudges {
  customerId: string
  ruleId: string
  /** undefined: every entity of the rule for this customer. */
  entity: string | undefined
  /** The detail a withdrawn message keeps: 'withdrawn: <event> at <time>'. */
  reason: string
  /** Ids of this batch's messages planned before the withdrawing event. */
  planned: string[]
}

export interface OutboxRecord extends OutboxInsert {
  status: OutboxStatus
  attempts: number
  lastError: string | null
  providerMessageId: string | null
  updatedAt: number
}

interface OutboxRow {
  id: string
  idempotency_key: string
  customer_id: string
  channel: Channel
  template: string
  topic: Topic
  priority: number
  urgent: boolean
  rule_id: string
  rule_version: number
  payload: OutboxPayload
  status: OutboxStatus
  attempts: number
  next_attempt_at: string | number
  last_error: string | null
  provider_message_id: string | null
  created_at: string | number
  updated_at: string | number
}

const COLUMNS = 'id, idempotency_key, customer_id, channel, template, topic, priority, urgent, rule_id, rule_version, payload, status, attempts, next_attempt_at, last_error, provider_message_id, created_at, updated_at'

function toRecord(r: OutboxRow): OutboxRecord {
  return {
    id: r.id,
    idempotencyKey: r.idempotency_key,
    customerId: r.customer_id,
    channel: r.channel,
    template: r.template,
    topic: r.topic,
    priority: r.priority,
    urgent: r.urgent,
    ruleId: r.rule_id,
    ruleVersion: r.rule_version,
    payload: r.payload,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: Number(r.next_attempt_at),
    lastError: r.last_error,
    providerMessageId: r.provider_message_id,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  }
}

export class OutboxStore {
  constructor(private readonly db: SqlExecutor) {}

  /** Inserts rows whose idempotency key is new; returns the ids actually inserted. */
  async insert(rows: readonly OutboxInsert[], tx: SqlExecutor = this.db): Promise<Set<string>> {
    const inserted = new Set<string>()
    if (rows.length === 0) return inserted
    const statements = multiRowInsert(
      'outbox',
      ['id', 'idempotency_key', 'customer_id', 'channel', 'template', 'topic', 'priority', 'urgent', 'rule_id', 'rule_version', 'entity', 'payload', 'status', 'attempts', 'next_attempt_at', 'created_at', 'updated_at'],
      rows.map((r) => [r.id, r.idempotencyKey, r.customerId, r.channel, r.template, r.topic, r.priority, r.urgent, r.ruleId, r.ruleVersion, r.entity ?? null, JSON.stringify(r.payload), 'pending', 0, r.nextAttemptAt, r.createdAt, r.createdAt]),
      'ON CONFLICT (idempotency_key) DO NOTHING RETURNING id',
    )
    for (const { sql, params } of statements) {
      for (const row of (await tx.query<{ id: string }>(sql, params)).rows) inserted.add(row.id)
    }
    return inserted
  }

  /**
   * Withdraws messages still waiting to go out (pending: due later, or held) whose reason went
   * away: of the customer, from the rule, about the entity (every entity when undefined). This
   * batch's own rows are withdrawn only when planned before the withdrawing event (`planned`);
   * rows it planned later stay. Returns the withdrawn rows with the reason as their last error.
   */
  async withdraw(withdrawals: readonly WithdrawnNudges[], batchIds: readonly string[], now: number, tx: SqlExecutor = this.db): Promise<OutboxRecord[]> {
    if (withdrawals.length === 0) return []
    // One statement for the whole batch. A message two withdrawals reach keeps the first one's reason.
    const plannedBy: number[] = []
    const plannedIds: string[] = []
    withdrawals.forEach((w, n) => {
      for (const id of w.planned) {
        plannedBy.push(n)
        plannedIds.push(id)
      }
    })
    const result = await tx.query<OutboxRow & { withdrawal: number }>(
      `WITH w AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[]) AS w(customer_id, rule_id, entity, reason, n)),
            planned AS (SELECT * FROM unnest($6::int[], $7::text[]) AS p(n, id)),
            hit AS (
              SELECT DISTINCT ON (o.id) o.id, w.reason, w.n
                FROM outbox o JOIN w ON o.customer_id = w.customer_id AND o.rule_id = w.rule_id AND (w.entity IS NULL OR o.entity = w.entity)
               WHERE o.status = 'pending'
                 AND (NOT (o.id = ANY($8::text[])) OR EXISTS (SELECT 1 FROM planned WHERE planned.n = w.n AND planned.id = o.id))
               ORDER BY o.id, w.n)
       UPDATE outbox SET status = 'skipped', last_error = hit.reason, updated_at = $9
         FROM hit WHERE outbox.id = hit.id
       RETURNING ${COLUMNS.split(', ').map((c) => `outbox.${c}`).join(', ')}, hit.n AS withdrawal`,
      [
        withdrawals.map((w) => w.customerId),
        withdrawals.map((w) => w.ruleId),
        withdrawals.map((w) => w.entity ?? null),
        withdrawals.map((w) => w.reason),
        withdrawals.map((_, n) => n),
        plannedBy,
        plannedIds,
        batchIds,
        now,
      ],
    )
    return result.rows
      .sort((a, b) => a.withdrawal - b.withdrawal || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map(toRecord)
  }

  /**
   * Leases due messages for sending. A lease that expires (a crashed sender) makes the message
   * due again; channels carry the idempotency key so the retry is recognisable downstream.
   */
  async lease(now: number, leaseMs: number, limit: number, channel?: Channel): Promise<OutboxRecord[]> {
    const result = await this.db.query<OutboxRow>(
      `UPDATE outbox SET status = 'sending', attempts = attempts + 1, lease_until = $2, updated_at = $1
        WHERE id IN (
          SELECT id FROM outbox
           WHERE ((status = 'pending' AND next_attempt_at <= $1) OR (status = 'sending' AND lease_until < $1))
             AND ($4::text IS NULL OR channel = $4)
           ORDER BY next_attempt_at, id
           LIMIT $3
           FOR UPDATE SKIP LOCKED)
        RETURNING ${COLUMNS}`,
      [now, now + leaseMs, limit, channel ?? null],
    )
    return result.rows.map(toRecord).sort((a, b) => a.nextAttemptAt - b.nextAttemptAt || (a.id < b.id ? -1 : 1))
  }

  /** The channels that have rows `lease` would take at `now`: a dispatcher pass leases only those. */
  async dueChannels(now: number): Promise<Set<Channel>> {
    const result = await this.db.query<{ channel: Channel }>(
      `SELECT DISTINCT channel FROM outbox
        WHERE status IN ('pending', 'sending') AND ((status = 'pending' AND next_attempt_at <= $1) OR (status = 'sending' AND lease_until < $1))`,
      [now],
    )
    return new Set(result.rows.map((r) => r.channel))
  }

  /** After a crash of the only sender (embedded mode), in-flight messages are due again at once. */
  async releaseLeases(now: number): Promise<number> {
    const result = await this.db.query(`UPDATE outbox SET status = 'pending', lease_until = NULL, updated_at = $1 WHERE status = 'sending'`, [now])
    return result.affectedRows
  }

  async markSent(id: string, now: number, providerMessageId: string | undefined, tx: SqlExecutor = this.db): Promise<void> {
    await tx.query(
      `UPDATE outbox SET status = 'sent', provider_message_id = $3, lease_until = NULL, last_error = NULL, updated_at = $2 WHERE id = $1`,
      [id, now, providerMessageId ?? null],
    )
  }

  async markRetry(id: string, now: number, nextAttemptAt: number, error: string): Promise<void> {
    await this.db.query(
      `UPDATE outbox SET status = 'pending', next_attempt_at = $3, last_error = $4, lease_until = NULL, updated_at = $2 WHERE id = $1`,
      [id, now, nextAttemptAt, error],
    )
  }

  /**
   * A guard said "not yet" (quiet hours): due again at `until`, and the lease's attempt is given
   * back because nothing was tried.
   */
  async markDeferred(id: string, now: number, until: number, reason: string): Promise<void> {
    await this.db.query(
      `UPDATE outbox SET status = 'pending', next_attempt_at = $3, attempts = GREATEST(attempts - 1, 0), last_error = $4, lease_until = NULL, updated_at = $2 WHERE id = $1`,
      [id, now, until, reason],
    )
  }

  /**
   * Messages of these shoppers waiting for an address become due now (they identified or were
   * merged into a known shopper); returns how many.
   */
  async wakeAddressWaits(customerIds: readonly string[], now: number, tx: SqlExecutor = this.db): Promise<number> {
    if (customerIds.length === 0) return 0
    const result = await tx.query(
      `UPDATE outbox SET next_attempt_at = $2, updated_at = $2
        WHERE customer_id = ANY($1::text[]) AND status = 'pending' AND next_attempt_at > $2 AND last_error LIKE $3`,
      [customerIds, now, `${ADDRESS_GUARD}:%`],
    )
    return result.affectedRows
  }

  /** A shopper's messages not yet final (pending or being sent), other than `exceptId`. */
  async unsent(customerId: string, exceptId: string, tx: SqlExecutor = this.db): Promise<OutboxRecord[]> {
    const result = await tx.query<OutboxRow>(
      `SELECT ${COLUMNS} FROM outbox WHERE customer_id = $1 AND status IN ('pending', 'sending') AND id <> $2 ORDER BY created_at, id`,
      [customerId, exceptId],
    )
    return result.rows.map(toRecord)
  }

  /** Final states: 'dead' (cannot be delivered) or 'skipped' (a send-time guard said no). */
  async markFinal(id: string, status: 'dead' | 'skipped', now: number, reason: string): Promise<void> {
    await this.db.query(`UPDATE outbox SET status = $3, last_error = $4, lease_until = NULL, updated_at = $2 WHERE id = $1`, [id, now, status, reason])
  }

  async get(id: string): Promise<OutboxRecord | undefined> {
    const result = await this.db.query<OutboxRow>(`SELECT ${COLUMNS} FROM outbox WHERE id = $1`, [id])
    return result.rows[0] ? toRecord(result.rows[0]) : undefined
  }

  async list(filter: { customerId?: string; status?: OutboxStatus; limit?: number } = {}): Promise<OutboxRecord[]> {
    const result = await this.db.query<OutboxRow>(
      `SELECT ${COLUMNS} FROM outbox
        WHERE ($1::text IS NULL OR customer_id = $1) AND ($2::text IS NULL OR status = $2)
        ORDER BY created_at, id LIMIT $3`,
      [filter.customerId ?? null, filter.status ?? null, filter.limit ?? 500],
    )
    return result.rows.map(toRecord)
  }

  async backlog(): Promise<number> {
    const result = await this.db.query<{ n: string }>(`SELECT count(*) AS n FROM outbox WHERE status IN ('pending', 'sending')`)
    return Number(result.rows[0]?.n ?? 0)
  }

  /** Earliest time a pending message becomes due, for the dispatcher's wake-up. */
  async nextDue(): Promise<number | undefined> {
    const result = await this.db.query<{ t: string | null }>(`SELECT min(next_attempt_at) AS t FROM outbox WHERE status = 'pending'`)
    const t = result.rows[0]?.t
    return t == null ? undefined : Number(t)
  }
}
