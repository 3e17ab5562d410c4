// Follow-up tasks for agents. Created in the same transaction as the decision that asked for
// them (keyed by its idempotency key); claimed with a conditional UPDATE so exactly one agent wins,
// and claim-next picks with FOR UPDATE SKIP LOCKED so two agents never get the same task.
import type { FallbackNudge } from '../../model/outbox.ts'
import { multiRowInsert, type SqlExecutor } from './SqlExecutor.ts'

export type TaskStatus = 'open' | 'claimed' | 'resolved'

export const TASK_OUTCOMES = ['resolved', 'compensated', 'no_answer', 'not_needed', 'should_be_automated'] as const
/** The outcome careloop itself records when a task's reason went away (never chosen by an agent). */
export const RESOLVED_BY_EVENT = 'resolved_by_event'

/** Unresolved tasks of one rule about one entity (all of the rule's, for that shopper, when undefined) to close. */
export interface MootTasks {
  customerId: string
  ruleId: string
  entity: string | undefined
  /** What ended the reason, for the agent (e.g. "Order Delivered at 2026-06-18T10:00:00Z"). */
  note: string
}
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
  /** Not on the work list before this time (queued for the next shift). */
  availableAt?: number
  /** Skills or languages the agent needs. */
  skills?: string[]
  /** The shopper's locale, for language routing. */
  language?: string | null
  /** The nudge an escalation may send instead (from the rule's task fallback). */
  fallback?: FallbackNudge | null
}

export interface TaskRecord extends Omit<TaskInsert, 'idempotencyKey' | 'availableAt' | 'skills' | 'language' | 'fallback'> {
  status: TaskStatus
  updatedAt: number
  claimedBy: string | null
  claimedAt: number | null
  resolvedBy: string | null
  resolvedAt: number | null
  outcome: string | null
  note: string | null
  availableAt: number
  /** Hidden from the work list until then (the holder keeps it). */
  snoozedUntil: number | null
  slaWarnedAt: number | null
  escalatedAt: number | null
  /** The queue it was escalated from. */
  escalatedFrom: string | null
  firstContactAt: number | null
  skills: string[]
  language: string | null
  fallback: FallbackNudge | null
}

export interface TaskRow {
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
  available_at: string | number
  snoozed_until: string | number | null
  sla_warned_at: string | number | null
  escalated_at: string | number | null
  escalated_from: string | null
  first_contact_at: string | number | null
  skills: string[] | null
  language: string | null
  fallback: FallbackNudge | null
}

/** Every column a TaskRecord maps (for other stores that return tasks, e.g. escalation). */
export const TASK_COLUMNS =
  'id, customer_id, queue, priority, priority_rank, status, title, rule_id, rule_version, signal, context, sla_due_at, created_at, updated_at, claimed_by, claimed_at, resolved_by, resolved_at, outcome, note, ' +
  'available_at, snoozed_until, sla_warned_at, escalated_at, escalated_from, first_contact_at, skills, language, fallback'
const COLUMNS = TASK_COLUMNS

const num = (v: string | number | null): number | null => (v == null ? null : Number(v))

export function toTaskRecord(r: TaskRow): TaskRecord {
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
    availableAt: Number(r.available_at),
    snoozedUntil: num(r.snoozed_until),
    slaWarnedAt: num(r.sla_warned_at),
    escalatedAt: num(r.escalated_at),
    escalatedFrom: r.escalated_from,
    firstContactAt: num(r.first_contact_at),
    skills: r.skills ?? [],
    language: r.language,
    fallback: r.fallback ?? null,
  }
}
const toRecord = toTaskRecord

/** PostgreSQL's SQLSTATE for a unique violation. */
const UNIQUE_VIOLATION = '23505'


export interface TaskFilter {
  queue?: string
  /** Any of these queues (the agent's queues, or the ones asked for). */
  queues?: readonly string[]
  status?: TaskStatus
  customerId?: string
  claimedBy?: string
  /** With it, tasks not yet available or snoozed past it are hidden unless `include` asks for them. */
  now?: number
  include?: { snoozed?: boolean; upcoming?: boolean }
  limit?: number
}

