// Every route's door: walks the route table the server collected while routes were registered and
// proves each route that declares roles refuses no key (401) and every role it does not allow
// (403), and each public route is guarded as the reviewed public list says.
import Fastify from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { mintShopperToken } from '../../src/lib/shopperToken.ts'
import { requireRole, roleAllowed, type ApiRole } from '../../src/api/plugins/auth.ts'
import { PUBLIC_ROUTES } from '../../src/api/plugins/publicRoutes.ts'
import { routeTablePlugin, type RouteEntry } from '../../src/api/plugins/routeTable.ts'
import { KEYS, startEngine, WRITE_KEY, type TestEngine } from '../support/careloop.ts'

const APPROVER_KEY = 'approver-key'
const METRICS_TOKEN = 'prometheus-bearer-token'
/** One key per role (the ingest key is a managed key, created once the engine runs). */
const KEY_OF: Record<ApiRole, string> = { admin: KEYS.admin, ops: KEYS.ops, agent: KEYS.alice, approver: APPROVER_KEY, ingest: '' }
const ROLES = Object.keys(KEY_OF) as ApiRole[]

let engine: TestEngine
let table: RouteEntry[]
const clock = new ManualClock(Date.UTC(2026, 6, 1, 10))

beforeAll(async () => {
  engine = await startEngine({
    clock,
    config: {
      apiKeys: `${KEYS.admin}:admin:admin,${KEYS.ops}:ops:olivia,${KEYS.alice}:agent:alice,${APPROVER_KEY}:approver:ann`,
      metricsToken: METRICS_TOKEN,
    },
  })
  table = engine.app.server.routeTable
  const created = await engine.api('POST', '/api/keys', { name: 'shop site', role: 'ingest', source: 'web' })
  expect(created.status).toBe(201)
  KEY_OF.ingest = created.body.key
})
let stopped = false
afterAll(async () => {
  if (!stopped) await engine?.app.stop()
})

/** A concrete URL for a route pattern: every parameter and wildcard filled with a made-up value. */
const concrete = (url: string): string => url.replace(/:[A-Za-z0-9_]+/g, 'x1').replace(/\*$/, 'x1')

const call = (entry: RouteEntry, authorization?: string) =>
  engine.app.server.inject({
    method: entry.method as 'GET',
    url: concrete(entry.url),
    headers: { ...(authorization ? { authorization } : {}), 'content-type': 'application/json' },
    ...(entry.method === 'GET' || entry.method === 'HEAD' || entry.method === 'OPTIONS' ? {} : { payload: '{}' }),
  })

