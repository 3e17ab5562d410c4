// Mirrors a task's transitions to a helpdesk: the first delivery for a task opens its ticket
// (Chatwoot conversation / Zendesk ticket) with the hand-off; later ones add an internal note,
// and a resolve here resolves it there. The link task ↔ ticket is stored, so a retried delivery
// continues where the last attempt stopped instead of opening a second ticket.
import { PermanentSendError } from '../../channels/types.ts'
import type { OperationalStore } from '../../store/operational/OperationalStore.ts'
import type { DueDelivery, HelpdeskLink } from '../../store/operational/WebhookStore.ts'
import { buildHandoff, type HandoffDeps } from '../buildHandoff.ts'
import type { HelpdeskMirror } from '../webhooks/deliverTaskWebhooks.ts'
import { ChatwootClient } from './chatwoot.ts'
import { handoffText, transitionNote, type Handoff } from './handoffText.ts'
import { ZendeskClient } from './zendesk.ts'

export interface HelpdeskMirrorDeps extends HandoffDeps {
  ops: HandoffDeps['ops'] & Pick<OperationalStore, 'webhooks'>
}

/** Who resolved a task when its helpdesk ticket was resolved (the resolved_by of the task). */
export const helpdeskActor = (endpointId: string): string => `helpdesk:${endpointId}`

type Obj = Record<string, unknown>
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {})
const text = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined)

export function createHelpdeskMirror(deps: HelpdeskMirrorDeps): HelpdeskMirror {
  const handoff = async (d: DueDelivery): Promise<Handoff> => {
    const h = await buildHandoff(deps, { taskId: d.taskId, agent: { name: d.endpoint.kind === 'chatwoot' ? 'Chatwoot' : 'Zendesk' } })
    if (!h) throw new PermanentSendError(`task ${d.taskId} no longer exists`)
    return h
  }
  const shopper = (h: Handoff) => {
    const traits = obj(h.customer.traits)
    return { id: h.customer.id, name: text(traits.name) ?? h.customer.id, email: text(traits.email), phone: text(traits.phone) }
  }

  async function chatwoot(d: DueDelivery, note: string | undefined, resolve: boolean): Promise<string> {
    const client = new ChatwootClient(d.endpoint, deps.clock)
    let link = await deps.ops.webhooks.link(d.endpoint.id, d.taskId)
    if (!link || link.details.handedOff !== true) {
      const h = await handoff(d)
      if (!link) {
        const who = shopper(h)
        const contact = await client.contact({ identifier: who.id, name: who.name, email: who.email, phone: who.phone })
        const conversationId = await client.createConversation({ ...contact, taskId: d.taskId })
        link = { endpointId: d.endpoint.id, taskId: d.taskId, externalId: String(conversationId), details: { handedOff: false } }
        await deps.ops.webhooks.saveLink(link, deps.clock.now())
      }
      await client.privateNote(Number(link.externalId), handoffText(h))
      link = { ...link, details: { ...link.details, handedOff: true } }
      await deps.ops.webhooks.saveLink(link, deps.clock.now())
    }
    const conversationId = Number(link.externalId)
    if (note) await client.privateNote(conversationId, note)
    if (resolve) await client.resolve(conversationId)
    return `chatwoot conversation ${conversationId}`
  }

  async function zendesk(d: DueDelivery, note: string | undefined, resolve: boolean): Promise<string> {
    const client = new ZendeskClient(d.endpoint, deps.clock)
    let link: HelpdeskLink | undefined = await deps.ops.webhooks.link(d.endpoint.id, d.taskId)
    if (!link) {
      const found = await client.findByTask(d.taskId)
      let ticketId = found
      if (!ticketId) {
        const h = await handoff(d)
        const who = shopper(h)
        ticketId = await client.create({
          taskId: d.taskId,
          subject: h.task.title,
          body: handoffText(h),
          priority: h.task.priority,
          requester: who.email ? { name: who.name, email: who.email } : undefined,
        })
      }
      link = { endpointId: d.endpoint.id, taskId: d.taskId, externalId: ticketId, details: {} }
      await deps.ops.webhooks.saveLink(link, deps.clock.now())
    }
    if (note || resolve) await client.update(link.externalId, { note: note ?? 'careloop: resolved', solved: resolve })
    return `zendesk ticket ${link.externalId}`
  }

  return async (d) => {
    const task = obj(d.payload.task)
    // The helpdesk resolved it: the resolve coming back would only echo its own change.
    if (d.event === 'task.resolved' && task.resolved_by === helpdeskActor(d.endpoint.id)) return 'resolved there already'
    const note = d.event === 'task.created' ? undefined : transitionNote(d.event, task, obj(d.payload.previous))
    const resolve = d.event === 'task.resolved'
    if (d.endpoint.kind === 'chatwoot') return chatwoot(d, note, resolve)
    if (d.endpoint.kind === 'zendesk') return zendesk(d, note, resolve)
    throw new PermanentSendError(`${d.endpoint.kind} is not a helpdesk`)
  }
}
