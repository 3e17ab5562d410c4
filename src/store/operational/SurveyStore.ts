// Satisfaction surveys sent after a resolved task: one row per task, answered once (the first
// score wins, so a second click or a link prefetched twice cannot change it), comment added once.
import type { SqlExecutor } from './SqlExecutor.ts'

export interface SurveyInsert {
  id: string
  customerId: string
  taskId: string | null
  outboxId: string | null
  ruleId: string
  createdAt: number
}

export interface SurveyRecord extends SurveyInsert {
  answeredAt: number | null
  score: number | null
  comment: string | null
  /** The queue of the task it follows up (for the task's history rows). */
  taskQueue: string | null
}

interface SurveyRow {
  id: string
  customer_id: string
  task_id: string | null
  outbox_id: string | null
  rule_id: string
  created_at: string | number
  answered_at: string | number | null
  score: number | null
  comment: string | null
  task_queue: string | null
}

const COLUMNS = 'id, customer_id, task_id, outbox_id, rule_id, created_at, answered_at, score, comment, (SELECT queue FROM tasks WHERE tasks.id = surveys.task_id) AS task_queue'

const toSurvey = (r: SurveyRow): SurveyRecord => ({
  id: r.id,
  customerId: r.customer_id,
  taskId: r.task_id,
  outboxId: r.outbox_id,
  ruleId: r.rule_id,
  createdAt: Number(r.created_at),
  answeredAt: r.answered_at == null ? null : Number(r.answered_at),
  score: r.score,
  comment: r.comment,
  taskQueue: r.task_queue,
})

/** CSAT per queue (of the task), agent (who resolved the task) or rule. */
export const CSAT_GROUPINGS = ['queue', 'agent', 'rule'] as const
export type CsatGrouping = (typeof CSAT_GROUPINGS)[number]

/** Surveys sent in a window and their answers; `key` null: surveys after a nudge, not a task. */
export interface CsatGroup {
  key: string | null
  sent: number
  answered: number
  /** Answers scoring 4 or 5 of 5. */
  satisfied: number
  /** satisfied / answered (null without answers). */
  csat: number | null
  meanScore: number | null
}

const CSAT_KEY: Record<CsatGrouping, string> = { queue: 't.queue', agent: 't.resolved_by', rule: 's.rule_id' }

export type AnswerResult = { status: 'answered' | 'already_answered'; survey: SurveyRecord } | { status: 'not_found' }

export class SurveyStore {
  constructor(private readonly db: SqlExecutor) {}

  /** Creates the survey unless it exists (the id is derived from the task). Returns whether it is new. */
  async create(s: SurveyInsert, tx: SqlExecutor = this.db): Promise<boolean> {
    const result = await tx.query(
      'INSERT INTO surveys (id, customer_id, task_id, outbox_id, rule_id, created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING',
      [s.id, s.customerId, s.taskId, s.outboxId, s.ruleId, s.createdAt],
    )
    return result.affectedRows > 0
  }

  async get(id: string): Promise<SurveyRecord | undefined> {
    const result = await this.db.query<SurveyRow>(`SELECT ${COLUMNS} FROM surveys WHERE id = $1`, [id])
    return result.rows[0] ? toSurvey(result.rows[0]) : undefined
  }

  /** Records the score (and comment) if the survey has no answer yet. */
  async answer(id: string, score: number, comment: string | null, now: number): Promise<AnswerResult> {
    const result = await this.db.query<SurveyRow>(
      `UPDATE surveys SET answered_at = $2, score = $3, comment = $4 WHERE id = $1 AND answered_at IS NULL RETURNING ${COLUMNS}`,
      [id, now, score, comment],
    )
    if (result.rows[0]) return { status: 'answered', survey: toSurvey(result.rows[0]) }
    const survey = await this.get(id)
    return survey ? { status: 'already_answered', survey } : { status: 'not_found' }
  }

  /** Adds a comment to an answered survey that has none yet; returns whether it was stored. */
  async comment(id: string, comment: string): Promise<boolean> {
    const result = await this.db.query('UPDATE surveys SET comment = $2 WHERE id = $1 AND answered_at IS NOT NULL AND comment IS NULL', [id, comment])
    return result.affectedRows > 0
  }

  /** Per group: the surveys created in [from, to), how many were answered, satisfied, and the mean score. */
  async csat(from: number, to: number, by: CsatGrouping): Promise<CsatGroup[]> {
    const result = await this.db.query<{ key: string | null; sent: string | number; answered: string | number; satisfied: string | number; mean: string | number | null }>(
      `SELECT ${CSAT_KEY[by]} AS key, count(*) AS sent, count(s.answered_at) AS answered,
              count(*) FILTER (WHERE s.score >= 4) AS satisfied, avg(s.score)::float8 AS mean
         FROM surveys s LEFT JOIN tasks t ON t.id = s.task_id
        WHERE s.created_at >= $1 AND s.created_at < $2
        GROUP BY 1 ORDER BY 1 NULLS LAST`,
      [from, to],
    )
    return result.rows.map((r) => {
      const answered = Number(r.answered)
      const satisfied = Number(r.satisfied)
      return { key: r.key, sent: Number(r.sent), answered, satisfied, csat: answered === 0 ? null : satisfied / answered, meanScore: r.mean === null ? null : Number(r.mean) }
    })
  }
}
