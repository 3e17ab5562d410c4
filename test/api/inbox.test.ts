// The shopper-facing inbox: shopper tokens (not API keys), one shopper never reaches another's
// messages, clear 401s, and CORS so a shop's page can call it from the browser.
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerErrorHandler } from '../../src/api/errors.ts'
import { authPlugin, parseApiKeys } from '../../src/api/plugins/auth.ts'
import { inboxRoutes } from '../../src/api/routes/inbox.ts'
import { ManualClock } from '../../src/lib/clock.ts'
import { mintShopperToken, verifyShopperToken } from '../../src/lib/shopperToken.ts'
import { InboxStore } from '../../src/store/operational/InboxStore.ts'
import { openOperationalStore, type OperationalStore } from '../../src/store/operational/OperationalStore.ts'
import { freshDataDir } from '../support/stores.ts'

const SECRET = 'shopper-secret-for-tests-0123456789'
const T0 = Date.UTC(2026, 6, 1, 10)
const clock = new ManualClock(T0)
let ops: OperationalStore
let inbox: InboxStore
let app: FastifyInstance

beforeAll(async () => {
  ops = await openOperationalStore({ dataDir: join(freshDataDir(), 'ops') })
  inbox = new InboxStore(ops.db)
  app = Fastify({ ajv: { customOptions: { allErrors: true } } })
  registerErrorHandler(app)
  await app.register(authPlugin, { configured: parseApiKeys('admin-key:admin:admin,ops-key:ops:olivia,agent-key:agent:alice'), settings: ops.settings })
  await app.register(inboxRoutes, { ops, shopperTokenSecret: SECRET, clock })
  await app.ready()
  for (const [id, customerId, at] of [['m1', 'ann', T0 - 3000], ['m2', 'ann', T0 - 2000], ['b1', 'bob', T0 - 1000]] as const) {
    await inbox.deliver({ id, customerId, template: 'delayed-shipment', title: `Hello ${id}`, body: 'Your parcel is late', link: 'https://shop.test/orders/1', data: { cta: 'Track' }, createdAt: at })
  }
})
afterAll(async () => {
  await app?.close()
  await ops?.close()
})

const token = async (customerId: string, ttlSeconds = 3600) => (await mintShopperToken(SECRET, customerId, { ttlSeconds, now: clock.now() })).token
const bearer = (t: string) => ({ authorization: `Bearer ${t}` })

describe('shopper tokens', () => {
  it('round-trip, expire, and reject other audiences, secrets and algorithms', async () => {
    const t = await token('ann', 600)
    expect(await verifyShopperToken(SECRET, t, clock.now())).toBe('ann')
    expect(await verifyShopperToken(SECRET, t, clock.now() + 601_000 + 30_000)).toBeUndefined()
    expect(await verifyShopperToken('another-secret', t, clock.now())).toBeUndefined()
    const key = new TextEncoder().encode(SECRET)
    const iat = Math.floor(clock.now() / 1000)
    const otherAudience = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('ann').setAudience('someone-else').setExpirationTime(iat + 600).sign(key)
    expect(await verifyShopperToken(SECRET, otherAudience, clock.now())).toBeUndefined()
    const noExpiry = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('ann').setAudience('careloop:shopper').sign(key)
    expect(await verifyShopperToken(SECRET, noExpiry, clock.now())).toBeUndefined()
    // A shop's own backend needs no iss; a wrong iss is refused.
    const shopMinted = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('ann').setAudience('careloop:shopper').setExpirationTime(iat + 600).sign(key)
    expect(await verifyShopperToken(SECRET, shopMinted, clock.now())).toBe('ann')
    const wrongIssuer = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('ann').setAudience('careloop:shopper').setIssuer('evil').setExpirationTime(iat + 600).sign(key)
    expect(await verifyShopperToken(SECRET, wrongIssuer, clock.now())).toBeUndefined()
  })
})

