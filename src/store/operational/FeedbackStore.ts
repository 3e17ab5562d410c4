// What agents think about the automation: "this should have been automated" and free-text
// suggestions, per rule and template, so ops can see where a person was not needed.
import { multiRowInsert, runInserts, type SqlExecutor } from './SqlExecutor.ts'

export const FEEDBACK_KINDS = ['should_be_automated', 'suggestion'] as const
export type FeedbackKind = (typeof FEEDBACK_KINDS)[number]

export interface Feedback {
  id: string
  taskId: string
  ruleId: string
  template: string | null
  kind: FeedbackKind
  author: string
  body: string
  createdAt: number
}

export interface FeedbackItem {
  id: string
  taskId: string
  author: string
  body: string
  createdAt: number
  /** When ops marked it handled (null: open), and who. */
  handledAt: number | null
  handledBy: string | null
}

/** open: not handled yet; handled: marked handled; all: both. */
export const FEEDBACK_STATES = ['open', 'handled', 'all'] as const
export type FeedbackState = (typeof FEEDBACK_STATES)[number]

export interface FeedbackRecord extends Feedback {
  handledAt: number | null
  handledBy: string | null
}

export interface FeedbackSummary {
  ruleId: string
  template: string | null
  /** Items newest first, at most `itemsPerGroup` of each kind. */
  shouldBeAutomated: { count: number; items: FeedbackItem[] }
  suggestions: { count: number; items: FeedbackItem[] }
}

interface FeedbackRow {
  id: string
  task_id: string
  rule_id: string
  template: string | null
  kind: FeedbackKind
  author: string
  body: string
  created_at: string | number
  handled_at: string | number | null
  handled_by: string | null
}

const COLUMNS = 'id, task_id, rule_id, template, kind, author, body, created_at, handled_at, handled_by'
const STATE_SQL: Record<FeedbackState, string> = { open: 'handled_at IS NULL', handled: 'handled_at IS NOT NULL', all: 'TRUE' }

const toRecord = (r: FeedbackRow): FeedbackRecord => ({
  id: r.id,
  taskId: r.task_id,
  ruleId: r.rule_id,
  template: r.template,
  kind: r.kind,
  author: r.author,
  body: r.body,
  createdAt: Number(r.created_at),
  handledAt: r.handled_at == null ? null : Number(r.handled_at),
  handledBy: r.handled_by,
})

export class FeedbackStore {
  constructor(private readonly db: SqlExecutor) {}

  /** Inserts rows whose id is new (ids derive from the task, so a retried resolve adds nothing). */
  async add(rows: readonly Feedback[], tx: SqlExecutor = this.db): Promise<number> {
    if (rows.length === 0) return 0
    const statements = multiRowInsert(
      'feedback',
      ['id', 'task_id', 'rule_id', 'template', 'kind', 'author', 'body', 'created_at'],
      rows.map((f) => [f.id, f.taskId, f.ruleId, f.template, f.kind, f.author, f.body, f.createdAt]),
      'ON CONFLICT (id) DO NOTHING',
    )
    return runInserts(tx, statements)
  }

  /** Per rule and template: counts and the newest items of each kind; the most-flagged rules first. */
  async summary(options: { ruleId?: string; since?: number; itemsPerGroup?: number; state?: FeedbackState } = {}): Promise<FeedbackSummary[]> {
    const params = [options.ruleId ?? null, options.since ?? null]
    const where = `($1::text IS NULL OR rule_id = $1) AND ($2::bigint IS NULL OR created_at >= $2) AND ${STATE_SQL[options.state ?? 'all']}`
    const counts = await this.db.query<{ rule_id: string; template: string | null; kind: FeedbackKind; n: string | number }>(
      `SELECT rule_id, template, kind, count(*) AS n FROM feedback WHERE ${where} GROUP BY rule_id, template, kind`,
      params,
    )
    const items = await this.db.query<FeedbackRow>(
      `SELECT ${COLUMNS} FROM (
         SELECT *, row_number() OVER (PARTITION BY rule_id, template, kind ORDER BY created_at DESC, id DESC) AS n FROM feedback WHERE ${where}
       ) newest WHERE n <= $3 ORDER BY created_at DESC, id DESC`,
      [...params, options.itemsPerGroup ?? 50],
    )
    const groups = new Map<string, FeedbackSummary>()
    const group = (ruleId: string, template: string | null): FeedbackSummary => {
      const key = JSON.stringify([ruleId, template])
      let g = groups.get(key)
      if (!g) groups.set(key, (g = { ruleId, template, shouldBeAutomated: { count: 0, items: [] }, suggestions: { count: 0, items: [] } }))
      return g
    }
    const bucket = (g: FeedbackSummary, kind: FeedbackKind) => (kind === 'should_be_automated' ? g.shouldBeAutomated : g.suggestions)
    for (const r of counts.rows) bucket(group(r.rule_id, r.template), r.kind).count = Number(r.n)
    for (const r of items.rows) {
      const { id, taskId, author, body, createdAt, handledAt, handledBy } = toRecord(r)
      bucket(group(r.rule_id, r.template), r.kind).items.push({ id, taskId, author, body, createdAt, handledAt, handledBy })
    }
    return [...groups.values()].sort(
      (a, b) => b.shouldBeAutomated.count - a.shouldBeAutomated.count || b.suggestions.count - a.suggestions.count || a.ruleId.localeCompare(b.ruleId),
    )
  }

  /**
   * Marks one item handled (by whom, when) or open again. Returns the item, or undefined for an
   * unknown id; marking an already handled item handled keeps the first time and person.
   */
  async setHandled(id: string, handled: boolean, actor: string, now: number): Promise<FeedbackRecord | undefined> {
    const result = handled
      ? await this.db.query<FeedbackRow>(
          `UPDATE feedback SET handled_at = COALESCE(handled_at, $2), handled_by = COALESCE(handled_by, $3) WHERE id = $1 RETURNING ${COLUMNS}`,
          [id, now, actor],
        )
      : await this.db.query<FeedbackRow>(`UPDATE feedback SET handled_at = NULL, handled_by = NULL WHERE id = $1 RETURNING ${COLUMNS}`, [id])
    return result.rows[0] ? toRecord(result.rows[0]) : undefined
  }
}
