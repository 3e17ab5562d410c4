// The template API on a bare Fastify app: catalogue, previews rendered with the shipped
// templates from stored customer state, and the error contract (field paths, 401/403/404/422).
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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
let brokenDir: string

function customer(id: string, fill: (s: CustomerState) => void): void {
  const state = emptyCustomerState(id)
  fill(state)
  customers.set(id, state)
}

beforeAll(async () => {
  customer('mei', (s) => {
    s.traits = { name: 'Mei Lin', email: 'mei@example.com', phone: '+8613800000000' }
    s.locale = 'zh-CN'
    s.timezone = 'Asia/Shanghai'
    s.orders['A-1001'] = { order_id: 'A-1001', status: 'delayed', carrier: 'SF Express', tracking_number: 'SF1', estimated_delivery_at: Date.UTC(2026, 10, 24, 20), updated_at: NOW }
    s.orders['B-2'] = { order_id: 'B-2', status: 'payment_failed', updated_at: NOW }
    s.recent = [
      { messageId: 'm1', name: 'Product Viewed', ts: NOW - 60_000, properties: { product_id: 'P-77' } },
      { messageId: 'm2', name: 'Shipment Updated', ts: NOW, properties: { order_id: 'A-1001', status: 'delayed' } },
    ]
  })
  customer('new', (s) => {
    s.traits = { name: 'Sam' }
  })
  brokenDir = mkdtempSync(join(tmpdir(), 'careloop-api-tpl-'))
  mkdirSync(join(brokenDir, 'fails'))
  writeFileSync(join(brokenDir, 'fails', 'en.hbs'), '{{!-- @title --}}\n{{customer.nickname}}\n{{!-- @body --}}\nB\n')

  app = Fastify({ ajv: { customOptions: { allErrors: true } } })
  registerErrorHandler(app)
  const settings = { roleOfKey: async () => undefined } as unknown as SettingsStore
  await app.register(authPlugin, { configured: parseApiKeys('k-admin:admin,k-ops:ops,k-agent:agent:ana'), settings })
  await app.register(templateRoutes, {
    templates: {
      email: createTemplateRenderer(),
      channels: { sms: createChannelRenderer('sms'), voice: createChannelRenderer('voice'), push: createChannelRenderer('push', { dir: brokenDir }) },
      decorate: (vars, customerId, channel) => ({ ...vars, links: { ...vars.links, preferences: `https://care.example/l/p/${customerId}-${channel}` } }),
    },
    loadCustomer: async (id) => customers.get(id),
    shop: { name: 'Acme Home', url: 'https://shop.example' },
    clock: new ManualClock(NOW),
  })
  await app.ready()
})

afterAll(async () => {
  await app?.close()
  rmSync(brokenDir, { recursive: true, force: true })
})

const call = (method: 'GET' | 'POST', url: string, body?: unknown, key = 'k-ops') =>
  app.inject({ method, url, headers: key ? { authorization: `Bearer ${key}` } : {}, ...(body === undefined ? {} : { payload: body as object }) })

describe('GET /api/templates', () => {
  it('lists every configured channel with its templates and locales, for agents too', async () => {
    for (const key of ['k-agent', 'k-ops', 'k-admin']) {
      const res = await call('GET', '/api/templates', undefined, key)
      expect(res.statusCode).toBe(200)
      const { templates } = res.json() as { templates: { channel: string; id: string; locales: string[] }[] }
      expect(templates).toContainEqual({ channel: 'email', id: 'delayed-shipment', locales: ['en', 'zh-CN', 'zh-TW'] })
      expect(templates).toContainEqual({ channel: 'sms', id: 'long-dwell', locales: ['en', 'zh-CN', 'zh-TW'] })
      expect(templates.filter((t) => t.channel === 'voice').map((t) => t.id)).toEqual(['delayed-shipment', 'payment-failed'])
      expect([...new Set(templates.map((t) => t.channel))]).toEqual(['email', 'sms', 'push', 'voice'])
    }
  })

  it('401 without a key', async () => {
    expect((await call('GET', '/api/templates', undefined, '')).statusCode).toBe(401)
  })
})