describe('GET /v1/inbox', () => {
  it("lists the shopper's own messages newest first with the unread count, without any API key", async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/inbox', headers: bearer(await token('ann')) })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body.unread).toBe(2)
    expect(body.messages.map((m: { id: string }) => m.id)).toEqual(['m2', 'm1'])
    expect(body.messages[0]).toMatchObject({ title: 'Hello m2', body: 'Your parcel is late', link: 'https://shop.test/orders/1', data: { cta: 'Track' }, readAt: null })
    expect(body.messages[0].customerId).toBeUndefined()
    expect(res.headers['access-control-allow-origin']).toBe('*')
  })

  it('401 with a clear message: missing, malformed, forged, expired, or an API key instead of a shopper token', async () => {
    const missing = await app.inject({ method: 'GET', url: '/v1/inbox' })
    expect(missing.statusCode).toBe(401)
    expect(missing.json().message).toMatch(/missing Authorization: Bearer <shopper token>/)
    expect(missing.headers['access-control-allow-origin']).toBe('*')

    expect((await app.inject({ method: 'GET', url: '/v1/inbox', headers: { authorization: 'Token abc' } })).json().message).toMatch(/must be "Bearer/)

    const good = await token('ann')
    const forged = good.slice(0, -3) + (good.at(-3) === 'A' ? 'B' : 'A') + good.slice(-2)
    const bad = await app.inject({ method: 'GET', url: '/v1/inbox', headers: bearer(forged) })
    expect(bad.statusCode).toBe(401)
    expect(bad.json().message).toBe('shopper token is not valid')
    expect((await app.inject({ method: 'GET', url: '/v1/inbox', headers: bearer('admin-key') })).statusCode).toBe(401)

    const short = await token('ann', 60)
    clock.advance(2 * 3600_000)
    try {
      const expired = await app.inject({ method: 'GET', url: '/v1/inbox', headers: bearer(short) })
      expect(expired.statusCode).toBe(401)
      expect(expired.json().message).toMatch(/expired/)
    } finally {
      clock.set(T0)
    }
  })
})

describe('read and dismiss', () => {
  it("404 for another shopper's message and for unknown ids; nothing changes", async () => {
    const bob = await token('bob')
    for (const action of ['read', 'dismiss']) {
      expect((await app.inject({ method: 'POST', url: `/v1/inbox/m1/${action}`, headers: bearer(bob) })).statusCode).toBe(404)
      expect((await app.inject({ method: 'POST', url: `/v1/inbox/nope/${action}`, headers: bearer(bob) })).statusCode).toBe(404)
    }
    expect(await inbox.get('ann', 'm1')).toMatchObject({ readAt: null, dismissedAt: null })
  })

  it('marks read and dismisses, returning the new unread count', async () => {
    const ann = bearer(await token('ann'))
    const read = await app.inject({ method: 'POST', url: '/v1/inbox/m1/read', headers: ann })
    expect(read.statusCode).toBe(200)
    expect(read.json()).toEqual({ ok: true, unread: 1 })
    expect((await app.inject({ method: 'POST', url: '/v1/inbox/m1/read', headers: ann })).json()).toEqual({ ok: true, unread: 1 })

    expect((await app.inject({ method: 'POST', url: '/v1/inbox/m2/dismiss', headers: ann })).json()).toEqual({ ok: true, unread: 0 })
    const list = (await app.inject({ method: 'GET', url: '/v1/inbox', headers: ann })).json()
    expect(list.messages.map((m: { id: string }) => m.id)).toEqual(['m1'])
    const all = (await app.inject({ method: 'GET', url: '/v1/inbox?includeDismissed=true', headers: ann })).json()
    expect(all.messages.map((m: { id: string }) => m.id)).toEqual(['m2', 'm1'])
  })
})

