import { describe, expect, it } from 'vitest'
import { classifySendError } from '../../src/channels/email/index.ts'
import { PermanentSendError } from '../../src/channels/types.ts'

const smtpError = (fields: Record<string, unknown>): Error => Object.assign(new Error('boom'), fields)

describe('classifySendError', () => {
  it.each([
    [{ responseCode: 550, permanent: true }, true],
    [{ responseCode: 553 }, true], // no `permanent` flag (older nodemailer): 5xx is permanent
    [{ responseCode: 503, permanent: false }, false], // bad command sequence: retry on a new connection
    [{ responseCode: 421 }, false],
    [{ responseCode: 451, permanent: false }, false],
    [{ code: 'EENVELOPE' }, true], // refused locally: malformed address
    [{ code: 'ESOCKET', originalCode: 'ECONNREFUSED' }, false],
    [{ code: 'ETIMEDOUT' }, false],
    [{ code: 'EAUTH', responseCode: 535, permanent: true }, false], // our credentials, not the message
    [{ code: 'ETLS' }, false],
    [{ code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 550, permanent: true }, false], // our sender refused
    [{ code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 552, permanent: true }, true], // too large
    [{ code: 'EMESSAGE' }, true],
  ])('%o → permanent: %s', (fields, permanent) => {
    const classified = classifySendError(smtpError(fields))
    expect(classified instanceof PermanentSendError).toBe(permanent)
    expect(classified.cause).toBeInstanceOf(Error)
  })

  it('passes PermanentSendError through and wraps non-errors', () => {
    const permanent = new PermanentSendError('no email address')
    expect(classifySendError(permanent)).toBe(permanent)
    expect(classifySendError('weird')).not.toBeInstanceOf(PermanentSendError)
  })
})
