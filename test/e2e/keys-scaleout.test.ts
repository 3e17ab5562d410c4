// A revoked key is refused at once by every process: two engine processes share one PostgreSQL
// (and a Kafka consumer group); a key made and revoked through one is refused by the other on its
// very next request, for API keys and ingest (write) keys alike.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KEYS, WRITE_KEY } from '../support/careloop.ts'
import { scaleOutEnv, startEngineProcess, type EngineProcess } from '../support/process.ts'
import { requireServers } from '../support/requireServers.ts'
import { createServerStores, type ServerStores } from '../support/serverStores.ts'
import { startKafka, type KafkaService } from '../support/services/kafka.ts'
import { startMailSink, type MailSink } from '../support/smtp.ts'
import { freshDataDir } from '../support/stores.ts'

if (requireServers('key revocation across engine processes on one PostgreSQL')) describe('keys across processes', () => {
  const TOPIC = `keys-${randomUUID().slice(0, 8)}`
  const DLQ = `keys-dead-${randomUUID().slice(0, 8)}`
  let kafka: KafkaService
  let stores: ServerStores
  let mail: MailSink
  const engines: EngineProcess[] = []

  beforeAll(async () => {
    kafka = await startKafka([
      { name: TOPIC, partitions: 2 },
      { name: DLQ, partitions: 1 },
    ])
    stores = await createServerStores('careloop_keys')
    mail = await startMailSink()
    const start = () =>
      startEngineProcess({
        ...scaleOutEnv({ brokers: kafka.brokers, topic: TOPIC, deadLetterTopic: DLQ, groupId: 'careloop-keys', stores, smtpUrl: mail.url, writeKey: WRITE_KEY, adminKey: KEYS.admin }, freshDataDir()),
        CARELOOP_ABSENCE_SETTLE_MS: '0',
      }).then((e) => (engines.push(e), e))
    await start()
    await start()
  }, 180_000)
  afterAll(async () => {
    for (const e of engines) await e.kill()
    await mail?.close()
    await stores?.drop()
    await kafka?.stop()
  })

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
