// Scheduled care: a birthday greeting at 09:00 in each shopper's own time zone, once, and caught
// up once after the engine was down at that time. Real engine and stores, manual clock, real SMTP.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { KEYS, startEngine, type TestEngine } from '../support/careloop.ts'
import { startMailSink, type MailSink } from '../support/smtp.ts'
import { freshDataDir } from '../support/stores.ts'

const at = (iso: string): number => Date.parse(iso)
const clock = new ManualClock(at('2026-03-08T00:30:00Z')) // 08:30 in Shanghai; 16:30 on 7 March in Los Angeles
const dataDir = freshDataDir()
let mail: MailSink
let engine: TestEngine

const birthdayRule = {
  id: 'birthday-greeting',
  name: 'Birthday greeting',
  triggers: [{ schedule: { cron: '0 9 * * *', anniversary: 'traits.birthday' } }],
  actions: [{ nudge: { channel: 'email', template: 'birthday', topic: 'care' } }],
}

const shanghai = { id: `sh-${randomUUID().slice(0, 6)}`, timezone: 'Asia/Shanghai', birthday: '1990-03-08', locale: 'zh-CN' }
const la = { id: `la-${randomUUID().slice(0, 6)}`, timezone: 'America/Los_Angeles', birthday: '03-08', locale: 'en' }
const other = { id: `ot-${randomUUID().slice(0, 6)}`, timezone: 'Asia/Shanghai', birthday: '1985-07-01', locale: 'en' }

beforeAll(async () => {
  mail = await startMailSink()
  engine = await startEngine({ clock, smtpUrl: mail.url, dataDir })
  expect((await engine.api('POST', '/api/rules', birthdayRule, KEYS.ops)).status).toBe(201)
  const identify = (s: typeof la) => ({ type: 'identify', messageId: randomUUID(), userId: s.id, traits: { email: `${s.id}@example.com`, name: 'Sam', locale: s.locale, timezone: s.timezone, birthday: s.birthday }, timestamp: new Date(clock.now()).toISOString() })
  expect((await engine.ingest([identify(shanghai), identify(la), identify(other)])).status).toBe(200)
  await engine.app.tick()
})
afterAll(async () => {
  await engine?.app.stop()
  await mail?.close()
})

const mailsTo = (id: string) => mail.messages.filter((m) => m.to && 'text' in m.to && m.to.text.includes(id))

async function tickAt(iso: string): Promise<void> {
  clock.set(at(iso))
  await engine.app.tick()
}

describe('a birthday greeting at 09:00 local time', () => {
  it('is caught up once when the engine was down at 09:00 in Shanghai and starts at 11:00', async () => {
    await tickAt('2026-03-08T00:59:00Z') // 08:59 in Shanghai: not yet
    expect(mailsTo(shanghai.id)).toHaveLength(0)
    await engine.app.stop() // down from 08:59 …
    clock.set(at('2026-03-08T03:00:00Z')) // … to 11:00 in Shanghai
    engine = await startEngine({ clock, smtpUrl: mail.url, dataDir })
    await engine.app.tick()
    const received = mailsTo(shanghai.id)
    expect(received).toHaveLength(1)
    expect(received[0]?.subject).toBe('Sam，祝您生日快乐！')
    const [row] = await engine.app.ops.outbox.list({ customerId: shanghai.id })
    expect(row?.createdAt).toBe(at('2026-03-08T03:00:00Z'))
    const signal = (await engine.app.history.timeline(shanghai.id)).find((e) => e.kind === 'signal')
    expect(signal?.ts).toBe(at('2026-03-08T01:00:00Z')) // the moment is 09:00 local, the send when the engine was back
    await tickAt('2026-03-08T03:01:00Z')
    await engine.app.stop()
    engine = await startEngine({ clock, smtpUrl: mail.url, dataDir })
    await engine.app.tick()
    expect(mailsTo(shanghai.id)).toHaveLength(1)
    expect(mailsTo(la.id)).toHaveLength(0) // still 7 March there
  })

  it('reaches Los Angeles at 09:00 PDT, the morning its clocks sprang forward, once', async () => {
    await tickAt('2026-03-08T15:59:00Z')
    expect(mailsTo(la.id)).toHaveLength(0)
    await tickAt('2026-03-08T16:00:00Z') // 09:00 PDT (UTC-7 since 10:00 UTC)
    expect(mailsTo(la.id)).toHaveLength(1)
    expect(mailsTo(la.id)[0]?.subject).toBe('Happy birthday, Sam!')
    await tickAt('2026-03-08T16:01:00Z')
    await tickAt('2026-03-09T16:00:00Z') // the next day is not a birthday
    expect(mailsTo(la.id)).toHaveLength(1)
    expect(mailsTo(shanghai.id)).toHaveLength(1)
    expect(mailsTo(other.id)).toHaveLength(0)
  })

  it('is decided once for a date, even when a new time zone brings 09:00 round again that day', async () => {
    const traveller = { id: `tr-${randomUUID().slice(0, 6)}`, timezone: 'Asia/Shanghai', birthday: '1992-03-10', locale: 'en' }
    const identify = (timezone: string) => ({ type: 'identify', messageId: randomUUID(), userId: traveller.id, traits: { email: `${traveller.id}@example.com`, name: 'Sam', timezone, birthday: traveller.birthday }, timestamp: new Date(clock.now()).toISOString() })
    expect((await engine.ingest([identify(traveller.timezone)])).status).toBe(200)
    await tickAt('2026-03-10T01:00:00Z') // 09:00 on 10 March in Shanghai
    expect(mailsTo(traveller.id)).toHaveLength(1)
    await tickAt('2026-03-10T05:00:00Z')
    expect((await engine.ingest([identify('America/New_York')])).status).toBe(200) // flew to New York
    await engine.app.tick()
    await tickAt('2026-03-10T13:00:00Z') // 09:00 EDT, still 10 March there
    await tickAt('2026-03-10T13:01:00Z')
    expect(mailsTo(traveller.id)).toHaveLength(1)
    const timeline = await engine.app.history.timeline(traveller.id)
    const decided = timeline.filter((e) => e.kind === 'signal' || e.kind === 'decision').map((e) => [e.kind, new Date(e.ts).toISOString()])
    // One moment, decided at 09:00 in Shanghai; not decided again (its history row replaced) at 09:00 in New York.
    expect(decided.sort()).toEqual([
      ['decision', '2026-03-10T01:00:00.000Z'],
      ['signal', '2026-03-10T01:00:00.000Z'],
    ])
    await tickAt('2027-03-10T14:00:00Z') // a year on, 09:00 EST in New York: greeted again
    expect(mailsTo(traveller.id)).toHaveLength(2)
  })

  it('rejects a bad cron expression with its field path', async () => {
    const bad = { ...birthdayRule, id: 'bad-cron', triggers: [{ schedule: { cron: '0 25 * * *' } }] }
    const res = await engine.api('POST', '/api/rules', bad, KEYS.ops)
    expect(res.status).toBe(400)
    expect(res.body.errors[0].path).toBe('/triggers/0/schedule/cron')
  })
})
