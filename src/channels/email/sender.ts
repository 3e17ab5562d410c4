// The email channel: render the message's template in the shopper's locale, compose a MIME
// message (HTML + text) and hand it to SMTP, or to a pickup directory when no SMTP is configured.
import { resolve } from 'node:path'
import { systemClock, type Clock } from '../../lib/clock.ts'
import { createTemplateRenderer, type TemplateRenderer } from '../templates/renderer.ts'
import { PermanentSendError, type ChannelSender, type OutboundMessage, type SendResult } from '../types.ts'
import { buildMailOptions, idempotencyDigest, recipientAddress, senderAddress } from './message.ts'
import { createPickupTransport } from './pickup.ts'
import { createSmtpTransport } from './smtp.ts'
import type { MailTransport } from './transport.ts'

/** Relative to the working directory; .careloop/ is the embedded mode's data directory. */
export const DEFAULT_PICKUP_DIR = '.careloop/mail'

export interface EmailSenderOptions {
  /** smtp://user:pass@host:587 or smtps://…:465; without it, mail goes to the pickup directory. */
  smtpUrl?: string
  /** Sender address, e.g. `"Acme Care" <care@acme.example>`. */
  from: string
  /** Where .eml files go without smtpUrl; default `.careloop/mail`. */
  pickupDir?: string
  /** Defaults to the shipped email templates. */
  renderer?: TemplateRenderer
  /** Drives the Date header (time is injected, ARCHITECTURE §2.3). */
  clock?: Clock
}

export interface EmailSender extends ChannelSender {
  readonly channel: 'email'
  readonly mode: 'smtp' | 'pickup'
  close(): Promise<void>
}

export function createEmailSender(options: EmailSenderOptions): EmailSender {
  const from = options.from?.trim()
  if (!from) throw new Error('email: a from address is required')
  if (senderAddress(from) === undefined) throw new Error(`email: from is not a valid address: ${JSON.stringify(from)}`)
  const renderer = options.renderer ?? createTemplateRenderer()
  const clock = options.clock ?? systemClock
  const transport: MailTransport = options.smtpUrl
    ? createSmtpTransport(options.smtpUrl)
    : createPickupTransport(resolve(options.pickupDir ?? DEFAULT_PICKUP_DIR))

  async function send(message: OutboundMessage): Promise<SendResult> {
    if (message.channel !== 'email') throw new PermanentSendError(`email sender cannot send a ${message.channel} message`)
    // Checked before rendering, so a shopper without an address fails with that reason.
    recipientAddress(message)
    const rendered = renderer.render(message.template, message.locale, message.vars)
    const mail = buildMailOptions(message, rendered, { from, date: new Date(clock.now()) })
    return transport.deliver(mail, idempotencyDigest(message.idempotencyKey))
  }

  return { channel: 'email', mode: transport.kind, send, close: () => transport.close() }
}
