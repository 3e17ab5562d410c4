// Templates for any id, channel and locale, written through the API (the console's "New template"):
// a rule naming a template that does not exist yet is refused at the field path; once the template
// is saved the same rule is accepted and its real email carries the new text; a new locale of a
// shipped template reaches the shoppers of that language; with four eyes on, a new template is a
// draft that is listed but not sendable until approved. Hostile ids and locales get a 400 with
// the field path, never a 5xx.
import { randomUUID } from 'node:crypto'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TEMPLATE_ID } from '../../src/channels/templates/loader.ts'
import { canonicalLocale } from '../../src/channels/templates/locale.ts'
import { ManualClock } from '../../src/lib/clock.ts'
import { KEYS, startEngine, type TestEngine } from '../support/careloop.ts'
import { startMailSink, type MailSink } from '../support/smtp.ts'

const ADA = 'ada-approver-key'
const apiKeys = [`${KEYS.admin}:admin:admin`, `${KEYS.ops}:ops:olivia`, `${ADA}:approver:ada`].join(',')

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

const thankYouRule = {
  id: 'thank-you-after-delivery',
  name: 'Thank you after delivery',
  triggers: [{ event: 'Order Delivered' }],
  actions: [{ nudge: { channel: 'email', template: 'thank-you', topic: 'care' } }],
}

/** A new shopper in `locale` gets `event`; returns the email they receive. */
async function mailFor(event: string, locale: string) {
  const id = `c-${randomUUID()}`
  const at = new Date(clock.now()).toISOString()
  const before = mail.messages.length
  const sent = await engine.ingest([
    { type: 'identify', messageId: randomUUID(), userId: id, traits: { email: `${id}@example.com`, name: 'Mei', locale, timezone: 'UTC' }, timestamp: at },
    { type: 'track', messageId: randomUUID(), userId: id, event, properties: { order_id: 'O-7' }, timestamp: at },
  ])
  expect(sent.status).toBe(200)
  await engine.app.tick()
  const messages = await mail.waitFor(before + 1)
  return Object.assign({ customerId: id }, messages.find((m) => JSON.stringify(m.to).includes(id)))
}

/** Percent-encodes a path segment; a lone surrogate goes as its raw (invalid UTF-8) bytes, as a hostile client may send. */
function rawPath(text: string): string {
  return [...text]
    .map((ch) => {
      const cu = ch.charCodeAt(0)
      if (ch.length === 1 && cu >= 0xd800 && cu <= 0xdfff) return [0xe0 | (cu >> 12), 0x80 | ((cu >> 6) & 63), 0x80 | (cu & 63)].map((b) => `%${b.toString(16).toUpperCase()}`).join('')
      return encodeURIComponent(ch)
    })
    .join('')
}

