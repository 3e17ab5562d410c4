// History appends waiting for the embedded history store (migration 28): written by a step in
// moments, moved on by the spool's job in order of arrival and removed once the history store
// holds them.
import type { SqlExecutor } from './SqlExecutor.ts'

export interface SpooledAppend {
  seq: number
  /** The append as JSON text. */
  rows: string
}

export class HistorySpoolStore {
  constructor(private readonly db: SqlExecutor) {}

  /** Keeps one append; returns its place in line. */
  async add(rows: string, now: number): Promise<number> {
    const res = await this.db.query<{ seq: string }>('INSERT INTO history_spool (rows, spooled_at) VALUES ($1, $2) RETURNING seq', [rows, now])
    return Number((res.rows[0] as { seq: string }).seq)
  }

  /** The oldest appends, up to `limit` of them or about `maxChars` of text (at least one). */
  async oldest(limit: number, maxChars: number): Promise<SpooledAppend[]> {
    const res = await this.db.query<{ seq: string; rows: string; total: string }>(
      `SELECT seq, rows, sum(length(rows)) OVER (ORDER BY seq) AS total FROM history_spool ORDER BY seq LIMIT $1`,
      [limit],
    )
    const out: SpooledAppend[] = []
    for (const r of res.rows) {
      if (out.length > 0 && Number(r.total) > maxChars) break
      out.push({ seq: Number(r.seq), rows: r.rows })
    }
    return out
  }

  async remove(seqs: readonly number[]): Promise<void> {
    if (seqs.length > 0) await this.db.query('DELETE FROM history_spool WHERE seq = ANY($1::bigint[])', [seqs])
  }

  /**
   * Frees the space of moved appends: PGlite runs no autovacuum, and without it a queue table
   * (and its TOAST table) only grows.
   */
  async reclaim(): Promise<void> {
    await this.db.query('VACUUM history_spool')
  }

  /** The place in line of the newest append waiting (0 when none waits). */
  async lastSeq(): Promise<number> {
    const res = await this.db.query<{ seq: string | null }>('SELECT max(seq) AS seq FROM history_spool')
    return Number(res.rows[0]?.seq ?? 0)
  }

  /** Appends waiting, and when the oldest was spooled (undefined when none waits). */
  async depth(): Promise<{ appends: number; oldestAt: number | undefined }> {
    const res = await this.db.query<{ n: string; oldest: string | null }>('SELECT count(*) AS n, min(spooled_at) AS oldest FROM history_spool')
    const row = res.rows[0] as { n: string; oldest: string | null }
    return { appends: Number(row.n), oldestAt: row.oldest === null ? undefined : Number(row.oldest) }
  }
}
