// A real SMTP server (smtp-server) on 127.0.0.1 with a random port, recording what it receives
// and able to answer RCPT TO or DATA with any reply code.
import type { AddressInfo } from 'node:net'
import { simpleParser, type ParsedMail } from 'mailparser'
import { SMTPServer } from 'smtp-server'

export interface Reply {
  code: number
  message: string
}

export interface ReceivedMail {
  mailFrom: string
  rcptTo: string[]
  raw: Buffer
  parsed: ParsedMail
}

export interface TestSmtpServer {
  readonly port: number
  readonly url: string
  readonly received: ReceivedMail[]
  /** Set to make the next RCPT TO / DATA fail with this reply; undefined accepts. */
  rejectRcpt: Reply | undefined
  rejectData: Reply | undefined
  close(): Promise<void>
}

function smtpError(reply: Reply): Error {
  return Object.assign(new Error(reply.message), { responseCode: reply.code })
}

export async function startSmtpServer(): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = []
  const state: { rejectRcpt: Reply | undefined; rejectData: Reply | undefined } = { rejectRcpt: undefined, rejectData: undefined }
  const server = new SMTPServer({
    authOptional: true,
    // Plain SMTP on loopback; STARTTLS would need a certificate the client trusts.
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(_address, _session, callback) {
      callback(state.rejectRcpt ? smtpError(state.rejectRcpt) : null)
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        if (state.rejectData) return callback(smtpError(state.rejectData))
        const raw = Buffer.concat(chunks)
        simpleParser(raw)
          .then((parsed) => {
            received.push({
              mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              rcptTo: session.envelope.rcptTo.map((r) => r.address),
              raw,
              parsed,
            })
            callback(null, 'OK: queued')
          })
          .catch((err: Error) => callback(err))
      })
    },
  })
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const port = (server.server.address() as AddressInfo).port
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    received,
    get rejectRcpt() {
      return state.rejectRcpt
    },
    set rejectRcpt(reply) {
      state.rejectRcpt = reply
    },
    get rejectData() {
      return state.rejectData
    },
    set rejectData(reply) {
      state.rejectData = reply
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
