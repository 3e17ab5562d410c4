// The outbox dispatcher against a real SMTP server: consent at send time, retries with backoff,
// dead letters for permanent failures.
import { randomUUID } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { startEngine, type TestEngine } from '../support/careloop.ts'

/** An SMTP server whose answer per recipient is scripted: 'ok', 'busy' (451) or 'reject' (550). */
async function scriptedSmtp(script: (rcpt: string, attempt: number) => 'ok' | 'busy' | 'reject') {
  const attempts = new Map<string, number>()
  const delivered: string[] = []
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      const n = (attempts.get(address.address) ?? 0) + 1
      attempts.set(address.address, n)
      const verdict = script(address.address, n)
      if (verdict === 'ok') return callback()
      const err = Object.assign(new Error(verdict === 'busy' ? 'try again later' : 'no such user'), { responseCode: verdict === 'busy' ? 451 : 550 })
      return callback(err)
    },
    onData(stream, session, callback) {
      stream.on('data', () => undefined)
      stream.on('end', () => {
        for (const r of session.envelope.rcptTo) delivered.push(r.address)
        callback()
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`,
    attempts,
    delivered,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

const clock = new ManualClock(Date.UTC(2026, 8, 1, 9))
let smtp: Awaited<ReturnType<typeof scriptedSmtp>>
let engine: TestEngine

beforeAll(async () => {
  smtp = await scriptedSmtp((rcpt, attempt) => (rcpt.startsWith('flaky') ? (attempt <= 3 ? 'busy' : 'ok') : rcpt.startsWith('gone') ? 'reject' : 'ok'))
  engine = await startEngine({ clock, smtpUrl: smtp.url })
})
afterAll(async () => {
  await engine?.app.stop()
  await smtp?.close()
})

function dwell(userId: string) {
  return [
    { type: 'identify', messageId: randomUUID(), userId, traits: { email: `${userId}@example.com` }, timestamp: new Date(clock.now()).toISOString() },
    { type: 'track', messageId: randomUUID(), userId, event: 'Product Viewed', properties: { product_id: 'P9', dwell_ms: 200_000 }, timestamp: new Date(clock.now()).toISOString() },
  ]
}

describe('dispatcher', () => {
  it('retries a provider failing 3 times with growing backoff, then delivers once', async () => {
    await engine.ingest(dwell('flaky-1'))
    const retryTimes: number[] = []
    for (let i = 0; i < 10 && !smtp.delivered.includes('flaky-1@example.com'); i++) {
      await engine.app.tick()
      const [row] = await engine.app.ops.outbox.list({ customerId: 'flaky-1' })
      if (row?.status === 'pending') retryTimes.push(row.nextAttemptAt - clock.now())
      clock.advance(10 * 60_000)
    }
    expect(smtp.delivered.filter((r) => r === 'flaky-1@example.com')).toHaveLength(1)
    expect(smtp.attempts.get('flaky-1@example.com')).toBe(4)
    expect(retryTimes).toHaveLength(3)
    expect(retryTimes[2]!).toBeGreaterThan(retryTimes[0]!)
    const [row] = await engine.app.ops.outbox.list({ customerId: 'flaky-1' })
    expect(row).toMatchObject({ status: 'sent', attempts: 4 })
    const timeline = await engine.api('GET', '/api/customers/flaky-1/timeline')
    const statuses = timeline.body.entries.filter((e: { kind: string }) => e.kind === 'delivery').map((e: { title: string }) => e.title)
    expect(statuses.sort()).toEqual(['failed', 'failed', 'failed', 'queued', 'sent'])
  })

  it('dead-letters a permanent rejection with the reason, without retrying', async () => {
    await engine.ingest(dwell('gone-1'))
    await engine.app.tick()
    clock.advance(3_600_000)
    await engine.app.tick()
    const [row] = await engine.app.ops.outbox.list({ customerId: 'gone-1' })
    expect(row?.status).toBe('dead')
    expect(row?.lastError).toMatch(/550|no such user/)
    expect(smtp.attempts.get('gone-1@example.com')).toBe(1)
  })

  it('checks consent at send time: an opt-out after the decision wins', async () => {
    await engine.ingest(dwell('optout-1'))
    // Decide, but do not dispatch yet: run only the engine part.
    await engine.app.embedded!.drain((batch) => engine.app.engine.handleBatch(batch))
    expect((await engine.app.ops.outbox.list({ customerId: 'optout-1' }))[0]?.status).toBe('pending')
    await engine.app.ops.consent.set('optout-1', 'email', '*', 'opted_out', clock.now())
    await engine.app.tick()
    expect((await engine.app.ops.outbox.list({ customerId: 'optout-1' }))[0]?.status).toBe('skipped')
    expect(smtp.attempts.has('optout-1@example.com')).toBe(false)
  })
})
