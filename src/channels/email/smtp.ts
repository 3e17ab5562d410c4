// Delivery to an SMTP server through nodemailer's connection pool, so a burst of care messages
// reuses a few connections instead of one handshake per email.
import nodemailer from 'nodemailer'
import { classifySendError } from './errors.ts'
import type { MailTransport } from './transport.ts'

// Shorter than nodemailer's defaults (2 min connect, 10 min socket): a stuck server should fail
// a send quickly so the dispatcher can retry it later. Query parameters in the URL
// (?connectionTimeout=…, ?maxConnections=…) still take precedence.
const DEFAULTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 60_000, maxConnections: 5 }

/** Throws at startup on a URL that is not smtp:// or smtps://. */
export function createSmtpTransport(smtpUrl: string): MailTransport {
  let protocol: string
  try {
    protocol = new URL(smtpUrl).protocol
  } catch {
    throw new Error('email: smtpUrl is not a valid URL (expected smtp://user:pass@host:port or smtps://…)')
  }
  if (protocol !== 'smtp:' && protocol !== 'smtps:') throw new Error(`email: smtpUrl must use smtp: or smtps:, got ${protocol}`)
  const transporter = nodemailer.createTransport({ ...DEFAULTS, url: smtpUrl, pool: true })
  return {
    kind: 'smtp',
    async deliver(mail) {
      try {
        const info = await transporter.sendMail(mail)
        return { providerMessageId: info.messageId, detail: info.response }
      } catch (err) {
        throw classifySendError(err)
      }
    },
    async close() {
      transporter.close()
    },
  }
}
