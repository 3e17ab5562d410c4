// Scheduled care reads only the shoppers whose time came round: with a daily birthday greeting,
// 09:00 reads the shoppers whose birthday it is, not the whole shop (as reading every shopper of a
// due time zone did). The engine reads everyone once when it starts and when the schedules change.
// Real engine and stores, manual clock, real SMTP; counts from /metrics.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { KEYS, startEngine, type TestEngine } from '../support/careloop.ts'
import { startMailSink, type MailSink } from '../support/smtp.ts'

const at = (iso: string): number => Date.parse(iso)
const clock = new ManualClock(at('2026-05-10T04:50:00Z')) // 06:50 in Berlin: no cron minute, so nothing is read yet
let mail: MailSink
let engine: TestEngine

const greeting = {
  id: 'birthday-greeting',
  name: 'Birthday greeting',
  triggers: [{ schedule: { cron: '0 9 * * *', anniversary: 'traits.birthday' } }],
  actions: [{ nudge: { channel: 'email', template: 'birthday', topic: 'care' } }],
}

const run = randomUUID().slice(0, 6)
const SHOPPERS = 120
const id = (i: number) => `bd-${run}-${i}`
/** Shopper 0's birthday is 10 May, shopper 1's 11 May; the others' fall on other days or are unknown. */
const birthdayOf = (i: number): string | undefined => (i === 0 ? '1990-05-10' : i === 1 ? '05-11' : i % 7 === 0 ? undefined : `19${70 + (i % 30)}-${String(1 + (i % 12)).padStart(2, '0')}-${String(12 + (i % 17)).padStart(2, '0')}`)
const identify = (i: number, birthday = birthdayOf(i)) => ({
  type: 'identify',
  messageId: randomUUID(),
  userId: id(i),
  traits: { email: `${id(i)}@example.com`, name: 'Sam', timezone: 'Europe/Berlin', ...(birthday ? { birthday } : {}) },
  timestamp: new Date(clock.now()).toISOString(),
})

async function statesRead(): Promise<{ whole: number; due: number }> {
  const res = await fetch(`${engine.url}/metrics`, { headers: { authorization: `Bearer ${KEYS.admin}` } })
  const text = await res.text()
  const count = (pass: string) => Number(new RegExp(`^careloop_schedule_states_read_total\\{pass="${pass}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0)
  return { whole: count('whole'), due: count('due') }
}

async function readDuring(iso: string): Promise<{ whole: number; due: number }> {
  const before = await statesRead()
  clock.set(at(iso))
  await engine.app.tick()
  const after = await statesRead()
  return { whole: after.whole - before.whole, due: after.due - before.due }
}

const mailsTo = (i: number) => mail.messages.filter((m) => m.to && 'text' in m.to && m.to.text.includes(id(i)))

beforeAll(async () => {
  mail = await startMailSink()
  engine = await startEngine({ clock, smtpUrl: mail.url })
  expect((await engine.api('POST', '/api/rules', greeting, KEYS.ops)).status).toBe(201)
  expect((await engine.ingest(Array.from({ length: SHOPPERS }, (_, i) => identify(i)))).status).toBe(200)
  await engine.app.tick()
})
afterAll(async () => {
  await engine?.app.stop()
  await mail?.close()
})

describe('the scheduled-care sweep reads by due time', () => {
  it('reads the whole shop once, then at 09:00 only the shoppers whose birthday it is', async () => {
    // The first sweep of the process reads everyone and stores when each is next due.
    const first = await readDuring('2026-05-10T05:00:00Z')
    expect(first.whole).toBeGreaterThanOrEqual(SHOPPERS)
    expect(first.due).toBe(0)
    expect(await readDuring('2026-05-10T06:00:00Z')).toEqual({ whole: 0, due: 0 })

    // 08:30: shopper 5 tells us their birthday is today; the write stores 09:00 as their due time.
    clock.set(at('2026-05-10T06:30:00Z'))
    expect((await engine.ingest([identify(5, '05-10')])).status).toBe(200)
    await engine.app.tick()

    expect(await readDuring('2026-05-10T07:00:00Z')).toEqual({ whole: 0, due: 2 }) // 09:00 in Berlin
    expect(mailsTo(0)).toHaveLength(1)
    expect(mailsTo(5)).toHaveLength(1)
    expect(mail.messages.filter((m) => m.to && 'text' in m.to && m.to.text.includes(`bd-${run}-`))).toHaveLength(2)
    expect(await readDuring('2026-05-10T07:15:00Z')).toEqual({ whole: 0, due: 0 })

    // The next morning: shopper 1 only; the day's greetings are not sent again.
    expect(await readDuring('2026-05-11T07:00:00Z')).toEqual({ whole: 0, due: 1 })
    expect(mailsTo(1)).toHaveLength(1)
    expect(mailsTo(0)).toHaveLength(1)
  })

  it('reads everyone again when the schedules change, and then by due time', async () => {
    const moved = { ...greeting, triggers: [{ schedule: { cron: '0 10 * * *', anniversary: 'traits.birthday' } }] }
    expect((await engine.api('PUT', `/api/rules/${greeting.id}`, moved, KEYS.ops)).status).toBe(200)
    const changed = await readDuring('2026-05-11T07:15:00Z')
    expect(changed.whole).toBeGreaterThanOrEqual(SHOPPERS)
    // 10:00 on 11 May: shopper 1's greeting was already sent at 09:00 under the old schedule, but
    // the new version is another rule version: its moment is read and decided on again.
    const ten = await readDuring('2026-05-11T08:00:00Z')
    expect(ten.whole).toBe(0)
    expect(ten.due).toBe(1)
  })
})
