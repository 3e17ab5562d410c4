// Managed API keys through the API: create (shown once), list, rotate, revoke; ingest keys are
// write keys that cannot read the API, agent keys cannot ingest; reads of shopper data are audited.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { KEYS, useEngine, WRITE_KEY } from '../support/careloop.ts'

const clock = new ManualClock(Date.UTC(2026, 6, 1, 10))
const engine = useEngine({ clock })

const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`
const track = (key: string, n: number) =>
  fetch(`${engine().url}/v1/track`, {
    method: 'POST',
    headers: { authorization: basic(key), 'content-type': 'application/json' },
    body: JSON.stringify({ messageId: `keys-${n}`, userId: 'keys-u1', event: 'Viewed', timestamp: '2026-07-01T09:00:00Z' }),
  })

describe('managed API keys', () => {
  it('the bootstrap write key sent as an API key gets a 401 that says what it is', async () => {
    const res = await fetch(`${engine().url}/api/me`, { headers: { authorization: `Bearer ${WRITE_KEY}` } })
    expect(res.status).toBe(401)
    expect(((await res.json()) as { message: string }).message).toMatch(/^this is the write key: it sends events to \/v1\/\*/)
    const unknown = await fetch(`${engine().url}/api/me`, { headers: { authorization: 'Bearer not-a-key' } })
    expect(((await unknown.json()) as { message: string }).message).toBe('unknown API key')
  })

  it('creates a key shown once, which then works in its role; the list never shows it', async () => {
    const created = await engine().api('POST', '/api/keys', { name: 'Ana (agent)', role: 'agent' })
    expect(created.status).toBe(201)
    const secret = created.body.key as string
    expect(secret).toMatch(/^ck_/)
    expect(created.body.prefix).toBe(secret.slice(0, 10))
    expect((await engine().api('GET', '/api/me', undefined, secret)).body).toMatchObject({ role: 'agent', name: 'Ana (agent)' })
    const list = await engine().api('GET', '/api/keys')
    expect(list.status).toBe(200)
    expect(JSON.stringify(list.body)).not.toContain(secret)
    expect(list.body.keys.find((k: { id: string }) => k.id === created.body.id)).toMatchObject({ name: 'Ana (agent)', role: 'agent', createdBy: 'admin', lastUsedAt: clock.now() })
    // Only admin manages keys.
    expect((await engine().api('GET', '/api/keys', undefined, KEYS.ops)).status).toBe(403)
    expect((await engine().api('POST', '/api/keys', { name: 'x', role: 'admin' }, secret)).status).toBe(403)
  })

  it('revoke: the key gets 401 at once; rotate: the old secret 401, the new one works', async () => {
    const created = (await engine().api('POST', '/api/keys', { name: 'ops two', role: 'ops' })).body
    expect((await engine().api('GET', '/api/rules', undefined, created.key)).status).toBe(200)
    const rotated = await engine().api('POST', `/api/keys/${created.id}/rotate`)
    expect(rotated.status).toBe(200)
    expect(rotated.body).toMatchObject({ name: 'ops two', role: 'ops', replaced: created.id })
    expect((await engine().api('GET', '/api/rules', undefined, created.key)).status).toBe(401)
    expect((await engine().api('GET', '/api/rules', undefined, rotated.body.key)).status).toBe(200)
    expect((await engine().api('POST', `/api/keys/${created.id}/rotate`)).status).toBe(404)

    expect((await engine().api('DELETE', `/api/keys/${rotated.body.id}`)).status).toBe(200)
    const refused = await engine().api('GET', '/api/rules', undefined, rotated.body.key)
    expect(refused.status).toBe(401)
    expect(refused.body.message).toContain('revoked')
    expect((await engine().api('DELETE', `/api/keys/${rotated.body.id}`)).status).toBe(404)
    const audit = (await engine().api('GET', '/api/audit?entity=api_key')).body.entries.map((e: { action: string; entityId: string }) => `${e.action} ${e.entityId}`)
    expect(audit).toEqual(expect.arrayContaining([`key.create ${created.id}`, `key.rotate ${created.id}`, `key.revoke ${rotated.body.id}`]))
  })

  it('an ingest key sends events (one per source) but cannot read the API; an agent key cannot ingest', async () => {
    const ingest = await engine().api('POST', '/api/keys', { name: 'web shop', role: 'ingest', source: 'web' })
    expect(ingest.status).toBe(201)
    expect(ingest.body.key).toMatch(/^wk_/)
    expect((await engine().api('POST', '/api/keys', { name: 'web again', role: 'ingest', source: 'web' })).status).toBe(409)
    expect((await engine().api('POST', '/api/keys', { name: 'no source', role: 'ingest' })).status).toBe(400)
    expect((await track(ingest.body.key, 1)).status).toBe(200)
    for (const path of ['/api/me', '/api/tasks', '/api/keys', '/api/customers/keys-u1/timeline']) {
      expect((await engine().api('GET', path, undefined, ingest.body.key)).status, path).toBe(403)
    }
    const agent = (await engine().api('POST', '/api/keys', { name: 'agent b', role: 'agent' })).body.key
    expect((await track(agent, 2)).status).toBe(403)
    expect((await engine().api('DELETE', `/api/keys/${ingest.body.id}`)).status).toBe(200)
    expect((await track(ingest.body.key, 3)).status).toBe(401)
    // The bootstrap write key keeps working beside the managed ones.
    expect((await engine().ingest([{ type: 'track', messageId: 'keys-4', userId: 'keys-u1', event: 'Viewed', timestamp: '2026-07-01T09:00:00Z' }])).status).toBe(200)
  })

  it('reading a timeline is audited: who, what, when', async () => {
    expect((await engine().api('GET', '/api/customers/keys-u1/timeline', undefined, KEYS.alice)).status).toBe(200)
    const entries = (await engine().api('GET', '/api/audit?action=customer.read.timeline')).body.entries
    expect(entries[0]).toMatchObject({ actor: 'alice', role: 'agent', entityType: 'customer', entityId: 'keys-u1', at: clock.now() })
  })

  it('reading a task page and its hand-off is audited; a refused read is not', async () => {
    const now = clock.now()
    await engine().app.ops.tasks.insertOnce({ id: 'keys-task-1', idempotencyKey: 'keys-task-1', customerId: 'keys-u1', queue: 'default', priority: 'normal', priorityRank: 2, title: 'Call back', ruleId: 'manual', ruleVersion: 1, signal: {}, context: {}, slaDueAt: now + 3_600_000, createdAt: now })
    expect((await engine().api('GET', '/api/tasks/keys-task-1', undefined, KEYS.bob)).status).toBe(200)
    expect((await engine().api('GET', '/api/tasks/keys-task-1/context', undefined, KEYS.bob)).status).toBe(200)
    expect((await engine().api('GET', '/api/tasks/keys-task-1', undefined, 'not-a-key')).status).toBe(401)
    const entries = (await engine().api('GET', '/api/audit?entity=task&id=keys-task-1')).body.entries
    expect(entries.map((e: { action: string; actor: string; at: number }) => `${e.action} ${e.actor} ${e.at}`)).toEqual([`task.read.handoff bob ${now}`, `task.read bob ${now}`])
  })

  it('hostile names: stored as given or refused with the field path, never a 5xx', async () => {
    const name = fc.oneof(fc.string({ maxLength: 250 }), fc.string({ unit: 'binary', maxLength: 50 }), fc.constantFrom('__proto__', 'constructor', '\u0000', '\ud800', '', ' ', 'a\u0000b'))
    await fc.assert(
      fc.asyncProperty(name, async (n) => {
        const res = await engine().api('POST', '/api/keys', { name: n, role: 'agent' })
        expect(res.status, JSON.stringify(res.body)).toBeLessThan(500)
        if (res.status === 201) {
          const listed = (await engine().api('GET', '/api/keys')).body.keys.find((k: { id: string }) => k.id === res.body.id)
          expect(listed.name).toBe(res.body.name)
          expect((await engine().api('DELETE', `/api/keys/${res.body.id}`)).status).toBe(200)
        } else {
          expect(res.status).toBe(400)
          expect(res.body.errors[0].path).toMatch(/name/)
        }
      }),
      { numRuns: 40, seed: 20261204 },
    )
  })
})
