// The message a digest goes out as: addressed and framed by its lead (the highest-ranked item:
// greeting, unsubscribe, preferences, one "talk to a person" link), listing every item with its
// own order, dates and links. Each item's links are click-tracked under its own outbox id, so a
// click is credited to the decision it belongs to.
import { DIGEST_TEMPLATE, digestIdFor, templateKind } from '../../model/digest.ts'
import type { DigestItemVars, MessageVars } from '../../model/outbox.ts'
import type { OutboxRecord } from '../../store/operational/OutboxStore.ts'
import { decorateLinks, SYSTEM_LINKS, type LinkSettings } from '../links.ts'
import type { OutboundMessage } from '../types.ts'

const ownLinks = (links: Readonly<Record<string, string>>): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [name, target] of Object.entries(links)) if (!(SYSTEM_LINKS as readonly string[]).includes(name)) out[name] = target
  return out
}

function itemVars(message: OutboxRecord, links: LinkSettings | undefined): DigestItemVars {
  const { vars } = message.payload
  const identity = { outboxId: message.id, customerId: message.customerId, channel: message.channel, topic: message.topic }
  return {
    template: message.template,
    kind: { [templateKind(message.template)]: true },
    ...(vars.order ? { order: vars.order } : {}),
    ...(vars.delivery ? { delivery: vars.delivery } : {}),
    event: vars.event,
    // The item's own links only: the message's system links come once, from the lead.
    links: ownLinks(links ? decorateLinks(links, identity, vars.links) : vars.links),
  }
}

/** `items`: lead first. The idempotency key derives from the digest id (Message-ID, pickup file). */
export function digestMessage(items: readonly [OutboxRecord, ...OutboxRecord[]], links: LinkSettings | undefined): { digestId: string; message: OutboundMessage } {
  const [lead] = items
  const digestId = digestIdFor(items.map((m) => m.id))
  const base = lead.payload.vars
  const vars: MessageVars = {
    ...base,
    links: links ? decorateLinks(links, { outboxId: lead.id, customerId: lead.customerId, channel: lead.channel, topic: lead.topic }, {}) : { ...base.links },
    digest: { id: digestId, count: items.length, items: items.map((m) => itemVars(m, links)) },
  }
  return {
    digestId,
    message: {
      outboxId: lead.id,
      idempotencyKey: `digest:${digestId}`,
      customerId: lead.customerId,
      channel: lead.channel,
      template: DIGEST_TEMPLATE,
      locale: lead.payload.locale,
      to: lead.payload.to,
      vars,
    },
  }
}
