// Dead messages: outbox rows that could not be delivered (status dead), as the dead-letter
// listing reads them, and their way back to the outbox after a fix (docs/dead-letters.md).
import type { DeadLetterCursor, DeadLetterFilter } from '../../model/deadLetter.ts'
import type { OutboxPayload } from '../../model/outbox.ts'
import type { SqlExecutor } from './SqlExecutor.ts'

/** An outbox message as lists show it (no payload), read as stored. */
export interface OutboxMessageSummary {
  id: string
  customerId: string
  channel: string
  template: string
  topic: string
  ruleId: string
  ruleVersion: number
  status: string
  attempts: number
  lastError: string | null
  createdAt: number
  updatedAt: number
}

export interface DeadMessage extends OutboxMessageSummary {
  resentAt: number | null
  resentBy: string | null
  /** Only when one message is read. */
  payload?: OutboxPayload
}

interface Row {
  id: string
  customer_id: string
  channel: string
  template: string
  topic: string
  rule_id: string
  rule_version: number
  status: string
  attempts: number
  last_error: string | null
  created_at: string
  updated_at: string
  resent_at: string | null
  resent_by: string | null
  payload?: OutboxPayload
}

const COLUMNS = 'id, customer_id, channel, template, topic, rule_id, rule_version, status, attempts, last_error, created_at, updated_at, resent_at, resent_by'

function toMessage(r: Row): DeadMessage {
  return {
    id: r.id,
    customerId: r.customer_id,
    channel: r.channel,
    template: r.template,
    topic: r.topic,
    ruleId: r.rule_id,
    ruleVersion: r.rule_version,
    status: r.status,
    attempts: r.attempts,
    lastError: r.last_error,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    resentAt: r.resent_at === null ? null : Number(r.resent_at),
    resentBy: r.resent_by,
    ...(r.payload !== undefined ? { payload: r.payload } : {}),
  }
}

export class DeadMessageStore {
  constructor(private readonly db: SqlExecutor) {}

  /**
   * Dead messages (state open), resent ones in whatever status they reached (resent), or both,
   * newest change first, after the cursor. A cursor on an input letter (listed after messages of
   * the same time) leaves out every message of that time.
   */
  async browse(filter: DeadLetterFilter, after: DeadLetterCursor | undefined, limit: number): Promise<DeadMessage[]> {
    const state = filter.state === 'open' ? `status = 'dead'` : filter.state === 'resent' ? 'resent_at IS NOT NULL' : `(status = 'dead' OR resent_at IS NOT NULL)`
    const result = await this.db.query<Row>(
      `SELECT ${COLUMNS} FROM outbox
        WHERE ${state}
          AND ($1::text IS NULL OR channel = $1)
          AND ($2::text IS NULL OR strpos(lower(coalesce(last_error, '')), lower($2)) > 0)
          AND ($3::bigint IS NULL OR updated_at >= $3)
          AND ($4::bigint IS NULL OR updated_at < $4)
          AND ($5::text IS NULL OR rule_id = $5)
          AND ($6::bigint IS NULL OR updated_at < $6 OR (updated_at = $6 AND $7::text IS NOT NULL AND id < $7))
        ORDER BY updated_at DESC, id DESC
        LIMIT $8`,
      [
        filter.source ?? null,
        filter.reason ?? null,
        filter.from ?? null,
        filter.to ?? null,
        filter.rule ?? null,
        after?.at ?? null,
        after?.kind === 'message' ? after.id : null,
        limit,
      ],
    )
    return result.rows.map(toMessage)
  }

  /** Dead or resent messages by id, with their payloads (other outbox rows are not dead letters). */
  async get(ids: readonly string[]): Promise<DeadMessage[]> {
    if (ids.length === 0) return []
    const result = await this.db.query<Row>(
      `SELECT ${COLUMNS}, payload FROM outbox WHERE id = ANY($1::text[]) AND (status = 'dead' OR resent_at IS NOT NULL) ORDER BY id`,
      [ids],
    )
    return result.rows.map(toMessage)
  }

  /**
   * Puts dead messages back in the outbox as pending, due now, with fresh attempts; the same row
   * and idempotency key, so a message is still sent at most once. Returns the ids requeued
   * (a message no longer dead is left alone).
   */
  async requeue(ids: readonly string[], actor: string, now: number): Promise<Set<string>> {
    if (ids.length === 0) return new Set()
    const result = await this.db.query<{ id: string }>(
      `UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = $2, lease_until = NULL, updated_at = $2, resent_at = $2, resent_by = $3
        WHERE id = ANY($1::text[]) AND status = 'dead'
        RETURNING id`,
      [ids, now, actor],
    )
    return new Set(result.rows.map((r) => r.id))
  }
}
