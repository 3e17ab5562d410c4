// A nudge that asks "how helpful was this?": the email carries one-click scores; the answer is a
// Survey Answered event tied to the rule and the message, answered once.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { KEYS, startEngine, type TestEngine } from '../support/careloop.ts'
import { startMailSink, type MailSink } from '../support/smtp.ts'

const clock = new ManualClock(Date.parse('2026-06-03T10:00:00Z'))
let mail: MailSink
let engine: TestEngine

beforeAll(async () => {
  mail = await startMailSink()
  engine = await startEngine({ clock, smtpUrl: mail.url })
  const rule = { id: 'retry-with-survey', name: 'Retry link, ask how it helped', triggers: [{ event: 'Payment Declined' }], actions: [{ nudge: { channel: 'email', template: 'payment-failed', survey: true } }] }
  expect((await engine.api('POST', '/api/rules', rule, KEYS.ops)).status).toBe(201)
})
afterAll(async () => {
  await engine?.app.stop()
  await mail?.close()
})

it('answers with one click, once, as an event tied to the rule and the message', async () => {
  const id = `sv-${randomUUID().slice(0, 8)}`
  const at = new Date(clock.now()).toISOString()
  await engine.ingest([
    { type: 'identify', messageId: randomUUID(), userId: id, traits: { email: `${id}@example.com`, locale: 'zh-CN' }, timestamp: at },
    { type: 'track', messageId: randomUUID(), userId: id, event: 'Payment Declined', properties: { order_id: 'SV-1' }, timestamp: at },
  ])
  await engine.app.tick()
  const received = mail.messages.find((m) => m.to && 'text' in m.to && m.to.text.includes(id))
  const html = String(received?.html)
  expect(html).toContain('这条消息对您有帮助吗')
  const four = [...html.matchAll(/href="([^"]+\/l\/s\/[^"]+)"[^>]*>4</g)][0]?.[1] as string
  expect(four).toBeDefined()
  expect((await fetch(four)).status).toBe(200)
  await engine.app.tick()
  const events = (await engine.app.history.timeline(id)).filter((e) => e.kind === 'event' && e.title === 'Survey Answered')
  expect(events).toHaveLength(1)
  const [outbox] = await engine.app.ops.outbox.list({ customerId: id })
  expect(events[0]?.data.properties).toMatchObject({ rule_id: 'retry-with-survey', outbox_id: outbox?.id, score: 4, task_id: null })
  // Another score for the same message later changes nothing.
  const again = [...html.matchAll(/href="([^"]+\/l\/s\/[^"]+)"[^>]*>1</g)][0]?.[1] as string
  expect(await (await fetch(again)).text()).toContain('already answered')
})
