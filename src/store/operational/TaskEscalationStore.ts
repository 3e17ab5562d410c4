// The SLA job's SQL on the tasks table. Every change is a conditional UPDATE … RETURNING, so
// two processes running the job at once warn and escalate each task exactly once.
import type { FallbackNudge } from '../../model/outbox.ts'
import type { SqlExecutor } from './SqlExecutor.ts'

/** An open, available task near or past its SLA. */
export interface SlaCandidate {
  id: string
  customerId: string
  queue: string
  priority: string
  slaDueAt: number
  availableAt: number
  warnedAt: number | null
  escalatedAt: number | null
}

/** A task as escalation left it. */
export interface EscalatedTask {
  id: string
  customerId: string
  /** The queue it breached in. */
  fromQueue: string
  queue: string
  slaDueAt: number
  ruleId: string
  ruleVersion: number
  fallback: FallbackNudge | null
}

interface CandidateRow {
  id: string
  customer_id: string
  queue: string
  priority: string
  sla_due_at: string | number
  available_at: string | number
  sla_warned_at: string | number | null
  escalated_at: string | number | null
}

interface EscalatedRow {
  id: string
  customer_id: string
  escalated_from: string
  queue: string
  sla_due_at: string | number
  rule_id: string
  rule_version: number
  fallback: FallbackNudge | null
}

const num = (v: string | number | null): number | null => (v == null ? null : Number(v))

// Open (nobody has picked it up), on the work list (available, not snoozed).
const WAITING = `status = 'open' AND available_at <= $1 AND (snoozed_until IS NULL OR snoozed_until <= $1)`

export class TaskEscalationStore {
  constructor(private readonly db: SqlExecutor) {}

  /**
   * Tasks to warn (due within `warnBeforeMs`, not yet warned) or to escalate (past due, not yet
   * escalated), nearest SLA first; pages with the (sla_due_at, id) of the last row seen.
   */
  async candidates(now: number, warnBeforeMs: number, limit: number, after?: { slaDueAt: number; id: string }): Promise<SlaCandidate[]> {
    const result = await this.db.query<CandidateRow>(
      `SELECT id, customer_id, queue, priority, sla_due_at, available_at, sla_warned_at, escalated_at FROM tasks
        WHERE ${WAITING} AND escalated_at IS NULL
          AND (sla_due_at < $1 OR (sla_warned_at IS NULL AND sla_due_at <= $1 + $2))
          AND ($4::bigint IS NULL OR (sla_due_at, id) > ($4::bigint, $5::text))
        ORDER BY sla_due_at, id
        LIMIT $3`,
      [now, warnBeforeMs, limit, after?.slaDueAt ?? null, after?.id ?? ''],
    )
    return result.rows.map((r) => ({
      id: r.id,
      customerId: r.customer_id,
      queue: r.queue,
      priority: r.priority,
      slaDueAt: Number(r.sla_due_at),
      availableAt: Number(r.available_at),
      warnedAt: num(r.sla_warned_at),
      escalatedAt: num(r.escalated_at),
    }))
  }

  /** Near the SLA: raise the priority (from `from`, as read) once. False when another run won or it changed. */
  async warn(id: string, now: number, from: string, to: string, toRank: number, tx: SqlExecutor = this.db): Promise<boolean> {
    const result = await tx.query(
      `UPDATE tasks SET priority = $4, priority_rank = $5, sla_warned_at = $1, updated_at = $1
        WHERE id = $2 AND ${WAITING} AND sla_warned_at IS NULL AND escalated_at IS NULL AND priority = $3`,
      [now, id, from, to, toRank],
    )
    return result.affectedRows > 0
  }

  /**
   * Past the SLA: move the task from `fromQueue` to `toQueue` as urgent, once. It stays open for
   * whoever takes it there. Undefined when another run won or the task was picked up meanwhile.
   */
  async escalate(id: string, now: number, fromQueue: string, toQueue: string, urgentRank: number, tx: SqlExecutor = this.db): Promise<EscalatedTask | undefined> {
    // escalated_from = queue reads the row's value before this UPDATE.
    const result = await tx.query<EscalatedRow>(
      `UPDATE tasks SET escalated_at = $1, escalated_from = queue, queue = $4, priority = 'urgent', priority_rank = $5, updated_at = $1
        WHERE id = $2 AND ${WAITING} AND escalated_at IS NULL AND sla_due_at < $1 AND queue = $3
        RETURNING id, customer_id, escalated_from, queue, sla_due_at, rule_id, rule_version, fallback`,
      [now, id, fromQueue, toQueue, urgentRank],
    )
    const r = result.rows[0]
    if (!r) return undefined
    return {
      id: r.id,
      customerId: r.customer_id,
      fromQueue: r.escalated_from,
      queue: r.queue,
      slaDueAt: Number(r.sla_due_at),
      ruleId: r.rule_id,
      ruleVersion: r.rule_version,
      fallback: r.fallback ?? null,
    }
  }
}
