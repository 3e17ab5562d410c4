// The SMTP server away (connections refused) for CARELOOP_OUTAGE_MS (default 60 s) while a shop
// keeps sending: events and tasks go on, emails wait in the outbox with backoff, and once the
// server is back each email arrives once (counted by Message-ID at the server). The cut is
// abrupt: the one message in flight may have been taken (250) without the client hearing it, so
// it may arrive twice, with the same Message-ID; nothing else may.
import { afterAll, beforeAll, describe, it } from 'vitest'
import { startEngine, type TestEngine } from '../../support/careloop.ts'
import { startTcpProxy, type TcpProxy } from '../../support/services/tcpProxy.ts'
import { startMailSink, type MailSink } from '../../support/smtp.ts'
import { runOutage } from './scenario.ts'
import { outageMs } from './traffic.ts'

describe('SMTP server outage', () => {
  let mail: MailSink
  let proxy: TcpProxy
  let engine: TestEngine | undefined

  beforeAll(async () => {
    mail = await startMailSink()
    proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(mail.url).port) })
  })
  afterAll(async () => {
    await engine?.app.stop()
    await proxy?.close()
    await mail?.close()
  })

  it('keeps the emails in the outbox and sends each once after the server returns', async () => {
    engine = await startEngine({ smtpUrl: `smtp://${proxy.address}` })
    await engine.app.start()
    await runOutage({ prefix: 'smtpo', engine, mail, fault: proxy, inFlightDuplicates: 1 })
  }, outageMs() + 420_000)
})
