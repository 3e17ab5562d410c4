// An SMTP server unreachable for hours (shop time, injected clock) must not use up an email's
// attempts: it waits in the outbox, polled at most a minute apart, and goes out once the server
// answers again. A server that answers and defers (4xx) still counts toward the attempt limit.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../../src/lib/clock.ts'
import { startEngine, type TestEngine } from '../../support/careloop.ts'
import { startTcpProxy, type TcpProxy } from '../../support/services/tcpProxy.ts'
import { startMailSink, type MailSink } from '../../support/smtp.ts'

const MINUTE = 60_000

describe('SMTP server unreachable for hours', () => {
  const clock = new ManualClock(Date.UTC(2026, 8, 1, 9))
  let mail: MailSink
  let proxy: TcpProxy
  let engine: TestEngine

  beforeAll(async () => {
    mail = await startMailSink()
    proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(mail.url).port) })
    engine = await startEngine({ clock, smtpUrl: `smtp://${proxy.address}` })
  })
  afterAll(async () => {
    await engine?.app.stop()
    await proxy?.close()
    await mail?.close()
  })

  it('keeps the email, however many attempts the outage takes, and sends it once afterwards', async () => {
    await proxy.down()
    const now = new Date(clock.now()).toISOString()
    const res = await engine.ingest([
      { type: 'identify', messageId: randomUUID(), userId: 'long-1', traits: { email: 'long-1@example.com' }, timestamp: now },
      { type: 'track', messageId: randomUUID(), userId: 'long-1', event: 'Product Viewed', properties: { product_id: 'P1', dwell_ms: 200_000 }, timestamp: now },
    ])
    expect(res.status).toBe(200)
    await engine.app.tick()
    // Three hours of refused connections, looked at every five minutes: far more than the 8
    // attempts after which a deferred message would be dead-lettered.
    for (let i = 0; i < 36; i++) {
      clock.advance(5 * MINUTE)
      await engine.app.tick()
    }
    const rows = await engine.app.ops.outbox.list({ customerId: 'long-1' })
    expect(rows.map((r) => r.status)).toEqual(['pending'])
    expect(rows[0]?.attempts).toBeGreaterThan(8)
    expect(mail.messages).toHaveLength(0)

    await proxy.up()
    clock.advance(MINUTE) // the retry is at most a minute away
    await engine.app.tick()
    await mail.waitFor(1)
    expect(await engine.app.ops.outbox.backlog()).toBe(0)
    expect(mail.messages.map((m) => (m.to && 'text' in m.to ? m.to.text : ''))).toEqual(['long-1@example.com'])
  })
})
