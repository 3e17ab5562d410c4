// Template versions on a real engine with a real SMTP sink: a saved edit is what real sends use;
// with approval required an edit waits for a second person (sends keep the live version), its
// author cannot approve it; a rollback restores the old text; the audit log names every step.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TemplateOverrides } from '../../src/channels/templates/overrides.ts'
import { ManualClock } from '../../src/lib/clock.ts'
import { KEYS, startEngine, type TestEngine } from '../support/careloop.ts'
import { startMailSink, type MailSink } from '../support/smtp.ts'

const ADA = 'ada-approver-key'
const apiKeys = [`${KEYS.admin}:admin:admin`, `${KEYS.ops}:ops:olivia`, `${ADA}:approver:ada`, `${KEYS.alice}:agent:alice`].join(',')
const BASE = '/api/templates/email/payment-failed/en'

let engine: TestEngine
let mail: MailSink
const clock = new ManualClock(Date.UTC(2026, 6, 1, 10))

beforeAll(async () => {
  mail = await startMailSink()
  engine = await startEngine({ clock, smtpUrl: mail.url, config: { apiKeys } })
})
afterAll(async () => {
  await engine?.app.stop()
  await mail?.close()
})

/** A new shopper with an email address fails a payment; returns the subject of the email they get. */
async function paymentFailedSubject(): Promise<string | undefined> {
  const id = `c-${randomUUID()}`
  const at = new Date(clock.now()).toISOString()
  const before = mail.messages.length
  const sent = await engine.ingest([
    { type: 'identify', messageId: randomUUID(), userId: id, traits: { email: `${id}@example.com`, name: 'Mei', locale: 'en', timezone: 'UTC' }, timestamp: at },
    { type: 'track', messageId: randomUUID(), userId: id, event: 'Payment Failed', properties: { order_id: 'O-1' }, timestamp: at },
  ])
  expect(sent.status).toBe(200)
  await engine.app.tick()
  const messages = await mail.waitFor(before + 1)
  return messages.find((m) => m.to && JSON.stringify(m.to).includes(id))?.subject
}

/** The shipped file with its subject line replaced. */
async function withSubject(subject: string): Promise<string> {
  const file = (await engine.api('GET', '/api/templates/email/payment-failed/source?locale=en', undefined, KEYS.ops)).body.source as string
  const lines = file.split('\n')
  const at = lines.indexOf('{{!-- @subject --}}')
  lines[at + 1] = subject
  return lines.join('\n')
}

let shipped: string
let v1: string
let v2: string

describe('without approval: a saved edit is live at once', () => {
  it('a real send uses the saved subject; the source shows the stored version', async () => {
    shipped = (await engine.api('GET', '/api/templates/email/payment-failed/source?locale=en', undefined, KEYS.ops)).body.source
    expect(await paymentFailedSubject()).toBe("Your payment for order O-1 didn't go through")
    v1 = await withSubject('Version one: order {{or order.order_id event.properties.order_id}}')
    clock.advance(60_000)
    const saved = await engine.api('PUT', BASE, { source: v1 }, KEYS.ops)
    expect(saved.status, JSON.stringify(saved.body)).toBe(200)
    expect(saved.body).toMatchObject({ version: 1, status: 'live', createdBy: 'olivia', createdAt: clock.now(), pendingApproval: null })
    expect(await paymentFailedSubject()).toBe('Version one: order O-1')
    const source = (await engine.api('GET', '/api/templates/email/payment-failed/source?locale=en', undefined, KEYS.ops)).body
    expect(source).toMatchObject({ origin: 'stored', version: 1, source: v1, locale: 'en' })
  })

  it('refuses what does not compile, unknown locales and agents', async () => {
    const broken = await engine.api('PUT', BASE, { source: v1.replace('Version one', '{{#if x}}Version one') }, KEYS.ops)
    expect(broken.status).toBe(422)
    expect(broken.body.message).toMatch(/does not compile/)
    const missing = await engine.api('PUT', BASE, { source: '{{!-- @subject --}}\nHi\n' }, KEYS.ops)
    expect(missing.status).toBe(422)
    expect(missing.body.message).toMatch(/missing section/)
    expect((await engine.api('PUT', BASE, {}, KEYS.ops)).status).toBe(400)
    const badLocale = await engine.api('PUT', '/api/templates/email/payment-failed/fr_FR!', { source: v1 }, KEYS.ops)
    expect(badLocale.status).toBe(400)
    expect(badLocale.body.errors).toEqual([expect.objectContaining({ path: '/locale' })])
    expect((await engine.api('PUT', BASE, { source: v1 }, KEYS.alice)).status).toBe(403)
    expect((await engine.api('GET', `${BASE}/versions`, undefined, KEYS.ops)).body.versions).toHaveLength(1)
  })
})

