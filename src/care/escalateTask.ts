// Escalating a task nobody picked up. Near its SLA (warning) the priority goes up one level; past
// it (breach) the task moves to its supervisor queue as urgent and, when its rule allowed the bot
// to stand in, the fallback nudge is queued so the shopper is not left waiting. Each step is a
// conditional UPDATE, so several processes escalating at once act on a task exactly once.
import type { Logger } from 'pino'
import { deliveryRow } from '../channels/deliveries.ts'
import { stableHash } from '../lib/hash.ts'
import { PRIORITY_RANK } from '../model/priority.ts'
import type { HistoryBatch, HistoryStore, TaskEventRow } from '../store/history/HistoryStore.ts'
import type { OperationalStore } from '../store/operational/OperationalStore.ts'
import type { OutboxInsert } from '../store/operational/OutboxStore.ts'
import type { EscalatedTask, SlaCandidate, TaskEscalationStore } from '../store/operational/TaskEscalationStore.ts'

export interface EscalateTaskDeps {
  ops: Pick<OperationalStore, 'db' | 'outbox'>
  escalations: TaskEscalationStore
  history: Pick<HistoryStore, 'append'>
  /** History is the record, not the source of truth: a failed append is logged here, the step stands. */
  logger: Pick<Logger, 'error'>
}

export type EscalationStage = { stage: 'warning' } | { stage: 'breach'; toQueue: string }

export type Escalation =
  | { stage: 'warning'; from: string; to: string }
  | { stage: 'breach'; escalated: EscalatedTask; fallback: OutboxInsert | undefined }

const LEVELS = ['low', 'normal', 'high', 'urgent'] as const

/** One level up; urgent stays urgent, an unknown priority counts as normal. */
export function bumpPriority(priority: string): string {
  const i = LEVELS.findIndex((level) => level === priority)
  return LEVELS[Math.min(LEVELS.length - 1, (i < 0 ? 1 : i) + 1)] ?? 'urgent'
}

/** Undefined when another run acted first or the task changed meanwhile (claimed, moved). */
export async function escalateTask(deps: EscalateTaskDeps, task: SlaCandidate, now: number, stage: EscalationStage): Promise<Escalation | undefined> {
  return stage.stage === 'warning' ? warn(deps, task, now) : breach(deps, task, now, stage.toQueue)
}

async function warn(deps: EscalateTaskDeps, task: SlaCandidate, now: number): Promise<Escalation | undefined> {
  const to = bumpPriority(task.priority)
  if (!(await deps.escalations.warn(task.id, now, task.priority, to, PRIORITY_RANK[to] ?? 20))) return undefined
  await appendHistory(deps, task.id, {
    taskEvents: [escalatedRow(task.id, task.customerId, task.queue, now, { stage: 'warning', from: task.priority, to, sla_due_at: task.slaDueAt })],
  })
  return { stage: 'warning', from: task.priority, to }
}

async function breach(deps: EscalateTaskDeps, task: SlaCandidate, now: number, toQueue: string): Promise<Escalation | undefined> {
  const { ops } = deps
  // The escalation and its fallback message commit together: no escalation without the nudge.
  const done = await ops.db.transaction(async (tx) => {
    const escalated = await deps.escalations.escalate(task.id, now, task.queue, toQueue, PRIORITY_RANK.urgent ?? 40, tx)
    if (!escalated) return undefined
    const message = escalated.fallback ? fallbackMessage(escalated, now) : undefined
    const queued = message ? (await ops.outbox.insert([message], tx)).size > 0 : false
    return { escalated, fallback: queued ? message : undefined }
  })
  if (!done) return undefined
  const { escalated, fallback } = done
  await appendHistory(deps, task.id, {
    taskEvents: [
      escalatedRow(task.id, escalated.customerId, escalated.fromQueue, now, {
        stage: 'breach',
        from_queue: escalated.fromQueue,
        to_queue: escalated.queue,
        overdue_ms: now - escalated.slaDueAt,
        from_priority: task.priority,
        fallback_outbox_id: fallback?.id ?? null,
      }),
    ],
    ...(fallback ? { deliveries: [deliveryRow({ ...fallback, attempts: 0 }, 'queued', 'sla fallback', now, 0)] } : {}),
  })
  return { stage: 'breach', escalated, fallback }
}

/** The history row of one escalation stage; one per task and stage, so a repeat dedupes. */
function escalatedRow(taskId: string, customerId: string, queue: string, ts: number, details: { stage: 'warning' | 'breach' } & Record<string, unknown>): TaskEventRow {
  const { stage } = details
  return { id: `${taskId}:escalated:${stage}`, task_id: taskId, customer_id: customerId, queue, kind: 'escalated', actor: 'sla', outcome: stage, ts, details: JSON.stringify(details) }
}

async function appendHistory(deps: EscalateTaskDeps, taskId: string, batch: HistoryBatch): Promise<void> {
  try {
    await deps.history.append(batch)
  } catch (err) {
    deps.logger.error({ err, task: taskId }, 'sla: could not record task event in history')
  }
}

function fallbackMessage(task: EscalatedTask, now: number): OutboxInsert | undefined {
  const f = task.fallback
  if (!f || typeof f.channel !== 'string' || typeof f.template !== 'string') return undefined
  const key = `escalation:${task.id}`
  return {
    id: stableHash(key),
    idempotencyKey: key,
    customerId: task.customerId,
    channel: f.channel,
    template: f.template,
    topic: typeof f.topic === 'string' ? f.topic : 'care',
    priority: 0,
    urgent: false,
    ruleId: task.ruleId,
    ruleVersion: task.ruleVersion,
    payload: f.payload,
    nextAttemptAt: now,
    createdAt: now,
  }
}
