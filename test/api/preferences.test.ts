// Message preferences: the consent summary and its defaults, partial updates that respect
// wildcard rows, the shopper's JSON API (shopper token, CORS) and the operator API (roles).
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerErrorHandler } from '../../src/api/errors.ts'
import { authPlugin, parseApiKeys } from '../../src/api/plugins/auth.ts'
import { preferencesRoutes } from '../../src/api/routes/preferences.ts'
import { ManualClock } from '../../src/lib/clock.ts'
import { mintShopperToken } from '../../src/lib/shopperToken.ts'
import { CHANNELS } from '../../src/model/channel.ts'
import { summarize } from '../../src/store/operational/ConsentStore.ts'
import { openOperationalStore, type OperationalStore } from '../../src/store/operational/OperationalStore.ts'
import { freshDataDir } from '../support/stores.ts'

const SECRET = 'shopper-secret-for-tests-0123456789'
const T0 = Date.UTC(2026, 6, 1, 10)
const clock = new ManualClock(T0)
let ops: OperationalStore
let app: FastifyInstance
let changes = 0

beforeAll(async () => {
  ops = await openOperationalStore({ dataDir: join(freshDataDir(), 'ops') })
  app = Fastify({ ajv: { customOptions: { allErrors: true } } })
  registerErrorHandler(app)
  await app.register(authPlugin, { configured: parseApiKeys('admin-key:admin:admin,ops-key:ops:olivia,agent-key:agent:alice'), settings: ops.settings })
  await app.register(preferencesRoutes, { ops, shopperTokenSecret: SECRET, clock, onConsentChanged: () => changes++ })
  await app.ready()
})
afterAll(async () => {
  await app?.close()
  await ops?.close()
})

const everything = (value: boolean) => Object.fromEntries(CHANNELS.map((c) => [c, { care: value, marketing: value }]))
const careOnly = () => Object.fromEntries(CHANNELS.map((c) => [c, { care: true, marketing: false }]))
const shopper = async (customerId: string) => ({ authorization: `Bearer ${(await mintShopperToken(SECRET, customerId, { ttlSeconds: 600, now: clock.now() })).token}` })
const key = (k: string) => ({ authorization: `Bearer ${k}` })

describe('ConsentStore preferences', () => {
  it('defaults to care on every channel and marketing nowhere until a recorded opt-in; a shop may configure otherwise', async () => {
    expect(await ops.consent.preferences('nobody')).toEqual({ channels: careOnly(), all: true, choices: [] })
    expect(summarize([])).toEqual({ channels: careOnly(), all: true, choices: [] })
    const permissive = { care: Object.fromEntries(CHANNELS.map((c) => [c, true])), marketing: Object.fromEntries(CHANNELS.map((c) => [c, true])) }
    expect(summarize([], permissive)).toEqual({ channels: everything(true), all: true, choices: [] })
  })

  it('a marketing opt-in is recorded with its source and time and shown with the summary', async () => {
    const prefs = await ops.consent.update('optin', { channels: { email: { marketing: true } } }, 'preferences', T0 + 5)
    expect(prefs.channels.email).toEqual({ care: true, marketing: true })
    expect(prefs.channels.sms).toEqual({ care: true, marketing: false })
    expect(prefs.choices).toEqual([{ channel: 'email', topic: 'marketing', status: 'opted_in', source: 'preferences', updatedAt: T0 + 5 }])
  })

  it('reads wildcard rows, and "stop everything" leaves the per-channel choices in place', async () => {
    await ops.consent.set('w1', 'sms', '*', 'opted_out', T0, 'provider')
    await ops.consent.set('w1', '*', 'marketing', 'opted_out', T0)
    await ops.consent.set('w1', '*', '*', 'opted_out', T0, 'one-click')
    const prefs = await ops.consent.preferences('w1')
    expect(prefs.all).toBe(false)
    expect(prefs.channels.sms).toEqual({ care: false, marketing: false })
    expect(prefs.channels.email).toEqual({ care: true, marketing: false })
    expect((await ops.consent.list('w1')).map((r) => [r.channel, r.topic, r.source])).toEqual([
      ['*', '*', 'one-click'],
      ['*', 'marketing', 'api'],
      ['sms', '*', 'provider'],
    ])
  })

  it('a partial update lifts only what it names; wildcard opt-outs are spelled out, not lost', async () => {
    // w1: no SMS at all, no marketing anywhere, and stopped. Now: "SMS about my orders is fine".
    const after = await ops.consent.update('w1', { channels: { sms: { care: true } } }, 'preferences', T0 + 1)
    expect(after.channels.sms).toEqual({ care: true, marketing: false })
    expect(after.channels.email).toEqual({ care: true, marketing: false })
    expect(after.all).toBe(false)
    expect(await ops.consent.isOptedOut('w1', 'sms', 'care')).toBe(true) // still stopped overall
    const lifted = await ops.consent.update('w1', { all: true }, 'preferences', T0 + 2)
    expect({ ...lifted, choices: [] }).toEqual({ ...after, all: true, choices: [] })
    expect(await ops.consent.isOptedOut('w1', 'sms', 'care')).toBe(false)
    expect(await ops.consent.isOptedOut('w1', 'sms', 'marketing')).toBe(true)
    expect(await ops.consent.isOptedOut('w1', 'push', 'marketing')).toBe(true)
    expect(await ops.consent.isOptedOut('w1', 'push', 'care')).toBe(false)
  })

  it('an update that changes nothing writes nothing', async () => {
    await ops.consent.update('quiet', { channels: { email: { care: true } }, all: true }, 'api', T0)
    expect(await ops.consent.list('quiet')).toEqual([])
  })
})

