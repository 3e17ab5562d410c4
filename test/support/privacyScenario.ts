// The issue-15 "Done when" for export and erase, shared by the embedded and the server-store e2e:
// a shopper with events, an email, a task (with a logged contact and a note) is exported, erased,
// and stays gone when their events are sent again.
import { readdirSync, readFileSync, existsSync } from 'node:fs'
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { expect } from 'vitest'
import type { ManualClock } from '../../src/lib/clock.ts'
import { erasedReference } from '../../src/lib/pseudonym.ts'
import { KEYS, type TestEngine } from './careloop.ts'

const MIN = 60_000
const HOUR = 60 * MIN

export interface ScenarioSupport {
  engine: TestEngine
  clock: ManualClock
  /** Emails the shopper received so far (the SMTP sink, or the pickup folder's files). */
  mailsTo(address: string): number
  /** Every row of the history tables, as text (for the "nowhere" check). */
  historyText(): Promise<string>
}

export async function exportThenErase(s: ScenarioSupport): Promise<void> {
  const { engine, clock } = s
  const tag = randomUUID().slice(0, 8)
  const userId = `u-${tag}`
  const anonymousId = `a-${tag}`
  const email = `jane.${tag}@example.com`
  const phone = `+1555${tag.replace(/[^0-9]/g, '7').slice(0, 4)}123`
  const name = `Jane Erasable ${tag}`
  const at = (ts: number) => new Date(ts).toISOString()
  const messages = (t: number) => [
    { type: 'track', messageId: randomUUID(), anonymousId, event: 'Product Viewed', properties: { product_id: 'p1' }, timestamp: at(t) },
    { type: 'identify', messageId: randomUUID(), userId, anonymousId, traits: { email, phone, name, locale: 'en' }, timestamp: at(t + MIN) },
    { type: 'track', messageId: randomUUID(), userId, event: 'Checkout Started', properties: { checkout_id: `c-${tag}`, value: 40, currency: 'USD' }, timestamp: at(t + 2 * MIN) },
    ...[1, 2, 3].map((n) => ({ type: 'track', messageId: randomUUID(), userId, event: 'Return Requested', properties: { order_id: `r${n}-${tag}`, product_id: `p${n}` }, timestamp: at(t + (2 + n) * MIN) })),
  ]
  const feed = async (batch: unknown[]) => {
    for (const m of batch) {
      const res = await engine.ingest([m])
      expect(res.status, JSON.stringify(res.body)).toBe(200)
      await engine.app.tick()
    }
  }
  const t = clock.now()
  clock.set(t + 6 * MIN)
  await feed(messages(t))
  clock.set(t + 3 * HOUR)
  await engine.app.tick()
  await engine.app.tick()
  const [task] = await engine.app.ops.tasks.list({ customerId: userId })
  expect(task?.queue).toBe('returns-care')
  expect((await engine.api('POST', `/api/tasks/${task!.id}/claim`, undefined, KEYS.alice)).status).toBe(200)
  expect((await engine.api('POST', `/api/tasks/${task!.id}/contacts`, { via: 'call', outcome: 'reached', note: `spoke to ${name} on ${phone}` }, KEYS.alice)).status).toBe(201)
  expect((await engine.api('POST', `/api/tasks/${task!.id}/notes`, { body: `${name} wants a refund to ${email}` }, KEYS.alice)).status).toBe(201)
  await engine.app.ops.consent.set(userId, 'email', 'marketing', 'opted_in', clock.now(), 'preferences')
  expect(s.mailsTo(email)).toBe(1)

  // An agent may do neither.
  expect((await engine.api('GET', `/api/customers/${userId}/export`, undefined, KEYS.alice)).status).toBe(403)
  expect((await engine.api('DELETE', `/api/customers/${userId}`, undefined, KEYS.alice)).status).toBe(403)

  const exported = await engine.api('GET', `/api/customers/${userId}/export`)
  expect(exported.status).toBe(200)
  const doc = exported.body
  expect(doc.linkedIds).toEqual([`anon:${anonymousId}`])
  expect(doc.profile.traits).toMatchObject({ email, phone, name })
  const eventNames = doc.history.filter((e: { kind: string }) => e.kind === 'event').map((e: { title: string }) => e.title)
  expect(eventNames).toEqual(expect.arrayContaining(['Product Viewed', 'Identify', 'Checkout Started', 'Return Requested']))
  expect(doc.decisions.length).toBeGreaterThan(0)
  const mail = doc.messages.find((m: { template: string }) => m.template === 'abandoned-checkout')
  expect(mail?.status).toBe('sent')
  expect(mail?.deliveries.map((d: { data: { status: string } }) => d.data.status)).toContain('sent')
  expect(doc.tasks).toHaveLength(1)
  expect(doc.tasks[0].notes.map((n: { body: string }) => n.body)).toEqual(expect.arrayContaining([`${name} wants a refund to ${email}`]))
  expect(doc.contacts.some((c: { kind: string }) => c.kind === 'human')).toBe(true)
  expect(doc.consent).toEqual([expect.objectContaining({ channel: 'email', topic: 'marketing', status: 'opted_in', source: 'preferences' })])
  expect(Array.isArray(doc.surveys) && Array.isArray(doc.inbox)).toBe(true)

  expect(await s.historyText()).toContain(email)
  const erase = await engine.api('DELETE', `/api/customers/${userId}`)
  expect([200, 202]).toContain(erase.status)
  expect(erase.body.stores.operational.done).toBe(true)
  let status = erase.body
  for (let i = 0; i < 200 && status.completedAt === null; i++) {
    await new Promise((r) => setTimeout(r, 50))
    status = (await engine.api('GET', erase.body.statusUrl)).body
  }
  expect(status.completedAt, JSON.stringify(status)).not.toBeNull()
  expect(Object.values(status.stores).every((store) => (store as { done: boolean }).done)).toBe(true)

  const personal = [email, phone, name]
  const nowhere = (text: string, where: string) => {
    for (const p of personal) expect(text.includes(p), `${p} in ${where}`).toBe(false)
  }
  const after = await engine.api('GET', `/api/customers/${userId}/export`)
  nowhere(JSON.stringify(after.body), 'the export')
  expect(after.body.history).toEqual([])
  nowhere(JSON.stringify((await engine.api('GET', `/api/customers/${userId}/timeline`)).body), 'the timeline')
  const tasks = await engine.api('GET', '/api/tasks?include=snoozed,upcoming')
  nowhere(JSON.stringify(tasks.body), 'the task list')
  const kept = await engine.app.ops.tasks.get(task!.id)
  expect(kept?.customerId).toBe(erasedReference(userId))
  nowhere(JSON.stringify(await engine.app.ops.notes.forTask(task!.id)), 'the task notes')
  nowhere(await s.historyText(), 'the history tables')
  const mailDir = join(engine.config.dataDir, 'mail')
  if (existsSync(mailDir)) for (const f of readdirSync(mailDir)) nowhere(readFileSync(join(mailDir, f), 'utf8'), `mail file ${f}`)
  nowhere(JSON.stringify((await engine.api('GET', '/api/audit?limit=1000', undefined, KEYS.ops)).body), 'the audit log')
  const audit = (await engine.api('GET', `/api/audit?id=${encodeURIComponent(erasedReference(userId))}`, undefined, KEYS.ops)).body
  expect(JSON.stringify(audit)).toContain('customer.export')
  expect(JSON.stringify(audit)).toContain('customer.erase')

  const mailAfterErase = s.mailsTo(email)
  // Their events again (new message ids, later times): dropped, nothing comes back, nothing is sent.
  const suppressedBefore = await suppressedCount(engine)
  const t2 = clock.now()
  await feed(messages(t2))
  clock.set(t2 + 3 * HOUR)
  await engine.app.tick()
  await engine.app.tick()
  expect(await suppressedCount(engine)).toBe(suppressedBefore + messages(0).length)
  // The embedded event log read again from the start (as a Kafka consumer group rewound): the
  // resent events are dropped a second time.
  await engine.app.ops.db.query('UPDATE source_positions SET position = 0')
  await engine.app.tick()
  expect(await suppressedCount(engine)).toBe(suppressedBefore + 2 * messages(0).length)
  expect((await engine.app.ops.engine.loadStates([userId, `anon:${anonymousId}`])).size).toBe(0)
  expect(await engine.app.ops.outbox.list({ customerId: userId })).toEqual([])
  expect(await engine.app.ops.tasks.list({ customerId: userId })).toEqual([])
  expect(s.mailsTo(email)).toBe(mailAfterErase)
  nowhere(JSON.stringify((await engine.api('GET', `/api/customers/${userId}/export`)).body), 'the export after resending')
  nowhere(await s.historyText(), 'the history tables after resending')

  // Suppressions: listed by reference, lifted by an admin (audited).
  const list = await engine.api('GET', '/api/suppressions')
  expect(list.body.suppressions.map((x: { reference: string }) => x.reference)).toEqual(expect.arrayContaining([erasedReference(userId), erasedReference(`anon:${anonymousId}`)]))
  expect((await engine.api('GET', '/api/suppressions', undefined, KEYS.alice)).status).toBe(403)
  expect((await engine.api('DELETE', `/api/suppressions/${erasedReference(userId)}`)).status).toBe(204)
  expect((await engine.api('DELETE', `/api/suppressions/${userId}`)).status).toBe(404)
  expect((await engine.api('DELETE', `/api/suppressions/anon:${anonymousId}`)).status).toBe(204)
}

async function suppressedCount(engine: TestEngine): Promise<number> {
  const res = await fetch(`${engine.url}/metrics`, { headers: { authorization: `Bearer ${KEYS.ops}` } })
  const line = (await res.text()).split('\n').find((l) => l.startsWith('careloop_suppressed_events_total '))
  return Number(line?.split(' ')[1] ?? Number.NaN)
}