/** Who may pick a task in claimNext: null = no restriction (an agent without an agent record). */
export interface ClaimScope {
  queues: readonly string[] | null
  skills: readonly string[] | null
}

export type ClaimResult = { ok: true; task: TaskRecord } | { ok: false; reason: 'not_found' | 'not_open'; task?: TaskRecord }
export type ResolveResult = { ok: true; task: TaskRecord } | { ok: false; reason: 'not_found' | 'not_claimed_by_you' | 'already_resolved'; task?: TaskRecord }
/** release, reassign, snooze: the task before and after, or why not. */
export type ChangeResult = { ok: true; task: TaskRecord; before: TaskRecord } | { ok: false; reason: 'not_found' | 'not_claimed' | 'not_yours' | 'resolved'; task?: TaskRecord }

export class TaskStore {
  /** Public so the stores of the work list's other tables (notes, surveys, feedback) can share it. */
  constructor(readonly db: SqlExecutor) {}

  /** Inserts tasks whose idempotency key is new; returns the ids actually inserted. */
  async insert(rows: readonly TaskInsert[], tx: SqlExecutor = this.db): Promise<Set<string>> {
    const inserted = new Set<string>()
    if (rows.length === 0) return inserted
    const statements = multiRowInsert(
      'tasks',
      ['id', 'idempotency_key', 'customer_id', 'queue', 'priority', 'priority_rank', 'status', 'title', 'rule_id', 'rule_version', 'signal', 'context', 'sla_due_at', 'created_at', 'updated_at', 'available_at', 'skills', 'language', 'fallback'],
      rows.map((t) => [
        t.id, t.idempotencyKey, t.customerId, t.queue, t.priority, t.priorityRank, 'open', t.title, t.ruleId, t.ruleVersion, JSON.stringify(t.signal), JSON.stringify(t.context), t.slaDueAt, t.createdAt, t.createdAt,
        t.availableAt ?? t.createdAt, JSON.stringify(t.skills ?? []), t.language ?? null, t.fallback == null ? null : JSON.stringify(t.fallback),
      ]),
      'ON CONFLICT (idempotency_key) DO NOTHING RETURNING id',
    )
    for (const { sql, params } of statements) {
      for (const row of (await tx.query<{ id: string }>(sql, params)).rows) inserted.add(row.id)
    }
    return inserted
  }

  /**
   * Inserts one task unless its idempotency key (or id) is known: 'exists' when another request
   * won, also when two inserts race and the loser hits the primary key (PostgreSQL 23505).
   */
  async insertOnce(task: TaskInsert): Promise<'created' | 'exists'> {
    try {
      return (await this.insert([task])).has(task.id) ? 'created' : 'exists'
    } catch (err) {
      if (typeof err === 'object' && err !== null && 'code' in err && err.code === UNIQUE_VIOLATION) return 'exists'
      throw err
    }
  }

  async get(id: string, tx: SqlExecutor = this.db): Promise<TaskRecord | undefined> {
    const result = await tx.query<TaskRow>(`SELECT ${COLUMNS} FROM tasks WHERE id = $1`, [id])
    return result.rows[0] ? toRecord(result.rows[0]) : undefined
  }

  /** Unresolved tasks right now (open or claimed, snoozed and not yet available ones included). */
  async countUnresolved(): Promise<number> {
    const result = await this.db.query<{ n: string | number }>(`SELECT count(*) AS n FROM tasks WHERE status <> 'resolved'`)
    return Number(result.rows[0]?.n ?? 0)
  }

