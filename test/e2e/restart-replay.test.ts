// Durable timers survive restarts and crashes; replays never send twice or create a second task.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { KEYS, startEngine, WRITE_KEY } from '../support/careloop.ts'
import { startMailSink, type MailSink } from '../support/smtp.ts'
import { disableQuietHours, startEngineProcess, type EngineProcess } from '../support/process.ts'
import { freshDataDir } from '../support/stores.ts'

const HOUR = 3_600_000
const DAY = 24 * HOUR

function lateParcel(userId: string, orderId: string, dueAt: number, total = 600) {
  // The starter rule waits 12 h past the ETA.
  const eta = dueAt - 12 * HOUR
  const m = (event: string, properties: Record<string, unknown>, at: number) => ({ type: 'track', messageId: randomUUID(), userId, event, properties, timestamp: new Date(at).toISOString() })
  return [
    { type: 'identify', messageId: randomUUID(), userId, traits: { email: `${userId}@example.com`, locale: 'zh-TW' }, timestamp: new Date(eta - 3 * DAY).toISOString() },
    m('Order Completed', { order_id: orderId, total }, eta - 3 * DAY),
    m('Order Shipped', { order_id: orderId, estimated_delivery_at: new Date(eta).toISOString() }, eta - 2 * DAY),
  ]
}

let mail: MailSink
beforeAll(async () => {
  mail = await startMailSink()
})
afterAll(async () => {
  await mail?.close()
})

describe('restart between ingest and the timer', () => {
  it('still sends the email once after a clean restart', async () => {
    const before = mail.messages.length
    const clock = new ManualClock(Date.UTC(2026, 3, 1))
    const dataDir = freshDataDir()
    const first = await startEngine({ clock, smtpUrl: mail.url, dataDir })
    const messages = lateParcel('r1', 'ORD-R1', clock.now() + HOUR)
    expect((await first.ingest(messages)).status).toBe(200)
    await first.app.tick()
    await first.app.stop()

    clock.advance(2 * HOUR)
    const second = await startEngine({ clock, smtpUrl: mail.url, dataDir })
    await second.app.tick()
    await second.app.tick()
    await mail.waitFor(before + 1)
    expect(mail.messages.length).toBe(before + 1)
    expect((await second.api('GET', '/api/tasks?customer=r1')).body.tasks).toHaveLength(1)

    // The same messages again, after the restart, are recognised by messageId: nothing more is sent.
    const replay = await second.ingest(messages)
    expect(replay.body).toMatchObject({ success: true, stored: 0, duplicates: messages.length })
    await second.app.tick()
    expect(mail.messages.length).toBe(before + 1)
    await second.app.stop()
  })

  it('replaying the log from the start changes nothing', async () => {
    const clock = new ManualClock(Date.UTC(2026, 3, 1))
    const engine = await startEngine({ clock, smtpUrl: mail.url })
    const messages = [
      ...lateParcel('p1', 'ORD-P1', clock.now() - HOUR),
      { type: 'track', messageId: randomUUID(), userId: 'p1', event: 'Complaint Filed', properties: { topic: 'payment_security', text: 'card used' }, timestamp: new Date(clock.now()).toISOString() },
    ]
    expect((await engine.ingest(messages)).status).toBe(200)
    await engine.app.tick()
    // The parcel was already due when it arrived: its wait fires after the allowed lateness.
    clock.advance(6 * 60_000)
    await engine.app.tick()
    const outbox = await engine.app.ops.outbox.list({ customerId: 'p1' })
    const tasks = await engine.app.ops.tasks.list({ customerId: 'p1' })
    expect(outbox).toHaveLength(1)
    expect(tasks.map((t) => t.queue).sort()).toEqual(['delivery-care', 'priority-care'])

    // The same batch sent again: every message is a duplicate.
    const again = await engine.ingest(messages)
    expect(again.body).toMatchObject({ success: true, stored: 0, duplicates: messages.length })

    // The source redelivers everything (as Kafka does after a rebalance): state and keys hold.
    await engine.app.ops.db.query('UPDATE source_positions SET position = 0')
    const duplicatesBefore = engine.app.engine.stats.duplicates
    await engine.app.tick()
    expect(engine.app.engine.stats.duplicates - duplicatesBefore).toBe(messages.length)
    expect(await engine.app.ops.outbox.list({ customerId: 'p1' })).toHaveLength(1)
    expect(await engine.app.ops.tasks.list({ customerId: 'p1' })).toHaveLength(2)
    await engine.app.stop()
  })
})

describe('crash (SIGKILL) between ingest and the timer', () => {
  const children: EngineProcess[] = []
  afterAll(async () => {
    for (const child of children) await child.kill()
  })

  async function startProcess(dataDir: string): Promise<EngineProcess> {
    const engine = await startEngineProcess({
      CARELOOP_DATA_DIR: dataDir,
      CARELOOP_SMTP_URL: mail.url,
      CARELOOP_WRITE_KEY: WRITE_KEY,
      CARELOOP_API_KEYS: `${KEYS.admin}:admin:admin`,
      // Real time here: the wait fires when due (the allowed lateness has tests of its own).
      CARELOOP_ABSENCE_SETTLE_MS: '0',
    })
    children.push(engine)
    return engine
  }

  it('the restarted process fires the timer once: one email, one task', async () => {
    const before = mail.messages.length
    const dataDir = freshDataDir()
    const first = await startProcess(dataDir)
    await disableQuietHours(first.url, KEYS.admin)
    const messages = lateParcel('k1', 'ORD-K1', Date.now() + 4_000)
    const res = await fetch(`${first.url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}` },
      body: JSON.stringify({ batch: messages }),
    })
    expect(res.status).toBe(200)
    await first.kill('SIGKILL')

    const second = await startProcess(dataDir)
    await mail.waitFor(before + 1, 30_000)
    await new Promise((r) => setTimeout(r, 2_500))
    expect(mail.messages.length).toBe(before + 1)
    const to = mail.messages.at(-1)?.to
    expect(to && 'text' in to ? to.text : '').toContain('k1@example.com')
    const tasks = await fetch(`${second.url}/api/tasks?customer=k1`, { headers: { authorization: `Bearer ${KEYS.admin}` } }).then((r) => r.json())
    expect(tasks.tasks).toHaveLength(1)
    await second.kill('SIGTERM')
    // Two cold starts of a child process and a real-time wait: under a loaded CI machine the
    // default minute is too close.
  }, 120_000)
})
