// "Talk to a person": a shopper's click on the button in a message puts a follow-up task on the
// work list, with the message and its context attached. One task per message, whatever the
// number of clicks.
import { deliveryRow } from '../channels/deliveries.ts'
import type { Clock } from '../lib/clock.ts'
import { stableHash } from '../lib/hash.ts'
import type { MessageVars } from '../model/outbox.ts'
import { PRIORITY_RANK, type Priority } from '../model/priority.ts'
import type { HistoryStore } from '../store/history/HistoryStore.ts'
import type { OperationalStore } from '../store/operational/OperationalStore.ts'
import type { OutboxRecord } from '../store/operational/OutboxStore.ts'
import type { TaskInsert } from '../store/operational/TaskStore.ts'

/** Where "talk to a person" requests go. */
export interface TalkSettings {
  queue: string
  priority: Priority
  slaMs: number
}

export interface TalkToPersonDeps {
  ops: Pick<OperationalStore, 'outbox' | 'tasks'>
  history: Pick<HistoryStore, 'append'>
  clock: Clock
  talk: TalkSettings
}

/** The longest message a shopper may leave with the request. */
export const TALK_MESSAGE_MAX = 2000

export type TalkToPersonResult = { status: 'unknown_message' } | { status: 'created' | 'already_asked'; task: TaskInsert }

/** The follow-up task for "talk to a person": one per message, whatever the number of clicks. */
export function talkTask(nudge: OutboxRecord, message: string | null, talk: TalkSettings, now: number): TaskInsert {
  // Stored payloads are not validated on read: each part is read optionally.
  const vars: Partial<MessageVars> | undefined = nudge.payload?.vars
  return {
    id: stableHash(`talk:${nudge.id}`),
    idempotencyKey: `talk:${nudge.id}`,
    customerId: nudge.customerId,
    queue: talk.queue,
    priority: talk.priority,
    priorityRank: PRIORITY_RANK[talk.priority] ?? 20,
    title: 'Shopper asked to talk to a person',
    ruleId: nudge.ruleId,
    ruleVersion: nudge.ruleVersion,
    signal: { kind: 'talk-to-person', outboxId: nudge.id, channel: nudge.channel, template: nudge.template, ruleId: nudge.ruleId },
    context: {
      customer: vars?.customer ?? { id: nudge.customerId },
      order: vars?.order ?? null,
      event: vars?.event ?? null,
      links: vars?.links ?? {},
      nudge: { outboxId: nudge.id, channel: nudge.channel, template: nudge.template, status: nudge.status, sentAt: nudge.updatedAt },
      message,
    },
    slaDueAt: now + talk.slaMs,
    createdAt: now,
  }
}

/** `message`: what the shopper wrote with the request, if anything. */
export async function talkToPerson(deps: TalkToPersonDeps, input: { outboxId: string; message?: string | undefined }): Promise<TalkToPersonResult> {
  const nudge = await deps.ops.outbox.get(input.outboxId)
  if (!nudge) return { status: 'unknown_message' }
  const text = input.message?.trim()
  const task = talkTask(nudge, text ? text.slice(0, TALK_MESSAGE_MAX) : null, deps.talk, deps.clock.now())
  const created = (await deps.ops.tasks.insertOnce(task)) === 'created'
  // The first request's time, so a second click rewrites identical (deduplicated) history rows.
  const createdAt = created ? task.createdAt : ((await deps.ops.tasks.get(task.id))?.createdAt ?? task.createdAt)
  await deps.history.append({
    taskEvents: [{ id: `${task.id}:created`, task_id: task.id, customer_id: task.customerId, queue: task.queue, kind: 'created', actor: 'shopper', outcome: '', ts: createdAt, details: JSON.stringify({ via: 'talk-to-person', outboxId: nudge.id }) }],
    deliveries: [deliveryRow(nudge, 'clicked', 'talkToPerson', createdAt, 'talkToPerson')],
  })
  return { status: created ? 'created' : 'already_asked', task }
}
