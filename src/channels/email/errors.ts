// Which delivery failures are worth retrying. A permanent SMTP rejection (5xx: unknown mailbox,
// refused content) becomes PermanentSendError and goes to the dead letter; a server that cannot
// be reached (connection refused or broken, timeouts, DNS) is ChannelUnavailableError, retried
// for as long as the outage lasts; everything else (4xx greylisting, a full disk) is a plain
// Error the dispatcher retries up to its attempt limit.
import type { NodemailerError } from 'nodemailer'
import { ChannelUnavailableError, PermanentSendError } from '../types.ts'

// The server could not be reached or the connection broke before it answered: an outage of the
// server, not a problem of this message.
const UNREACHABLE_CODES = new Set(['ECONNECTION', 'ESOCKET', 'ETIMEDOUT', 'EDNS', 'ECONNREFUSED', 'ECONNRESET'])

// Failures of our own setup (credentials, TLS, configuration), even when the server answered
// 5xx (535 bad credentials): no verdict on the message, and dead-lettering every email because a
// password expired would lose them all. Retried until someone fixes the setup.
const SETUP_CODES = new Set(['EAUTH', 'ENOAUTH', 'EOAUTH2', 'ETLS', 'EREQUIRETLS', 'ECONFIG'])

export function classifySendError(err: unknown): Error {
  if (err instanceof PermanentSendError) return err
  const e = (typeof err === 'object' && err !== null ? err : {}) as NodemailerError
  const text = err instanceof Error ? err.message : String(err)
  if (e.code !== undefined && SETUP_CODES.has(e.code)) {
    return new Error(`email transport setup failed (${e.code}${e.responseCode ? ` ${e.responseCode}` : ''}): ${text}`, { cause: err })
  }
  // The server refused our sender address (relay not allowed, SPF policy): same for every
  // message. 552 there is the SIZE check, which is about this message.
  if (e.command === 'MAIL FROM' && e.code === 'EENVELOPE' && e.responseCode !== 552) {
    return new Error(`SMTP server refused the sender (${e.responseCode ?? e.code}): ${text}`, { cause: err })
  }
  if (typeof e.responseCode === 'number') {
    // nodemailer ≥ 10.2 sets `permanent` from the reply class; it treats 503 (bad command
    // sequence: a session problem, not a verdict on the message) as retryable.
    const permanent = typeof e.permanent === 'boolean' ? e.permanent : e.responseCode >= 500 && e.responseCode < 600
    return permanent
      ? new PermanentSendError(`SMTP server rejected the message (${e.responseCode}): ${text}`, { cause: err })
      : new Error(`SMTP server deferred the message (${e.responseCode}): ${text}`, { cause: err })
  }
  // Refused by nodemailer before the server saw it: a malformed recipient, an empty or
  // oversized message. The same message fails the same way next time.
  if (e.code === 'EENVELOPE' || e.code === 'EMESSAGE') return new PermanentSendError(`message refused: ${text}`, { cause: err })
  if (e.code !== undefined && UNREACHABLE_CODES.has(e.code)) return new ChannelUnavailableError(`SMTP server unreachable (${e.code}): ${text}`, { cause: err })
  return new Error(`email delivery failed${e.code ? ` (${e.code})` : ''}: ${text}`, { cause: err })
}
