// The store fails right after the SMTP server took an email (its 250 arrived, the outbox update
// did not): the dispatcher must keep marking that message sent, not count it as a failed send
// and send it again.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../../src/lib/clock.ts'
import { startEngine, type TestEngine } from '../../support/careloop.ts'
import { startMailSink, type MailSink } from '../../support/smtp.ts'

describe('store hiccup between the provider accepting a message and the outbox update', () => {
  const clock = new ManualClock(Date.UTC(2026, 8, 1, 9))
  let mail: MailSink
  let engine: TestEngine

  beforeAll(async () => {
    mail = await startMailSink()
    engine = await startEngine({ clock, smtpUrl: mail.url })
  })
  afterAll(async () => {
    await engine?.app.stop()
    await mail?.close()
  })

  it('marks the message sent once the store answers, and sends it once', async () => {
    const outbox = engine.app.ops.outbox
    const markSent = outbox.markSent.bind(outbox)
    let failures = 3
    // The fault: the first updates fail as a dropped PostgreSQL connection would.
    outbox.markSent = async (...args: Parameters<typeof markSent>) => {
      if (failures-- > 0) throw new Error('Connection terminated unexpectedly')
      return markSent(...args)
    }
    const now = new Date(clock.now()).toISOString()
    expect(
      (
        await engine.ingest([
          { type: 'identify', messageId: randomUUID(), userId: 'ms-1', traits: { email: 'ms-1@example.com' }, timestamp: now },
          { type: 'track', messageId: randomUUID(), userId: 'ms-1', event: 'Product Viewed', properties: { product_id: 'P1', dwell_ms: 200_000 }, timestamp: now },
        ])
      ).status,
    ).toBe(200)
    await engine.app.tick()
    for (let i = 0; i < 5; i++) {
      clock.advance(10 * 60_000)
      await engine.app.tick()
    }
    expect(failures).toBeLessThan(0)
    expect((await outbox.list({ customerId: 'ms-1' })).map((r) => r.status)).toEqual(['sent'])
    expect(mail.messages).toHaveLength(1)
  })
})
