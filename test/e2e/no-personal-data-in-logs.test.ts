// The engine's log at info level carries no personal data — no email address, phone number, name
// or message text of a shopper — while a shopper is identified, nudged by email, files a complaint,
// asks for a person with a message, and while a mail server refuses their address. Logs are kept
// longer and read by more people than the stores; only ids belong there.
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { SMTPServer } from 'smtp-server'
import { afterAll, describe, expect, it } from 'vitest'
import { startEngine, type TestEngine } from '../support/careloop.ts'
import { startMailSink, type MailSink } from '../support/smtp.ts'

const SHOPPER = {
  id: 'pii-shopper-1',
  email: 'mara.quist@example.com',
  phone: '+4915112345678',
  firstName: 'Mara',
  lastName: 'Quistgaard',
}
const COMPLAINT = 'I was charged twice for my blue velvet sofa'
const TALK_MESSAGE = 'Please call me after six, the sofa order 7781'
const PERSONAL = [SHOPPER.email, SHOPPER.phone, SHOPPER.lastName, `${SHOPPER.firstName} ${SHOPPER.lastName}`, COMPLAINT, TALK_MESSAGE, 'mara.quist']

/** A logger at info level whose lines the test can read. */
function capturedLogger() {
  const lines: string[] = []
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean))
      done()
    },
  })
  return { logger: pino({ level: 'info' }, sink), lines }
}

function messages(now: number, id = SHOPPER.id, email = SHOPPER.email) {
  const at = (ms: number) => new Date(ms).toISOString()
  return [
    { type: 'identify', messageId: `${id}-identify`, userId: id, traits: { email, phone: SHOPPER.phone, firstName: SHOPPER.firstName, lastName: SHOPPER.lastName, name: `${SHOPPER.firstName} ${SHOPPER.lastName}` }, timestamp: at(now - 60_000) },
    { type: 'track', messageId: `${id}-pay-1`, userId: id, event: 'Payment Failed', properties: { order_id: `o-${id}` }, timestamp: at(now - 50_000) },
    { type: 'track', messageId: `${id}-complaint`, userId: id, event: 'Complaint Filed', properties: { topic: 'billing', text: COMPLAINT }, timestamp: at(now - 40_000) },
  ]
}

async function until(check: () => Promise<boolean> | boolean, what: string, engine: TestEngine): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await check()) return
    await engine.app.tick().catch(() => undefined)
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`timed out waiting for ${what}`)
}

describe('no personal data in logs at info level', () => {
  const engines: TestEngine[] = []
  const closers: Array<() => Promise<unknown>> = []
  afterAll(async () => {
    for (const e of engines) await e.app.stop().catch(() => undefined)
    for (const c of closers) await c().catch(() => undefined)
  })

  it('while a shopper is identified, emailed, complains and asks for a person', async () => {
    const mail: MailSink = await startMailSink()
    closers.push(() => mail.close())
    const { logger, lines } = capturedLogger()
    const engine = await startEngine({ smtpUrl: mail.url, logger })
    engines.push(engine)
    await engine.app.start()
    expect((await engine.ingest(messages(Date.now()))).status).toBe(200)
    const [email] = await mail.waitFor(1, 60_000)
    const talk = /href="([^"]*\/l\/t\/[^"]+)"/.exec(String(email?.html))?.[1]
    expect(talk, 'the email offers "talk to a person"').toBeDefined()
    const asked = await fetch(talk!.replace(/^https?:\/\/[^/]+/, engine.url).replaceAll('&amp;', '&'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ message: TALK_MESSAGE }).toString(),
    })
    expect(asked.status).toBe(200)
    await until(async () => (await engine.api('GET', `/api/tasks?customerId=${SHOPPER.id}`)).body?.tasks?.length >= 2, 'the complaint and talk tasks', engine)
    // Reading the shopper's timeline, decisions and tasks is part of the flow an agent runs.
    expect((await engine.api('GET', `/api/customers/${SHOPPER.id}/timeline`)).status).toBe(200)
    expect((await engine.api('GET', `/api/customers/${SHOPPER.id}/explain`)).status).toBe(200)
    await engine.app.stop() // embedded chDB: one engine per process at a time

    expect(lines.length, 'the engine logged at info level').toBeGreaterThan(0)
    const leaks = lines.filter((line) => PERSONAL.some((p) => line.toLowerCase().includes(p.toLowerCase())))
    expect(leaks).toEqual([])
  }, 120_000)

  it('while a mail server refuses the shopper’s address', async () => {
    const refusing = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo(address, _session, callback) {
        // Real servers echo the address they refuse.
        callback(Object.assign(new Error(`5.1.1 <${address.address}>: Recipient address rejected: User unknown`), { responseCode: 550 }))
      },
    })
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve))
    closers.push(() => new Promise((resolve) => refusing.close(() => resolve(undefined))))
    const port = (refusing.server.address() as AddressInfo).port
    const { logger, lines } = capturedLogger()
    const engine = await startEngine({ smtpUrl: `smtp://127.0.0.1:${port}`, logger })
    engines.push(engine)
    await engine.app.start()
    const id = 'pii-shopper-2'
    expect((await engine.ingest(messages(Date.now(), id)).then((r) => r.status))).toBe(200)
    await until(async () => (await engine.app.ops.outbox.list({ customerId: id })).some((o) => o.status !== 'pending' && o.status !== 'sending'), 'the refused send to be recorded', engine)

    expect(lines.some((l) => /"level":(40|50)/.test(l)), 'the refusal was logged').toBe(true)
    const leaks = lines.filter((line) => PERSONAL.some((p) => line.toLowerCase().includes(p.toLowerCase())))
    expect(leaks).toEqual([])
  }, 120_000)
})