const bearer = (key: string) => `Bearer ${key}`
const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`
const label = (e: RouteEntry) => `${e.method} ${e.url}`

describe('the route table', () => {
  it('holds every route, including the console, the docs and /metrics', () => {
    const routes = new Set(table.map(label))
    for (const expected of ['GET /metrics', 'GET /docs/json', 'GET /console/*', 'GET /console/vendor/preact.module.js', 'POST /v1/batch', 'GET /api/tasks', 'GET /healthz', 'GET /api/customers/:id/export', 'DELETE /api/customers/:id', 'GET /api/erasures/:id', 'GET /api/suppressions', 'DELETE /api/suppressions/:id']) {
      expect(routes, expected).toContain(expected)
    }
    expect(table.length).toBeGreaterThan(80)
  })

  it('every route outside the public list declares its roles, and every public entry is used', () => {
    for (const entry of table) if (entry.access.kind === 'public') expect(entry.url.startsWith('/api/'), label(entry)).toBe(false)
    const used = new Set(table.flatMap((e) => (e.access.kind === 'public' ? [e.access.entry] : [])))
    for (const entry of PUBLIC_ROUTES) expect(used.has(entry), `${entry.url} is on the public list but no route uses it`).toBe(true)
  })
})

describe('routes with roles', () => {
  it('refuse a request without a key (401) and a key that is not known (401)', async () => {
    const guarded = table.filter((e) => e.access.kind === 'roles')
    expect(guarded.length).toBeGreaterThan(60)
    for (const entry of guarded) {
      expect((await call(entry)).statusCode, `${label(entry)} without a key`).toBe(401)
      expect((await call(entry, bearer('not-a-key'))).statusCode, `${label(entry)} with an unknown key`).toBe(401)
      // A write key is no API key.
      expect((await call(entry, basic(WRITE_KEY))).statusCode, `${label(entry)} with the write key`).toBe(401)
    }
  })

  it('refuse every role they do not allow (403), before reading the body', async () => {
    let refusals = 0
    for (const entry of table) {
      if (entry.access.kind !== 'roles') continue
      for (const role of ROLES) {
        if (roleAllowed(role, entry.access.roles)) continue
        const res = await call(entry, bearer(KEY_OF[role]))
        expect(res.statusCode, `${label(entry)} as ${role}`).toBe(403)
        if (entry.method !== "HEAD") expect(res.json().error).toBe("forbidden")
        refusals++
      }
    }
    expect(refusals).toBeGreaterThan(40)
  })

  it('let an allowed role through the door (the answer is not 401 or 403)', async () => {
    for (const entry of table) {
      if (entry.access.kind !== 'roles' || entry.method !== 'GET') continue
      const res = await call(entry, bearer(KEYS.admin))
      expect([401, 403], `${label(entry)} as admin: ${res.body}`).not.toContain(res.statusCode)
    }
  })
})

describe('public routes', () => {
  const publicOf = (guard: string) => table.filter((e) => e.access.kind === 'public' && e.access.entry.guard === guard)

  it('ingest refuses a missing and a wrong write key, and an API key in place of it', async () => {
    const ingest = publicOf('write-key')
    expect(ingest.map(label).sort()).toEqual(['POST /v1/alias', 'POST /v1/batch', 'POST /v1/group', 'POST /v1/identify', 'POST /v1/page', 'POST /v1/screen', 'POST /v1/t', 'POST /v1/track'])
    for (const entry of ingest) {
      for (const auth of [undefined, basic('wrong-write-key'), bearer(KEYS.admin), basic('')]) {
        const res = await call(entry, auth)
        expect(res.statusCode, `${label(entry)} with ${auth}`).toBe(401)
      }
      // A bootstrap API key is no write key; a managed ingest key is one.
      expect((await call(entry, basic(KEYS.alice))).statusCode, `${label(entry)} with an agent key`).toBe(401)
      // The beacon (/v1/t) takes its write key in the body instead.
      if (entry.url !== '/v1/t') expect((await call(entry, basic(KEY_OF.ingest))).statusCode, `${label(entry)} with an ingest key`).not.toBe(401)
    }
  })

  it('shopper routes refuse no token, an API key and a forged token (401), and take a real one', async () => {
    const shopper = publicOf('shopper-token')
    expect(shopper.length).toBeGreaterThanOrEqual(5)
    const forged = (await mintShopperToken('another-secret', 'c1', { now: clock.now(), ttlSeconds: 3600 })).token
    for (const entry of shopper) {
      for (const auth of [undefined, bearer(KEYS.admin), bearer(forged)]) {
        expect((await call(entry, auth)).statusCode, `${label(entry)} with ${auth}`).toBe(401)
      }
    }
    const real = (await mintShopperToken(engine.app.shopperTokenSecret, 'c1', { now: clock.now(), ttlSeconds: 3600 })).token
    const res = await engine.app.server.inject({ method: 'GET', url: '/v1/inbox', headers: { authorization: bearer(real) } })
    expect(res.statusCode).toBe(200)
  })

  it('signed links and provider callbacks refuse a made-up token', async () => {
    const links = publicOf('signed-link')
    expect(links.length).toBeGreaterThanOrEqual(10)
    for (const entry of links) {
      const res = await call(entry)
      if (entry.url === '/l/o/*') {
        // The open pixel is a picture whatever the token (a mail client must never see an error);
        // a bad token records nothing.
        expect(res.statusCode).toBe(200)
        expect(res.headers['content-type']).toBe('image/gif')
        continue
      }
      expect(res.statusCode, `${label(entry)}: ${res.body}`).toBeGreaterThanOrEqual(400)
      expect(res.statusCode, `${label(entry)}: ${res.body}`).toBeLessThan(500)
    }
  })
})

describe('/metrics', () => {
  const scrape = (authorization?: string) => engine.app.server.inject({ method: 'GET', url: '/metrics', headers: authorization ? { authorization } : {} })

  it('needs an admin or ops key, or the metrics token', async () => {
    expect((await scrape()).statusCode).toBe(401)
    expect((await scrape(bearer(KEYS.alice))).statusCode).toBe(403)
    expect((await scrape(bearer('wrong-token'))).statusCode).toBe(401)
    for (const key of [KEYS.admin, KEYS.ops, APPROVER_KEY, METRICS_TOKEN]) {
      const res = await scrape(bearer(key))
      expect(res.statusCode, key).toBe(200)
      expect(res.body).toContain('careloop_events_in_total')
    }
  })

  it('the metrics token opens /metrics only', async () => {
    const res = await engine.app.server.inject({ method: 'GET', url: '/api/me', headers: { authorization: bearer(METRICS_TOKEN) } })
    expect(res.statusCode).toBe(401)
  })

  // Last of the engine tests: chDB allows one data directory per process, so the shared engine stops first.
  it('with a separate address, /metrics is served there without a key and not on the API address', async () => {
    await engine.app.stop()
    stopped = true
    const separate = await startEngine({ clock, config: { metricsListen: { host: '127.0.0.1', port: 0 } } })
    try {
      expect((await separate.app.server.inject({ method: 'GET', url: '/metrics', headers: { authorization: bearer(KEYS.admin) } })).statusCode).toBe(404)
      const url = separate.app.metricsUrl
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const res = await fetch(`${url}/metrics`)
      expect(res.status).toBe(200)
      expect(await res.text()).toContain('careloop_events_in_total')
      expect((await fetch(`${url}/api/me`)).status).toBe(404)
    } finally {
      await separate.app.stop()
    }
  })
})

describe('default deny', () => {
  it('a route that neither declares roles nor is on the public list stops the server from starting', async () => {
    const app = Fastify()
    const start = async () => {
      await app.register(routeTablePlugin)
      await app.register(async (child) => {
        child.get('/api/forgotten', async () => ({ secret: true }))
      })
      await app.ready()
    }
    await expect(start()).rejects.toThrow(/GET \/api\/forgotten declares no roles/)
  })

  it('a route with roles, or on the public list, starts', async () => {
    const app = Fastify()
    await app.register(routeTablePlugin)
    app.get('/api/fine', { preHandler: requireRole('ops') }, async () => ({}))
    app.get('/healthz', async () => ({}))
    await app.ready()
    expect(app.routeTable.map(label)).toEqual(['GET /api/fine', 'HEAD /api/fine', 'GET /healthz', 'HEAD /healthz'])
    await app.close()
  })
})