describe('/v1/preferences (shopper token)', () => {
  it('reads and changes the shopper’s own preferences, source "preferences"', async () => {
    const headers = await shopper('sam')
    const got = await app.inject({ method: 'GET', url: '/v1/preferences', headers })
    expect(got.statusCode).toBe(200)
    expect(got.json()).toEqual({ channels: careOnly(), all: true, choices: [] })
    expect(got.headers['access-control-allow-origin']).toBe('*')

    const before = changes
    const put = await app.inject({ method: 'PUT', url: '/v1/preferences', headers, payload: { channels: { email: { marketing: true } } } })
    expect(put.statusCode).toBe(200)
    expect(put.json().channels.email).toEqual({ care: true, marketing: true })
    expect(put.json().choices).toEqual([{ channel: 'email', topic: 'marketing', status: 'opted_in', source: 'preferences', updatedAt: clock.now() }])
    expect(changes).toBe(before + 1)
    expect((await ops.consent.list('sam'))[0]).toMatchObject({ channel: 'email', topic: 'marketing', status: 'opted_in', source: 'preferences' })
  })

  it('400 with field paths for unknown channels and topics', async () => {
    const headers = await shopper('sam')
    const res = await app.inject({ method: 'PUT', url: '/v1/preferences', headers, payload: { channels: { fax: { care: false }, email: { promo: false, care: 'no' } }, extra: 1 } })
    expect(res.statusCode).toBe(400)
    expect(res.json().errors.map((e: { path: string }) => e.path).sort()).toEqual(['/channels/email/care', '/channels/email/promo', '/channels/fax', '/extra'])
    expect(await ops.consent.isOptedOut('sam', 'fax', 'care')).toBe(false)
  })

  it('401 without a shopper token, before the body is looked at; preflight allows PUT and Authorization', async () => {
    const res = await app.inject({ method: 'PUT', url: '/v1/preferences', payload: { channels: { fax: {} } } })
    expect(res.statusCode).toBe(401)
    expect(res.headers['access-control-allow-origin']).toBe('*')
    const pre = await app.inject({ method: 'OPTIONS', url: '/v1/preferences', headers: { origin: 'https://shop.test', 'access-control-request-method': 'PUT' } })
    expect(pre.statusCode).toBe(204)
    expect(pre.headers['access-control-allow-methods']).toMatch(/PUT/)
    expect(pre.headers['access-control-allow-headers']).toMatch(/Authorization/)
  })
})

describe('/api/customers/:id/preferences (operators)', () => {
  it('ops read and change with source "api"; agents may not; a shopper token is no API key', async () => {
    const put = await app.inject({ method: 'PUT', url: '/api/customers/olga/preferences', headers: key('ops-key'), payload: { all: false } })
    expect(put.statusCode).toBe(200)
    expect(put.json()).toMatchObject({ customerId: 'olga', all: false })
    const got = await app.inject({ method: 'GET', url: '/api/customers/olga/preferences', headers: key('admin-key') })
    expect(got.json()).toMatchObject({ customerId: 'olga', all: false, channels: careOnly(), rows: [{ channel: '*', topic: '*', status: 'opted_out', source: 'api' }] })
    expect((await app.inject({ method: 'GET', url: '/api/customers/olga/preferences', headers: key('agent-key') })).statusCode).toBe(403)
    expect((await app.inject({ method: 'GET', url: '/api/customers/olga/preferences', headers: await shopper('olga') })).statusCode).toBe(401)
    const bad = await app.inject({ method: 'PUT', url: '/api/customers/olga/preferences', headers: key('ops-key'), payload: { channels: { pigeon: { care: true } } } })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().errors[0].path).toBe('/channels/pigeon')
  })
})
