// Input that could not be processed, kept with the reason so nothing is dropped silently.
import { repairString, repairValue } from '../../lib/text.ts'
import type { DeadLetterCursor, DeadLetterFilter } from '../../model/deadLetter.ts'
import { multiRowInsert, type SqlExecutor } from './SqlExecutor.ts'

export interface DeadLetter {
  source: string
  receivedAt: number
  reason: string
  errors: unknown
  payload: string
  /** The letter whose resend was refused again and made this one. */
  resentFrom?: number
}

export interface StoredDeadLetter extends DeadLetter {
  id: number
  resentAt: number | null
  resentBy: string | null
  resendOutcome: string | null
  resentFrom?: number
}

interface LetterRow {
  id: string
  source: string
  received_at: string
  reason: string
  errors: unknown
  payload: string
  resent_at: string | null
  resent_by: string | null
  resend_outcome: string | null
  resent_from: string | null
}

const LETTER_COLUMNS = 'id, source, received_at, reason, errors, payload, resent_at, resent_by, resend_outcome, resent_from'

function toLetter(r: LetterRow): StoredDeadLetter {
  return {
    id: Number(r.id),
    source: r.source,
    receivedAt: Number(r.received_at),
    reason: r.reason,
    errors: r.errors,
    payload: r.payload,
    resentAt: r.resent_at === null ? null : Number(r.resent_at),
    resentBy: r.resent_by,
    resendOutcome: r.resend_outcome,
    ...(r.resent_from === null ? {} : { resentFrom: Number(r.resent_from) }),
  }
}

/**
 * Dead letters hold whatever arrived, and PostgreSQL text cannot hold NUL or unpaired surrogates:
 * those become U+FFFD here, so parking bad input can never fail because of the input.
 */
function storable(text: string): string {
  return repairString(text).value
}

/** JSONB rejects the \u0000 escape and unpaired surrogate escapes just as TEXT rejects the characters. */
function storableJson(value: unknown): string {
  return JSON.stringify(repairValue(value).value) ?? 'null'
}

export class DeadLetterStore {
  constructor(private readonly db: SqlExecutor) {}

  /** Parks letters; returns their ids in the order given. */
  async add(letters: readonly DeadLetter[], tx: SqlExecutor = this.db): Promise<number[]> {
    if (letters.length === 0) return []
    const statements = multiRowInsert(
      'dead_letters',
      ['source', 'received_at', 'reason', 'errors', 'payload', 'resent_from'],
      letters.map((l) => [storable(l.source), l.receivedAt, storable(l.reason), storableJson(l.errors), storable(l.payload), l.resentFrom ?? null]),
      'RETURNING id',
    )
    const ids: number[] = []
    // Serial ids are drawn row by row in VALUES order, so ascending ids follow the given order.
    for (const { sql, params } of statements) ids.push(...(await tx.query<{ id: string }>(sql, params)).rows.map((r) => Number(r.id)).sort((a, b) => a - b))
    return ids
  }

  /**
   * Letters newest first matching the filter, after the cursor. A cursor on a message (listed
   * before input letters of the same time) keeps every input letter of that time.
   */
  async browse(filter: DeadLetterFilter, after: DeadLetterCursor | undefined, limit: number): Promise<StoredDeadLetter[]> {
    const result = await this.db.query<LetterRow>(
      `SELECT id, source, received_at, reason, 'null'::jsonb AS errors, left(payload, 200) AS payload, resent_at, resent_by, resend_outcome, resent_from
         FROM dead_letters
        WHERE ($1::text IS NULL OR source = $1)
          AND ($2::text IS NULL OR strpos(lower(reason), lower($2)) > 0)
          AND ($3::bigint IS NULL OR received_at >= $3)
          AND ($4::bigint IS NULL OR received_at < $4)
          AND ($5::text = 'all' OR ($5::text = 'open') = (resent_at IS NULL))
          AND ($6::bigint IS NULL OR received_at < $6 OR (received_at = $6 AND ($7::bigint IS NULL OR id < $7)))
        ORDER BY received_at DESC, id DESC
        LIMIT $8`,
      [
        filter.source ?? null,
        filter.reason ?? null,
        filter.from ?? null,
        filter.to ?? null,
        filter.state,
        after?.at ?? null,
        after?.kind === 'input' ? after.id : null,
        limit,
      ],
    )
    return result.rows.map(toLetter)
  }

  async get(ids: readonly number[]): Promise<StoredDeadLetter[]> {
    if (ids.length === 0) return []
    const result = await this.db.query<LetterRow>(`SELECT ${LETTER_COLUMNS} FROM dead_letters WHERE id = ANY($1::bigint[]) ORDER BY id`, [ids])
    return result.rows.map(toLetter)
  }

  /** The letters a resend of `id` was refused into. */
  async resentInto(id: number): Promise<Array<{ id: number; reason: string; receivedAt: number }>> {
    const result = await this.db.query<{ id: string; reason: string; received_at: string }>('SELECT id, reason, received_at FROM dead_letters WHERE resent_from = $1 ORDER BY id', [id])
    return result.rows.map((r) => ({ id: Number(r.id), reason: r.reason, receivedAt: Number(r.received_at) }))
  }

  /** Records a resend of each letter: who, when, and what came of it. */
  async markResent(marks: ReadonlyArray<{ id: number; outcome: string }>, actor: string, now: number, tx: SqlExecutor = this.db): Promise<void> {
    if (marks.length === 0) return
    await tx.query(
      `UPDATE dead_letters d SET resent_at = $1, resent_by = $2, resend_outcome = m.outcome
         FROM unnest($3::bigint[], $4::text[]) AS m(id, outcome)
        WHERE d.id = m.id`,
      [now, storable(actor), marks.map((m) => m.id), marks.map((m) => m.outcome)],
    )
  }

  async list(limit = 100): Promise<StoredDeadLetter[]> {
    const result = await this.db.query<LetterRow>(`SELECT ${LETTER_COLUMNS} FROM dead_letters ORDER BY id DESC LIMIT $1`, [limit])
    return result.rows.map(toLetter)
  }

  async count(): Promise<number> {
    const result = await this.db.query<{ n: string }>('SELECT count(*) AS n FROM dead_letters')
    return Number(result.rows[0]?.n ?? 0)
  }
}
