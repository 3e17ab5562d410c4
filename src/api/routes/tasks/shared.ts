// What the work-list routes share: their stores, who is acting, history rows and error mapping.
import type { Metrics } from '../../../lib/metrics.ts'
import type { FastifyRequest } from 'fastify'
import Type from 'typebox'
import type { LinkSettings } from '../../../channels/links.ts'
import type { Clock } from '../../../lib/clock.ts'
import type { HistoryStore, TaskEventRow } from '../../../store/history/HistoryStore.ts'
import type { ContactStore } from '../../../store/operational/ContactStore.ts'
import type { FeedbackStore } from '../../../store/operational/FeedbackStore.ts'
import type { OutboxStore } from '../../../store/operational/OutboxStore.ts'
import type { Agent, QueueStore } from '../../../store/operational/QueueStore.ts'
import type { SurveyStore } from '../../../store/operational/SurveyStore.ts'
import type { TaskNoteStore } from '../../../store/operational/TaskNoteStore.ts'
import type { ChangeResult, TaskRecord, TaskStore } from '../../../store/operational/TaskStore.ts'
import type { ShopInfo } from '../../../model/outbox.ts'
import { HttpError } from '../../errors.ts'

export interface WorkListDeps {
  tasks: TaskStore
  contacts: ContactStore
  history: HistoryStore
  clock: Clock
  notes: TaskNoteStore
  feedback: FeedbackStore
  surveys: SurveyStore
  outbox: OutboxStore
  queues: QueueStore
  /** Signs survey links; without it a resolve asking for a survey gets 503. */
  links: LinkSettings | undefined
  shop: ShopInfo
  metrics: Metrics | undefined
}

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) })

export const actorOf = (request: FastifyRequest): string => request.principal?.name ?? 'unknown'

/** ops and admin supervise: they may release, reassign or snooze any unresolved task. */
export const isSupervisor = (request: FastifyRequest): boolean => ['admin', 'ops', 'approver'].includes(request.principal?.role ?? '')

/** The agent record of an agent caller; none for ops/admin or agents without a record (they see all queues). */
export async function agentRecord(deps: WorkListDeps, request: FastifyRequest): Promise<Agent | undefined> {
  if (request.principal?.role !== 'agent') return undefined
  return deps.queues.agent(actorOf(request))
}

/** A history row for one change of a task; ids are deterministic so a replayed append dedupes. */
export function taskEvent(task: TaskRecord, kind: TaskEventRow['kind'], actor: string, ts: number, details: Record<string, unknown> = {}, id?: string): TaskEventRow {
  return { id: id ?? `${task.id}:${kind}:${ts}`, task_id: task.id, customer_id: task.customerId, queue: task.queue, kind, actor, outcome: task.outcome ?? '', ts, details: JSON.stringify(details) }
}

export const notFound = (id: string): HttpError => new HttpError(404, 'not_found', `no task ${id}`)

export function invalid(path: string, message: string): HttpError {
  return new HttpError(400, 'invalid_request', `invalid body: ${path} ${message}`, [{ path, message }])
}

/** Maps a refused release / reassign / snooze to its HTTP error. */
export function changeError(id: string, result: Extract<ChangeResult, { ok: false }>, verb: string): HttpError {
  const task = result.task
  switch (result.reason) {
    case 'not_found':
      return notFound(id)
    case 'resolved':
      return new HttpError(409, 'conflict', `task is already resolved; it cannot be ${verb}`)
    case 'not_claimed':
      return new HttpError(409, 'conflict', `task is ${task?.status ?? 'not claimed'}; only a claimed task can be ${verb} by its holder`)
    case 'not_yours':
      return new HttpError(403, 'forbidden', `task is claimed by ${task?.claimedBy ?? 'someone else'}; only its holder or a supervisor (ops, admin) may have it ${verb}`)
  }
}
