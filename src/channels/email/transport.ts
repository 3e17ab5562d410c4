import type { SendMailOptions } from 'nodemailer'
import type { SendResult } from '../types.ts'

/** Where a composed email goes: an SMTP server, or a pickup directory of .eml files. */
export interface MailTransport {
  readonly kind: 'smtp' | 'pickup'
  /** `digest` is the idempotency digest (names the pickup file). Throws classified errors. */
  deliver(mail: SendMailOptions, digest: string): Promise<SendResult>
  close(): Promise<void>
}
