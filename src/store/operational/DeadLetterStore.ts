// Input that could not be processed, kept with the reason so nothing is dropped silently.
import { repairString, repairValue } from '../../lib/text.ts'
import { multiRowInsert, runInserts, type SqlExecutor } from './SqlExecutor.ts'

export interface DeadLetter {
  source: string
  receivedAt: number
  reason: string
  errors: unknown
  payload: string
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

  async add(letters: readonly DeadLetter[], tx: SqlExecutor = this.db): Promise<void> {
    if (letters.length === 0) return
    await runInserts(
      tx,
      multiRowInsert(
        'dead_letters',
        ['source', 'received_at', 'reason', 'errors', 'payload'],
        letters.map((l) => [storable(l.source), l.receivedAt, storable(l.reason), storableJson(l.errors), storable(l.payload)]),
      ),
    )
  }

  async list(limit = 100): Promise<Array<DeadLetter & { id: number }>> {
    const result = await this.db.query<{ id: string; source: string; received_at: string; reason: string; errors: unknown; payload: string }>(
      'SELECT id, source, received_at, reason, errors, payload FROM dead_letters ORDER BY id DESC LIMIT $1',
      [limit],
    )
    return result.rows.map((r) => ({
      id: Number(r.id),
      source: r.source,
      receivedAt: Number(r.received_at),
      reason: r.reason,
      errors: r.errors,
      payload: r.payload,
    }))
  }

  async count(): Promise<number> {
    const result = await this.db.query<{ n: string }>('SELECT count(*) AS n FROM dead_letters')
    return Number(result.rows[0]?.n ?? 0)
  }
}