  /** The work list: unresolved first, most urgent first, then the nearest SLA. */
  async list(filter: TaskFilter = {}): Promise<TaskRecord[]> {
    const result = await this.db.query<TaskRow>(
      `SELECT ${COLUMNS} FROM tasks
        WHERE ($1::text IS NULL OR queue = $1) AND ($2::text[] IS NULL OR queue = ANY($2::text[]))
          AND ($3::text IS NULL OR status = $3) AND ($4::text IS NULL OR customer_id = $4) AND ($5::text IS NULL OR claimed_by = $5)
          AND ($6::bigint IS NULL OR $7::boolean OR status = 'resolved' OR available_at <= $6)
          AND ($6::bigint IS NULL OR $8::boolean OR status = 'resolved' OR snoozed_until IS NULL OR snoozed_until <= $6)
        ORDER BY (status = 'resolved'), priority_rank DESC, sla_due_at, id
        LIMIT $9`,
      [
        filter.queue ?? null, filter.queues ? [...filter.queues] : null, filter.status ?? null, filter.customerId ?? null, filter.claimedBy ?? null,
        filter.now ?? null, filter.include?.upcoming ?? false, filter.include?.snoozed ?? false, filter.limit ?? 200,
      ],
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

  /**
   * Claims the most urgent available task in scope whose required skills the agent has. SKIP
   * LOCKED: a concurrent claim-next passes over the row another one is taking instead of waiting
   * for it and then finding it gone, so two agents never get the same task.
   */
  async claimNext(agent: string, now: number, scope: ClaimScope): Promise<TaskRecord | undefined> {
    const result = await this.db.query<TaskRow>(
      `UPDATE tasks SET status = 'claimed', claimed_by = $1, claimed_at = $2, updated_at = $2
        WHERE id = (
          SELECT id FROM tasks
           WHERE status = 'open' AND available_at <= $2 AND (snoozed_until IS NULL OR snoozed_until <= $2)
             AND ($3::text[] IS NULL OR queue = ANY($3::text[])) AND ($4::jsonb IS NULL OR skills <@ $4::jsonb)
           ORDER BY priority_rank DESC, sla_due_at, id
           LIMIT 1
           FOR UPDATE SKIP LOCKED)
          AND status = 'open'
        RETURNING ${COLUMNS}`,
      [agent, now, scope.queues ? [...scope.queues] : null, scope.skills ? JSON.stringify(scope.skills) : null],
    )
    return result.rows[0] ? toRecord(result.rows[0]) : undefined
  }

  /** Back to open for anyone: by its holder, or by anyone when `asSupervisor`. */
  release(id: string, actor: string, now: number, asSupervisor: boolean): Promise<ChangeResult> {
    return this.change(id, actor, asSupervisor, true, (tx) =>
      tx.query<TaskRow>(
        `UPDATE tasks SET status = 'open', claimed_by = NULL, claimed_at = NULL, snoozed_until = NULL, updated_at = $2 WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, now],
      ),
    )
  }

  /**
   * To another agent (claimed by them, optionally in another queue) or to another queue (open).
   * The holder may hand over their own task; supervisors any unresolved one.
   */
  reassign(id: string, actor: string, to: { agent?: string; queue?: string }, now: number, asSupervisor: boolean): Promise<ChangeResult> {
    return this.change(id, actor, asSupervisor, false, (tx) =>
      tx.query<TaskRow>(
        `UPDATE tasks SET queue = COALESCE($3, queue), snoozed_until = NULL, updated_at = $2,
            status = CASE WHEN $4::text IS NULL THEN 'open' ELSE 'claimed' END,
            claimed_by = $4, claimed_at = CASE WHEN $4::text IS NULL THEN NULL ELSE $2::bigint END
          WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, now, to.queue ?? null, to.agent ?? null],
      ),
    )
  }

  /** Hides a claimed task from the work lists until `until`; its holder keeps it. */
  snooze(id: string, actor: string, until: number, now: number, asSupervisor: boolean): Promise<ChangeResult> {
    return this.change(id, actor, asSupervisor, true, (tx) =>
      tx.query<TaskRow>(`UPDATE tasks SET snoozed_until = $2, updated_at = $3 WHERE id = $1 RETURNING ${COLUMNS}`, [id, until, now]),
    )
  }

  /** Sets first_contact_at unless set; returns the task and whether this was the first contact. */
  async markContacted(id: string, now: number): Promise<{ task: TaskRecord; first: boolean } | undefined> {
    const result = await this.db.query<TaskRow>(
      `UPDATE tasks SET first_contact_at = $2, updated_at = $2 WHERE id = $1 AND first_contact_at IS NULL RETURNING ${COLUMNS}`,
      [id, now],
    )
    if (result.rows[0]) return { task: toRecord(result.rows[0]), first: true }
    const task = await this.get(id)
    return task ? { task, first: false } : undefined
  }

  /**
   * Closes unresolved tasks whose reason went away (the awaited event arrived), outcome
   * resolved_by_event. Returns the closed tasks.
   */
  async closeMoot(moot: readonly MootTasks[], now: number, tx: SqlExecutor = this.db): Promise<TaskRecord[]> {
    if (moot.length === 0) return []
    const result = await tx.query<TaskRow>(
      `UPDATE tasks SET status = 'resolved', resolved_by = 'careloop', resolved_at = $5, outcome = $6, note = m.note, snoozed_until = NULL, updated_at = $5
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS m(customer_id, rule_id, entity, note)
        WHERE tasks.customer_id = m.customer_id AND tasks.rule_id = m.rule_id AND tasks.status <> 'resolved'
          AND (m.entity IS NULL OR tasks.signal->>'entity' = m.entity)
        RETURNING ${COLUMNS.split(', ').map((c) => `tasks.${c.trim()}`).join(', ')}`,
      [moot.map((m) => m.customerId), moot.map((m) => m.ruleId), moot.map((m) => m.entity ?? null), moot.map((m) => m.note), now, RESOLVED_BY_EVENT],
    )
    return result.rows.map(toRecord)
  }

  /** Resolves a task the agent holds (admins may resolve any unresolved task). */
  async resolve(id: string, agent: string, outcome: TaskOutcome, note: string | undefined, now: number, asAdmin = false, tx: SqlExecutor = this.db): Promise<ResolveResult> {
    const result = await tx.query<TaskRow>(
      `UPDATE tasks SET status = 'resolved', resolved_by = $2, resolved_at = $3, outcome = $4, note = $5, updated_at = $3
        WHERE id = $1 AND (status = 'claimed' AND claimed_by = $2 OR ($6 AND status <> 'resolved'))
        RETURNING ${COLUMNS}`,
      [id, agent, now, outcome, note ?? null, asAdmin],
    )
    if (result.rows[0]) return { ok: true, task: toRecord(result.rows[0]) }
    const task = await this.get(id, tx)
    if (!task) return { ok: false, reason: 'not_found' }
    return { ok: false, reason: task.status === 'resolved' ? 'already_resolved' : 'not_claimed_by_you', task }
  }

  /** Locks the row, checks who may change it, then applies `update` in the same transaction. */
  private change(id: string, actor: string, asSupervisor: boolean, mustBeClaimed: boolean, update: (tx: SqlExecutor) => Promise<{ rows: TaskRow[] }>): Promise<ChangeResult> {
    return this.db.transaction(async (tx): Promise<ChangeResult> => {
      const locked = await tx.query<TaskRow>(`SELECT ${COLUMNS} FROM tasks WHERE id = $1 FOR UPDATE`, [id])
      const before = locked.rows[0] ? toRecord(locked.rows[0]) : undefined
      if (!before) return { ok: false, reason: 'not_found' }
      if (before.status === 'resolved') return { ok: false, reason: 'resolved', task: before }
      if (mustBeClaimed && before.status !== 'claimed') return { ok: false, reason: 'not_claimed', task: before }
      if (!asSupervisor && before.claimedBy !== actor) return { ok: false, reason: before.status === 'claimed' ? 'not_yours' : 'not_claimed', task: before }
      const after = (await update(tx)).rows[0]
      if (!after) throw new Error(`task ${id} vanished while locked`)
      return { ok: true, task: toRecord(after), before }
    })
  }
}