describe('a known shopper merged from an anonymous one', () => {
  it("reads and marks what was delivered to the anonymous id before the merge; the anonymous token and other shoppers do not see the known shopper's messages", async () => {
    await inbox.deliver({ id: 'a1', customerId: 'anon:dev-7', template: 'help', title: 'Need help?', body: 'Ask us', link: null, data: {}, createdAt: T0 - 500 })
    await inbox.deliver({ id: 'k1', customerId: 'kim', template: 'help', title: 'Welcome back', body: 'Hi', link: null, data: {}, createdAt: T0 - 100 })
    const kim = bearer(await token('kim'))
    const before = (await app.inject({ method: 'GET', url: '/v1/inbox', headers: kim })).json()
    expect(before.messages.map((m: { id: string }) => m.id)).toEqual(['k1'])
    expect((await app.inject({ method: 'POST', url: '/v1/inbox/a1/read', headers: kim })).statusCode).toBe(404)

    await ops.identity.write({ links: [{ anonymousId: 'dev-7', userId: 'kim', at: T0 }], conflicts: [] })
    const after = (await app.inject({ method: 'GET', url: '/v1/inbox', headers: kim })).json()
    expect(after).toMatchObject({ unread: 2 })
    expect(after.messages.map((m: { id: string }) => m.id)).toEqual(['k1', 'a1'])
    expect((await app.inject({ method: 'POST', url: '/v1/inbox/a1/read', headers: kim })).json()).toEqual({ ok: true, unread: 1 })

    const anonymous = (await app.inject({ method: 'GET', url: '/v1/inbox', headers: bearer(await token('anon:dev-7')) })).json()
    expect(anonymous.messages.map((m: { id: string }) => m.id)).toEqual(['a1'])
    expect((await app.inject({ method: 'POST', url: '/v1/inbox/a1/dismiss', headers: bearer(await token('bob')) })).statusCode).toBe(404)
  })
})

describe('CORS', () => {
  it('answers the preflight allowing Authorization', async () => {
    for (const url of ['/v1/inbox', '/v1/inbox/m1/read', '/v1/inbox/m1/dismiss']) {
      const res = await app.inject({ method: 'OPTIONS', url, headers: { origin: 'https://shop.test', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' } })
      expect(res.statusCode).toBe(204)
      expect(res.headers['access-control-allow-origin']).toBe('*')
      expect(String(res.headers['access-control-allow-headers'])).toMatch(/Authorization/)
      expect(String(res.headers['access-control-allow-methods'])).toMatch(url === '/v1/inbox' ? /GET/ : /POST/)
    }
  })
})

describe('POST /api/shopper-tokens', () => {
  it('ops and admin mint tokens that open the inbox; agents and anonymous callers may not', async () => {
    for (const key of ['ops-key', 'admin-key']) {
      const res = await app.inject({ method: 'POST', url: '/api/shopper-tokens', headers: bearer(key), payload: { customerId: 'ann', ttlSeconds: 600 } })
      expect(res.statusCode).toBe(200)
      const { token: t, expiresAt } = res.json()
      expect(expiresAt).toBe(Math.floor(T0 / 1000) * 1000 + 600_000)
      expect((await app.inject({ method: 'GET', url: '/v1/inbox', headers: bearer(t) })).statusCode).toBe(200)
    }
    expect((await app.inject({ method: 'POST', url: '/api/shopper-tokens', headers: bearer('agent-key'), payload: { customerId: 'ann' } })).statusCode).toBe(403)
    expect((await app.inject({ method: 'POST', url: '/api/shopper-tokens', payload: { customerId: 'ann' } })).statusCode).toBe(401)
    const invalid = await app.inject({ method: 'POST', url: '/api/shopper-tokens', headers: bearer('ops-key'), payload: { ttlSeconds: 5 } })
    expect(invalid.statusCode).toBe(400)
    expect(invalid.json().errors.map((e: { path: string }) => e.path).sort()).toEqual(['/customerId', '/ttlSeconds'])
  })
})