describe('with approval required: four eyes', () => {
  beforeAll(async () => {
    expect((await engine.api('PUT', '/api/settings/approval', { required: true }, KEYS.admin)).status).toBe(200)
  })

  it('an edit stays a draft, sends keep the live version, its author cannot approve, an approver can', async () => {
    v2 = await withSubject('Version two: order {{or order.order_id event.properties.order_id}}')
    clock.advance(60_000)
    const saved = await engine.api('PUT', BASE, { source: v2 }, KEYS.ops)
    expect(saved.body).toMatchObject({ version: 2, status: 'draft', createdBy: 'olivia', pendingApproval: 2 })
    expect(await paymentFailedSubject()).toBe('Version one: order O-1')
    const listed = (await engine.api('GET', `${BASE}/versions`, undefined, KEYS.ops)).body
    expect(listed).toMatchObject({ liveVersion: 1, pendingApproval: 2, approval: { required: true } })
    expect(listed.versions.map((v: { version: number; status: string }) => [v.version, v.status])).toEqual([
      [2, 'draft'],
      [1, 'live'],
    ])
    expect((await engine.api('GET', '/api/templates/email/payment-failed/source?locale=en', undefined, KEYS.ops)).body).toMatchObject({ version: 1, pendingApproval: 2 })

    const diff = (await engine.api('GET', `${BASE}/versions/2/diff`, undefined, KEYS.ops)).body
    expect(diff).toMatchObject({ version: 2, against: 1, added: 1, removed: 1 })
    expect(diff.text).toContain('- Version one')
    expect(diff.text).toContain('+ Version two')
    expect((await engine.api('GET', `${BASE}/versions/1/diff`, undefined, KEYS.ops)).body).toMatchObject({ against: 'file', added: 1, removed: 1 })

    const own = await engine.api('POST', `${BASE}/versions/2/approve`, undefined, KEYS.ops)
    expect(own.status).toBe(409)
    expect(own.body.error).toBe('own_change')
    expect(await paymentFailedSubject()).toBe('Version one: order O-1')

    clock.advance(60_000)
    const approved = await engine.api('POST', `${BASE}/versions/2/approve`, undefined, ADA)
    expect(approved.status, JSON.stringify(approved.body)).toBe(200)
    expect(approved.body).toMatchObject({ version: 2, status: 'live', approvedBy: 'ada', approvedAt: clock.now() })
    expect(await paymentFailedSubject()).toBe('Version two: order O-1')
    expect((await engine.api('POST', `${BASE}/versions/2/approve`, undefined, ADA)).body.error).toBe('already_approved')
  })

  it('a rollback restores the old subject (by an approver who did not write it: live at once)', async () => {
    clock.advance(60_000)
    const back = await engine.api('POST', `${BASE}/rollback`, { version: 1 }, ADA)
    expect(back.status, JSON.stringify(back.body)).toBe(200)
    expect(back.body).toMatchObject({ version: 3, status: 'live', rollbackOf: 1, rolledBackTo: 1, source: v1 })
    expect(await paymentFailedSubject()).toBe('Version one: order O-1')
    const versions = (await engine.api('GET', `${BASE}/versions`, undefined, KEYS.ops)).body.versions
    expect(versions.map((v: { version: number; status: string; createdBy: string }) => [v.version, v.status, v.createdBy])).toEqual([
      [3, 'live', 'ada'],
      [2, 'superseded', 'olivia'],
      [1, 'superseded', 'olivia'],
    ])
  })

  it('the audit log shows every template change in order', async () => {
    const entries = (await engine.api('GET', '/api/audit?entity=template', undefined, KEYS.ops)).body.entries as Array<{ action: string; actor: string; entityId: string; version: number }>
    expect(entries.reverse().map((e) => [e.action, e.actor, e.entityId, e.version])).toEqual([
      ['template.save', 'olivia', 'email/payment-failed/en', 1],
      ['template.save', 'olivia', 'email/payment-failed/en', 2],
      ['template.approve', 'ada', 'email/payment-failed/en', 2],
      ['template.rollback', 'ada', 'email/payment-failed/en', 3],
    ])
    expect(shipped).toContain('{{!-- @subject --}}')
  })
})

describe('TemplateOverrides', () => {
  it('skips and logs a stored source that does not compile, keeps the good ones', () => {
    const logged: unknown[] = []
    const overrides = new TemplateOverrides(undefined, { error: (obj) => void logged.push(obj) })
    overrides.load([
      { channel: 'sms', templateId: 'payment-failed', locale: 'en', version: 1, source: '{{!-- @text --}}\n{{#if x}}broken\n' },
      { channel: 'sms', templateId: 'long-dwell', locale: 'en', version: 2, source: '{{!-- @text --}}\nHi {{customer.name}}\n' },
    ])
    expect(overrides.get('sms', 'payment-failed', 'en')).toBeUndefined()
    expect(overrides.get('sms', 'long-dwell', 'en')?.version).toBe(2)
    expect(logged).toHaveLength(1)
  })
})