describe('a template written here, for an id no file ships', () => {
  it('a rule naming it is refused before it exists, accepted after, and its email carries the new text', async () => {
    const refused = await engine.api('POST', '/api/rules', thankYouRule, KEYS.ops)
    expect(refused.status).toBe(400)
    expect(refused.body.errors).toEqual([expect.objectContaining({ path: '/actions/0/nudge/template' })])

    const catalogue = (await engine.api('GET', '/api/templates', undefined, KEYS.ops)).body
    const skeleton: string = catalogue.skeletons.email
    expect(catalogue.templates.some((t: { id: string }) => t.id === 'thank-you')).toBe(false)
    const source = skeleton.replace('A note from {{shop.name}}', 'Thank you for your order {{order.order_id}}').replaceAll('Write your message here.', 'We hope you love it.')

    // The unsaved draft previews for a real shopper before anything is stored.
    const { customerId } = await mailFor('Payment Failed', 'en')
    const preview = await engine.api('POST', '/api/templates/email/thank-you/preview', { customerId, source }, KEYS.ops)
    expect(preview.status, JSON.stringify(preview.body)).toBe(200)
    expect(JSON.stringify(preview.body)).toContain('Thank you for your order')

    const saved = await engine.api('PUT', '/api/templates/email/thank-you/en', { source }, KEYS.ops)
    expect(saved.status, JSON.stringify(saved.body)).toBe(200)
    expect(saved.body).toMatchObject({ version: 1, status: 'live' })
    const listed = (await engine.api('GET', '/api/templates', undefined, KEYS.ops)).body.templates
    expect(listed).toContainEqual(expect.objectContaining({ channel: 'email', id: 'thank-you', locales: ['en'] }))
    const shown = (await engine.api('GET', '/api/templates/email/thank-you/source?locale=zh-CN', undefined, KEYS.ops)).body
    expect(shown).toMatchObject({ locale: 'en', origin: 'stored', version: 1, source })
    const diff = (await engine.api('GET', '/api/templates/email/thank-you/en/versions/1/diff', undefined, KEYS.ops)).body
    expect(diff).toMatchObject({ against: 'file', removed: 0 })

    const accepted = await engine.api('POST', '/api/rules', thankYouRule, KEYS.ops)
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(201)
    const message = await mailFor('Order Delivered', 'en')
    expect(message?.subject).toBe('Thank you for your order O-7')
    expect(message?.text).toContain('We hope you love it.')
  })

  it('a new locale of a shipped template goes to shoppers of that language; others keep the file', async () => {
    const file = (await engine.api('GET', '/api/templates/email/payment-failed/source?locale=en', undefined, KEYS.ops)).body.source as string
    const lines = file.split('\n')
    lines[lines.indexOf('{{!-- @subject --}}') + 1] = 'Votre paiement n’est pas passé'
    const saved = await engine.api('PUT', '/api/templates/email/payment-failed/fr', { source: lines.join('\n') }, KEYS.ops)
    expect(saved.status, JSON.stringify(saved.body)).toBe(200)
    expect((await mailFor('Payment Failed', 'fr-CA'))?.subject).toBe('Votre paiement n’est pas passé')
    expect((await mailFor('Payment Failed', 'en'))?.subject).not.toBe('Votre paiement n’est pas passé')
    const diff = (await engine.api('GET', '/api/templates/email/payment-failed/fr/versions/1/diff', undefined, KEYS.ops)).body
    expect(diff).toMatchObject({ against: 'file', removed: 0 })
  })

  it('with four eyes on, a new template is a listed draft that no rule can use until approved', async () => {
    expect((await engine.api('PUT', '/api/settings/approval', { required: true }, KEYS.admin)).status).toBe(200)
    try {
      const source = '{{!-- @text --}}\nHello from {{shop.name}}\n'
      const saved = await engine.api('PUT', '/api/templates/sms/hello/en', { source }, KEYS.ops)
      expect(saved.body).toMatchObject({ version: 1, status: 'draft' })
      const listed = (await engine.api('GET', '/api/templates', undefined, KEYS.ops)).body.templates
      expect(listed).toContainEqual({ channel: 'sms', id: 'hello', locales: ['en'], draftOnly: true })
      expect((await engine.api('GET', '/api/templates/sms/hello/source', undefined, KEYS.ops)).body).toMatchObject({ origin: 'draft', source, pendingApproval: 1 })
      const rule = { id: 'hello-sms', name: 'hello', triggers: [{ event: 'Said Hello' }], actions: [{ nudge: { channel: 'sms', template: 'hello' } }] }
      expect((await engine.api('POST', '/api/rules', rule, KEYS.ops)).status).toBe(400)
      const approved = await engine.api('POST', '/api/templates/sms/hello/en/versions/1/approve', undefined, ADA)
      expect(approved.status, JSON.stringify(approved.body)).toBe(200)
      expect((await engine.api('GET', '/api/templates', undefined, KEYS.ops)).body.templates).toContainEqual({ channel: 'sms', id: 'hello', locales: ['en'] })
    } finally {
      expect((await engine.api('PUT', '/api/settings/approval', { required: false }, KEYS.admin)).status).toBe(200)
    }
  })

  it('a template that does not exist anywhere is still a 404 to read', async () => {
    expect((await engine.api('GET', '/api/templates/email/never-written/en/versions', undefined, KEYS.ops)).status).toBe(404)
    expect((await engine.api('GET', '/api/templates/email/never-written/source', undefined, KEYS.ops)).status).toBe(404)
  })

  it('hostile ids and locales: 400 at the field path or accepted when well formed, never a 5xx', async () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'Z', '-', '_', '.', '0', ' ', '\u0000', '\ud800', 'é', '/', '%', '?', '#'), minLength: 1, maxLength: 12 })
    await fc.assert(
      fc.asyncProperty(text, fc.oneof(text, fc.constantFrom('en', 'zh-TW', 'de-CH', 'EN', 'zh_TW')), async (id, locale) => {
        const url = `/api/templates/sms/${rawPath(id)}/${rawPath(locale)}`
        const res = await engine.api('PUT', url, { source: '{{!-- @text --}}\nHi\n' }, KEYS.ops)
        expect(res.status, `${JSON.stringify([id, locale])} → ${JSON.stringify(res.body)}`).toBeLessThan(500)
        const wellFormed = TEMPLATE_ID.test(id) && canonicalLocale(locale) === locale
        if (wellFormed) expect(res.status).toBe(200)
        else {
          // Malformed: refused, naming the id or the locale (a path the router cannot match is a 404).
          expect([400, 404]).toContain(res.status)
          if (res.status === 400) expect(res.body.errors.map((e: { path: string }) => e.path).every((p: string) => /(^|\/)(id|locale|url)$/.test(p))).toBe(true)
        }
      }),
      { numRuns: 60 },
    )
  })
})