describe('POST /api/templates/:channel/:id/preview', () => {
  it('email: the shopper’s latest event and its order, in the shopper’s locale', async () => {
    const res = await call('POST', '/api/templates/email/delayed-shipment/preview', { customerId: 'mei' })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body).toMatchObject({ channel: 'email', template: 'delayed-shipment', locale: 'zh-CN', subject: '抱歉，您的订单 A-1001 配送延误了' })
    expect(body.html).toMatch(/^<!DOCTYPE html>/)
    expect(body.text).toContain('Mei Lin，您好')
    expect(body.text).toContain('2026年11月25日星期三')
    expect(body.text).toContain('https://shop.example/help?ref=m2')
    expect(Object.keys(body).sort()).toEqual(['channel', 'html', 'locale', 'subject', 'template', 'text'])
  })

  it('sms: a given event, order and locale, with the links a send would add', async () => {
    const res = await call('POST', '/api/templates/sms/payment-failed/preview', {
      customerId: 'mei',
      event: { name: 'Payment Failed', properties: { order_id: 'B-2', reason: 'card_declined' }, ts: '2026-11-20T10:00:00Z' },
      locale: 'en-GB',
    })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({
      channel: 'sms',
      template: 'payment-failed',
      locale: 'en',
      parts: {
        text: [
          "Acme Home: Hi Mei Lin, your payment for order B-2 didn't go through. It happens, and it's easy to try again.",
          'Try again: https://shop.example/orders/B-2/pay',
          'Need help? Talk to a person: https://shop.example/help?ref=preview',
          'Stop or manage texts: https://care.example/l/p/mei-sms',
        ].join('\n'),
      },
    })
  })

  it('orderId picks the order; a shopper without events gets a stand-in event and en', async () => {
    const voice = await call('POST', '/api/templates/voice/delayed-shipment/preview', { customerId: 'mei', orderId: 'A-1001', event: { name: 'Check' } })
    expect(voice.statusCode).toBe(200)
    expect(voice.json().parts.say).toContain('订单 A-1001')
    const fresh = await call('POST', '/api/templates/sms/delayed-shipment/preview', { customerId: 'new' }, 'k-admin')
    expect(fresh.statusCode).toBe(200)
    expect(fresh.json()).toMatchObject({ locale: 'en', parts: { text: expect.stringMatching(/^Acme Home: Hi Sam, we're sorry: your order is running late\./) } })
  })

  it('404 for an unknown customer, template or order', async () => {
    const who = await call('POST', '/api/templates/email/delayed-shipment/preview', { customerId: 'nobody' })
    expect(who.statusCode).toBe(404)
    expect(who.json()).toMatchObject({ error: 'not_found', message: expect.stringContaining('no customer "nobody"') })
    const what = await call('POST', '/api/templates/sms/no-such/preview', { customerId: 'mei' })
    expect(what.statusCode).toBe(404)
    expect(what.json().message).toBe('no sms template "no-such"')
    expect((await call('POST', '/api/templates/voice/long-dwell/preview', { customerId: 'mei' })).statusCode).toBe(404)
    expect((await call('POST', '/api/templates/sms/delayed-shipment/preview', { customerId: 'mei', orderId: '__proto__' })).statusCode).toBe(404)
  })

  it('400 with field paths for an unknown channel and a bad body', async () => {
    const channel = await call('POST', '/api/templates/fax/delayed-shipment/preview', { customerId: 'mei' })
    expect(channel.statusCode).toBe(400)
    expect(channel.json().errors).toEqual([{ path: '/channel', message: 'must be one of email, sms, push, voice' }])
    // inapp has templates, but this server has no renderer for it.
    expect((await call('POST', '/api/templates/inapp/delayed-shipment/preview', { customerId: 'mei' })).json().errors[0].path).toBe('/channel')
    const missing = await call('POST', '/api/templates/sms/delayed-shipment/preview', { event: { properties: [] } })
    expect(missing.statusCode).toBe(400)
    const paths = (missing.json().errors as { path: string }[]).map((e) => e.path)
    expect(paths).toEqual(expect.arrayContaining(['/customerId', '/event/name']))
    const ts = await call('POST', '/api/templates/sms/delayed-shipment/preview', { customerId: 'mei', event: { name: 'X', ts: 'yesterday-ish' } })
    expect(ts.statusCode).toBe(400)
    expect(ts.json().errors).toEqual([{ path: '/event/ts', message: 'must be epoch milliseconds or an ISO 8601 date-time' }])
  })

  it('422 with the renderer’s message when a template fails to render', async () => {
    const res = await call('POST', '/api/templates/push/fails/preview', { customerId: 'mei' })
    expect(res.statusCode).toBe(422)
    expect(res.json()).toEqual({ error: 'render_failed', message: 'push template "fails" (en) failed to render: section @title rendered empty' })
  })

  it('401 without a key, 403 for an agent', async () => {
    const url = '/api/templates/email/delayed-shipment/preview'
    expect((await call('POST', url, { customerId: 'mei' }, '')).statusCode).toBe(401)
    const agent = await call('POST', url, { customerId: 'mei' }, 'k-agent')
    expect(agent.statusCode).toBe(403)
    expect(agent.json().error).toBe('forbidden')
  })
})
