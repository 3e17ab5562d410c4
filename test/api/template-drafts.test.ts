// The console's template editor API: the shipped file text, and previews of unsaved edits rendered
// in an environment of their own (same helpers, partials and layouts; real sends unaffected).
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerErrorHandler } from '../../src/api/errors.ts'
import { authPlugin, parseApiKeys } from '../../src/api/plugins/auth.ts'
import { templateRoutes } from '../../src/api/routes/templates/index.ts'
import { createChannelRenderer, createTemplateRenderer } from '../../src/channels/templates/index.ts'
import { ManualClock } from '../../src/lib/clock.ts'
import { emptyCustomerState, type CustomerState } from '../../src/model/customer.ts'
import type { SettingsStore } from '../../src/store/operational/SettingsStore.ts'

const NOW = Date.UTC(2026, 10, 20, 9, 0)
const customers = new Map<string, CustomerState>()
let app: FastifyInstance
const email = createTemplateRenderer()

beforeAll(async () => {
  const mei = emptyCustomerState('mei')
  mei.traits = { name: 'Mei Lin', email: 'mei@example.com', phone: '+8613800000000' }
  mei.locale = 'zh-CN'
  mei.timezone = 'Asia/Shanghai'
  customers.set('mei', mei)
  app = Fastify({ ajv: { customOptions: { allErrors: true } } })
  registerErrorHandler(app)
  const settings = { roleOfKey: async () => undefined } as unknown as SettingsStore
  await app.register(authPlugin, { configured: parseApiKeys('k-ops:ops,k-agent:agent:ana'), settings })
  await app.register(templateRoutes, {
    templates: { email, channels: { sms: createChannelRenderer('sms') } },
    loadCustomer: async (id) => customers.get(id),
    shop: { name: 'Acme Home', url: 'https://shop.example' },
    clock: new ManualClock(NOW),
  })
  await app.ready()
})
afterAll(() => app?.close())

const ops = { authorization: 'Bearer k-ops' }

describe('template source', () => {
  it('returns the shipped file of a locale, with the locales there are', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/templates/email/long-dwell/source?locale=zh-CN', headers: ops })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body).toMatchObject({ channel: 'email', template: 'long-dwell', locale: 'zh-CN', locales: ['en', 'zh-CN', 'zh-TW'] })
    expect(body.source).toContain('{{!-- @subject --}}')
  })

  it('falls back as a send would (zh-HK → zh-TW) and names unknown templates', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/templates/sms/long-dwell/source?locale=zh-HK', headers: ops })).json().locale).toBe('zh-TW')
    expect((await app.inject({ method: 'GET', url: '/api/templates/sms/nope/source', headers: ops })).statusCode).toBe(404)
    expect((await app.inject({ method: 'GET', url: '/api/templates/email/long-dwell/source', headers: { authorization: 'Bearer k-agent' } })).statusCode).toBe(403)
  })
})

describe('draft preview', () => {
  it('renders edited text for the shopper with the shared layout and helpers', async () => {
    const source = '{{!-- @subject --}}\n草稿 {{customer.name}}\n{{!-- @html --}}\n<p>{{customer.name}} & <b>x</b></p>\n{{!-- @text --}}\nHi {{customer.name}}\n'
    const res = await app.inject({ method: 'POST', url: '/api/templates/email/long-dwell/preview', headers: ops, payload: { customerId: 'mei', locale: 'zh-CN', source } })
    expect(res.statusCode, res.body).toBe(200)
    const body = res.json()
    expect(body.subject).toBe('草稿 Mei Lin')
    expect(body.html).toContain('<p>Mei Lin & <b>x</b></p>')
    expect(body.html).toContain('<html') // wrapped in the shared layout
    expect(body.text).toContain('Hi Mei Lin')
  })

  it('renders channel drafts as parts, and leaves the shipped template untouched', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/templates/sms/long-dwell/preview', headers: ops, payload: { customerId: 'mei', source: '{{!-- @text --}}\nDraft for {{customer.name}}\n' } })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json().parts.text).toContain('Draft for Mei Lin')
    const shipped = await app.inject({ method: 'POST', url: '/api/templates/sms/long-dwell/preview', headers: ops, payload: { customerId: 'mei' } })
    expect(shipped.json().parts.text).not.toContain('Draft')
  })

  it('reports a draft that does not compile or lacks a section as 422 with the reason', async () => {
    const broken = await app.inject({ method: 'POST', url: '/api/templates/sms/long-dwell/preview', headers: ops, payload: { customerId: 'mei', source: '{{!-- @text --}}\n{{#if x}}open\n' } })
    expect(broken.statusCode).toBe(422)
    expect(broken.json().message).toMatch(/does not compile/)
    const missing = await app.inject({ method: 'POST', url: '/api/templates/email/long-dwell/preview', headers: ops, payload: { customerId: 'mei', source: '{{!-- @subject --}}\nS\n' } })
    expect(missing.statusCode).toBe(422)
    expect(missing.json().message).toMatch(/missing section/)
  })
})
