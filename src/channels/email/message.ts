// Turns an outbound message and its rendered template into nodemailer mail options. Everything
// that identifies the message derives from the idempotency key, so a send retried after a crash
// is recognizably the same email (same Message-ID, same pickup file).
import type { SendMailOptions } from 'nodemailer'
import { stableHash } from '../../lib/hash.ts'
import { safeUrl } from '../templates/helpers.ts'
import type { RenderedMessage } from '../templates/renderer.ts'
import { PermanentSendError, type OutboundMessage } from '../types.ts'

export const IDEMPOTENCY_HEADER = 'X-Careloop-Idempotency-Key'

/** Hex digest of the idempotency key: the Message-ID's local part and the pickup file's name. */
export const idempotencyDigest = (idempotencyKey: string): string => stableHash(idempotencyKey, 32)

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/i

/**
 * `<digest@domain>`, the domain taken from the sender address so the id is globally unique and
 * looks like the shop's own mail; "careloop" when the sender has no usable domain.
 */
export function messageIdFor(idempotencyKey: string, from: string): string {
  const domain = senderAddress(from)?.split('@').pop()
  return `<${idempotencyDigest(idempotencyKey)}@${domain !== undefined && HOSTNAME.test(domain) ? domain.toLowerCase() : 'careloop'}>`
}

// local@domain.tld, no whitespace, control characters, quotes, brackets or list separators: keeps
// a profile value such as "a@b.com, c@d.com" or "x\r\nBcc: y" from reaching the envelope.
const ADDRESS_CHAR = String.raw`[^\s@<>()[\]\\,;:"\p{Cc}]`
const LABEL = String.raw`[^\s@<>()[\]\\,;:"\p{Cc}.]+`
const EMAIL = new RegExp(String.raw`^${ADDRESS_CHAR}+@(?:${LABEL}\.)+${LABEL}$`, 'u')

export const isEmailAddress = (address: string): boolean => address.length <= 254 && EMAIL.test(address)

/** The address inside a From value (`"Shop" <care@shop.example>` or a bare address), if valid. */
export function senderAddress(from: string): string | undefined {
  const address = (/<([^<>]*)>\s*$/.exec(from)?.[1] ?? from).trim()
  return isEmailAddress(address) ? address : undefined
}

/** The recipient address, or PermanentSendError: retrying cannot fix a missing or broken address. */
export function recipientAddress(message: OutboundMessage): string {
  const email = message.to.email?.trim()
  if (email === undefined || email === '') throw new PermanentSendError('no email address')
  if (!isEmailAddress(email)) throw new PermanentSendError(`invalid email address: ${JSON.stringify(email)}`)
  return email
}

export interface MailSettings {
  from: string
  date: Date
}

export function buildMailOptions(message: OutboundMessage, rendered: RenderedMessage, settings: MailSettings): SendMailOptions {
  const address = recipientAddress(message)
  const name = message.to.name ?? message.vars.customer?.name
  const headers: Record<string, string> = { [IDEMPOTENCY_HEADER]: message.idempotencyKey }
  const mail: SendMailOptions = {
    from: settings.from,
    to: name ? { name, address } : address,
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    messageId: messageIdFor(message.idempotencyKey, settings.from),
    date: settings.date,
    headers,
  }
  const unsubscribe = safeUrl(message.vars.links?.unsubscribe)
  if (unsubscribe !== '') {
    mail.list = { unsubscribe }
    // RFC 8058 one-click applies to web URLs only (a POST to it unsubscribes), not to mailto:.
    if (/^https?:/.test(unsubscribe)) headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click'
  }
  return mail
}
