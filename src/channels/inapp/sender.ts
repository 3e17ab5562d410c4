// The in-app channel: the message is "sent" by storing it in the shopper's inbox, which the shop's
// site or app reads through GET /v1/inbox. Idempotent by outbox id, so a retry never shows twice.
import type { Clock } from '../../lib/clock.ts'
import type { InboxStore } from '../../store/operational/InboxStore.ts'
import { PermanentSendError, type ChannelSender, type ContentRenderer, type OutboundMessage, type SendResult } from '../types.ts'

export interface InAppSenderOptions {
  inbox: InboxStore
  /** Renders the inapp templates into parts title, body and optional cta. */
  renderer: ContentRenderer
  clock: Clock
}

/** The link a tap on the message opens: the most specific one the decision provided. */
export const PRIMARY_LINKS = ['order', 'checkout', 'product', 'retryPayment'] as const

export function primaryLink(links: Readonly<Record<string, string>>): string | null {
  for (const name of PRIMARY_LINKS) {
    const link = links[name]
    if (link) return link
  }
  return null
}

export function createInAppSender(options: InAppSenderOptions): ChannelSender {
  const { inbox, renderer, clock } = options
  return {
    channel: 'inapp',
    async send(message: OutboundMessage): Promise<SendResult> {
      const rendered = renderer.render(message.template, message.locale, message.vars)
      const { title, body, cta } = rendered.parts
      if (!title || !body) throw new PermanentSendError(`inapp template ${message.template} must render a title and a body`)
      const links = message.vars.links ?? {}
      const stored = await inbox.deliver({
        id: message.outboxId,
        customerId: message.customerId,
        template: message.template,
        title,
        body,
        link: primaryLink(links),
        data: { cta: cta || null, links, template: message.template, locale: rendered.locale },
        createdAt: clock.now(),
      })
      return { providerMessageId: message.outboxId, detail: stored ? 'in inbox' : 'already in inbox' }
    },
  }
}
