// Follow-up tasks for agents. Created in the same transaction as the decision that asked for
// them (keyed by its idempotency key); claimed with a conditional UPDATE so exactly one agent wins.
import { multiRowInsert, type SqlExecutor } from './SqlExecutor.ts'

export type TaskStatus = 'open' | 'claimed' | 'resolved'

export const TASK_OUTCOMES = ['resolved', 'compensated', 'no_answer', 'not_needed', 'should_be_automated'] as const
export type TaskOutcome = (typeof TASK_OUTCOMES)[number]

export interface TaskInsert {
  id: string
  idempotencyKey: string
  customerId: string
  queue: string
  priority: string
  priorityRank: number
  title: string
  ruleId: string
  ruleVersion: number
  signal: unknown
  context: unknown
  slaDueAt: number
  createdAt: number
}

export interface TaskRecord extends Omit<TaskInsert, 'idempotencyKey'> {
  status: TaskStatus
  updatedAt: number
  claimedBy: string | null
  claimedAt: number | null
  resolvedBy: string | null
  resolvedAt: number | null
  outcome: string | null
  note: string | null
}

interface TaskRow {
  id: string
  customer_id: string
  queue: string
  priority: string
  priority_rank: number
  status: TaskStatus
  title: string
  rule_id: string
  rule_version: number
  signal: unknown
  context: unknown
  sla_due_at: string | number
  created_at: string | number
  updated_at: string | number
  claimed_by: string | null
  claimed_at: string | number | null
  resolved_by: string | null
  resolved_at: string | number | null
  outcome: string | null
  note: string | null
}

const COLUMNS = 'id, customer_id, queue, priority, priority_rank, status, title, rule_id, rule_version, signal, context, sla_due_at, created_at, updated_at, claimed_by, claimed_at, resolved_by, resolved_at, outcome, note'

const num = (v: string | number | null): number | null => (v == null ? null : Number(v))

function toRecord(r: TaskRow): TaskRecord {
  return {
    id: r.id,
    customerId: r.customer_id,
    queue: r.queue,
    priority: r.priority,
    priorityRank: r.priority_rank,
    status: r.status,
    title: r.title,
    ruleId: r.rule_id,
    ruleVersion: r.rule_version,
    signal: r.signal,
    context: r.context,
    slaDueAt: Number(r.sla_due_at),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    claimedBy: r.claimed_by,
    claimedAt: num(r.claimed_at),
    resolvedBy: r.resolved_by,
    resolvedAt: num(r.resolved_at),
    outcome: r.outcome,
    note: r.note,
  }
}

export interface TaskFilter {
  queue?: string
  status?: TaskStatus
  customerId?: string
  limit?: number
}

export type ClaimResult = { ok: true; task: TaskRecord } | { ok: false; reason: 'not_found' | 'not_open'; task?: TaskRecord }
export type ResolveResult = { ok: true; task: TaskRecord } | { ok: false; reason: 'not_found' | 'not_claimed_by_you' | 'already_resolved'; task?: TaskRecord }

export class TaskStore {
  constructor(private readonly db: SqlExecutor) {}

  /** Inserts tasks whose idempotency key is new; returns the ids actually inserted. */
  async insert(rows: readonly TaskInsert[], tx: SqlExecutor = this.db): Promise<Set<string>> {
    const inserted = new Set<string>()
    if (rows.length === 0) return inserted
    const statements = multiRowInsert(
      'tasks',
      ['id', 'idempotency_key', 'customer_id', 'queue', 'priority', 'priority_rank', 'status', 'title', 'rule_id', 'rule_version', 'signal', 'context', 'sla_due_at', 'created_at', 'updated_at'],
      rows.map((t) => [t.id, t.idempotencyKey, t.customerId, t.queue, t.priority, t.priorityRank, 'open', t.title, t.ruleId, t.ruleVersion, JSON.stringify(t.signal), JSON.stringify(t.context), t.slaDueAt, t.createdAt, t.createdAt]),
      'ON CONFLICT (idempotency_key) DO NOTHING RETURNING id',
    )
    for (const { sql, params } of statements) {
      for (const row of (await tx.query<{ id: string }>(sql, params)).rows) inserted.add(row.id)
    }
    return inserted
  }

  async get(id: string): Promise<TaskRecord | undefined> {
    const result = await this.db.query<TaskRow>(`SELECT ${COLUMNS} FROM tasks WHERE id = $1`, [id])
    return result.rows[0] ? toRecord(result.rows[0]) : undefined
  }

  /** The work list: most urgent first, then the nearest SLA. */
  async list(filter: TaskFilter = {}): Promise<TaskRecord[]> {
    const result = await this.db.query<TaskRow>(
      `SELECT ${COLUMNS} FROM tasks
        WHERE ($1::text IS NULL OR queue = $1) AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR customer_id = $3)
        ORDER BY (status = 'resolved'), priority_rank DESC, sla_due_at, id
        LIMIT $4`,
      [filter.queue ?? null, filter.status ?? null, filter.customerId ?? null, filter.limit ?? 200],
    )
    return result.rows.map(toRecord)
  }

  async claim(id: string, agent: string, now: number): Promise<ClaimResult> {
    const result = await this.db.query<TaskRow>(
      `UPDATE tasks SET status = 'claimed', claimed_by = $2, claimed_at = $3, updated_at = $3
        WHERE id = $1 AND status = 'open' RETURNING ${COLUMNS}`,
      [id, agent, now],
    )
    if (result.rows[0]) return { ok: true, task: toRecord(result.rows[0]) }
    const task = await this.get(id)
    return task ? { ok: false, reason: 'not_open', task } : { ok: false, reason: 'not_found' }
  }

  /** Resolves a task the agent holds (admins may resolve any unresolved task). */
  async resolve(id: string, agent: string, outcome: TaskOutcome, note: string | undefined, now: number, asAdmin = false): Promise<ResolveResult> {
    const result = await this.db.query<TaskRow>(
      `UPDATE tasks SET status = 'resolved', resolved_by = $2, resolved_at = $3, outcome = $4, note = $5, updated_at = $3
        WHERE id = $1 AND (status = 'claimed' AND claimed_by = $2 OR ($6 AND status <> 'resolved'))
        RETURNING ${COLUMNS}`,
      [id, agent, now, outcome, note ?? null, asAdmin],
    )
    if (result.rows[0]) return { ok: true, task: toRecord(result.rows[0]) }
    const task = await this.get(id)
    if (!task) return { ok: false, reason: 'not_found' }
    return { ok: false, reason: task.status === 'resolved' ? 'already_resolved' : 'not_claimed_by_you', task }
  }
}
