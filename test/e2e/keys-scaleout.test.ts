// A revoked key is refused at once by every process: two engine processes share one PostgreSQL
// (and a Kafka consumer group); a key made and revoked through one is refused by the other on its
// very next request, for API keys and ingest (write) keys alike.
import { beforeAll, describe, expect, it } from 'vitest'
import { randomUUID } from 'node:crypto'
import { KEYS } from '../support/careloop.ts'
import type { EngineProcess } from '../support/process.ts'
import { requireServers } from '../support/requireServers.ts'
import { useScaleOutCluster } from '../support/scaleOutCluster.ts'

if (requireServers('key revocation across engine processes on one PostgreSQL')) describe('keys across processes', () => {
  const cluster = useScaleOutCluster({ name: 'keys', partitions: 2, groupId: 'careloop-keys' })
  const engines = cluster.engines

  beforeAll(async () => {
    await cluster.startProcess()
    await cluster.startProcess()
  }, 180_000)

  const api = async (engine: EngineProcess, method: string, path: string, key: string, body?: unknown) => {
    const res = await fetch(`${engine.url}${path}`, { method, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) })
    return { status: res.status, body: (await res.json()) as any }
  }
  const track = async (engine: EngineProcess, key: string) =>
    (
      await fetch(`${engine.url}/v1/track`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}`, 'content-type': 'application/json' },
        body: JSON.stringify({ messageId: randomUUID(), userId: 'keys-x1', event: 'Viewed', timestamp: new Date().toISOString() }),
      })
    ).status

  it('a key revoked through one process gets 401 from the other on its next request', async () => {
    const [a, b] = engines as [EngineProcess, EngineProcess]
    const agent = (await api(a, 'POST', '/api/keys', KEYS.admin, { name: 'ana', role: 'agent' })).body
    const ingest = (await api(a, 'POST', '/api/keys', KEYS.admin, { name: 'web', role: 'ingest', source: 'web' })).body
    expect((await api(b, 'GET', '/api/tasks', agent.key)).status).toBe(200)
    expect(await track(b, ingest.key)).toBe(200)
    // Each role stays at its own door in the other process too.
    expect((await api(b, 'GET', '/api/tasks', ingest.key)).status).toBe(403)
    expect(await track(b, agent.key)).toBe(403)

    expect((await api(a, 'DELETE', `/api/keys/${agent.id}`, KEYS.admin)).status).toBe(200)
    expect((await api(a, 'DELETE', `/api/keys/${ingest.id}`, KEYS.admin)).status).toBe(200)
    expect((await api(b, 'GET', '/api/tasks', agent.key)).status).toBe(401)
    expect(await track(b, ingest.key)).toBe(401)
    expect((await api(a, 'GET', '/api/tasks', agent.key)).status).toBe(401)
  }, 120_000)
})
