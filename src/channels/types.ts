// What every channel adapter receives and returns. The dispatcher owns retries and bookkeeping;
// a channel only renders and hands the message to its provider.
import type { Channel } from '../model/channel.ts'
import type { MessageVars, Recipient } from '../model/outbox.ts'

export interface OutboundMessage {
  outboxId: string
  /** Deterministic: rule + version + customer + trigger + action. Used for Message-ID / idempotency headers. */
  idempotencyKey: string
  customerId: string
  channel: Channel
  template: string
  /** Shopper's locale (zh-CN, zh-TW, en …); templates fall back to en. */
  locale: string
  to: Recipient
  vars: MessageVars
}

export interface SendResult {
  providerMessageId?: string
  detail?: string
}

/** A failure that retrying cannot fix (bad address, template missing): goes to the dead letter. */
export class PermanentSendError extends Error {
  override name = 'PermanentSendError'
}

/**
 * The provider could not be reached at all (connection refused, DNS, timeout before it answered):
 * no verdict on the message. Retried for as long as the outage lasts; never dead-lettered for it.
 */
export class ChannelUnavailableError extends Error {
  override name = 'ChannelUnavailableError'
}

export interface ChannelSender {
  readonly channel: Channel
  send(message: OutboundMessage): Promise<SendResult>
  close?(): Promise<void>
}

/** A non-email template rendered into its named sections (sms: text; push/inapp: title, body; voice: say). */
export interface RenderedParts {
  /** The locale actually used (after fallback). */
  locale: string
  parts: Record<string, string>
}

/** Renders one channel's templates. Throws PermanentSendError for unknown or broken templates. */
export interface ContentRenderer {
  render(templateId: string, locale: string, vars: MessageVars): RenderedParts
  templateIds(): string[]
  locales(templateId: string): string[]
}
