// Phone numbers as providers want them: E.164 (+ country code, subscriber number, digits only).
import { PermanentSendError, type OutboundMessage } from '../types.ts'

const E164 = /^\+[1-9]\d{6,14}$/

/** Drops the separators people type ("+1 (212) 555-0100"); anything else stays and fails the check. */
export function normalizePhone(value: string): string {
  return value.trim().replace(/[\s().-]/g, '')
}

export const isE164 = (value: string): boolean => E164.test(value)

/** The recipient's number in E.164, or PermanentSendError: retrying cannot fix a missing or broken number. */
export function recipientPhone(message: OutboundMessage): string {
  const raw = message.to.phone
  if (raw === undefined || raw.trim() === '') throw new PermanentSendError(`no phone number for a ${message.channel} message`)
  const phone = normalizePhone(raw)
  if (!isE164(phone)) throw new PermanentSendError(`phone number is not E.164: ${JSON.stringify(raw)}`)
  return phone
}
