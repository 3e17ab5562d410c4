// An agent's call or message joins the shopper's contact record: it counts toward the caps and
// keeps the bot quiet for the rest of the shopper's day. The first one sets first_contact_at.
import type { OperationalStore } from '../store/operational/OperationalStore.ts'
import { taskEvent } from './taskEvents.ts'
import type { WorkListDeps } from './workList.ts'

/** How an agent reached the shopper; the contact record counts it on the matching channel. */
export const CONTACT_CHANNEL = { call: 'voice', sms: 'sms', email: 'email', chat: 'inapp' } as const
export type ContactVia = keyof typeof CONTACT_CHANNEL
export const CONTACT_OUTCOMES = ['reached', 'no_answer', 'voicemail', 'message_sent'] as const

export interface LogContactDeps extends WorkListDeps {
  ops: Pick<OperationalStore, 'tasks' | 'contacts' | 'notes'>
}

const VIA_LABEL: Record<ContactVia, string> = { call: 'Phone call', sms: 'Text message', email: 'Email', chat: 'Chat' }

export interface LoggedContact {
  id: string
  taskId: string
  customerId: string
  via: ContactVia
  channel: string
  outcome: string | null
  at: number
  by: string
  firstContactAt: number | null
}

export async function logContact(
  deps: LogContactDeps,
  input: { taskId: string; agent: string; via: ContactVia; outcome?: string | undefined; note?: string | undefined },
): Promise<LoggedContact | undefined> {
  const { agent, via, outcome, note } = input
  const now = deps.clock.now()
  const marked = await deps.ops.tasks.markContacted(input.taskId, now)
  if (!marked) return undefined
  const { task, first } = marked
  const id = `${task.id}:contact:${now}`
  const channel = CONTACT_CHANNEL[via]
  await deps.ops.contacts.record({ id, customerId: task.customerId, channel, kind: 'human', topic: 'care', sourceId: task.id, actor: agent, priority: 0, at: now })
  // Measured from when the task reached the work list (not its creation: it may wait for a shift).
  const timing = first ? { firstContact: true, timeToFirstContactMs: Math.max(0, now - task.availableAt) } : {}
  // What was said stays with the shopper: the next agent reads it in the task context and hand-off.
  const said = note?.trim()
  if (said) await deps.ops.notes.add({ id: `${id}:note`, taskId: task.id, customerId: task.customerId, author: agent, body: `${VIA_LABEL[via]}${outcome ? ` (${outcome.replace(/_/g, ' ')})` : ''}: ${said}`, createdAt: now })
  await deps.history.append({ taskEvents: [{ ...taskEvent(task, 'contact', agent, now, { via, channel, note, ...timing }, id), outcome: outcome ?? '' }] })
  return { id, taskId: task.id, customerId: task.customerId, via, channel, outcome: outcome ?? null, at: now, by: agent, firstContactAt: task.firstContactAt }
}
