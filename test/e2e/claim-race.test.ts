// Exactly one agent wins a task, across processes: two careloop processes share one PostgreSQL
// (and ClickHouse); 20 agents claim the same task at once, 10 through each process. One 200, 19
// clear 409s naming the winner, and the task is the winner's.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KEYS, WRITE_KEY } from '../support/careloop.ts'
import { startEngineProcess, type EngineProcess } from '../support/process.ts'
import { requireServers } from '../support/requireServers.ts'
import { createServerStores, type ServerStores } from '../support/serverStores.ts'
import { freshDataDir } from '../support/stores.ts'

const AGENTS = Array.from({ length: 20 }, (_, i) => ({ name: `agent-${i}`, key: `race-key-${i}` }))

async function request(base: string, method: string, path: string, key: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : undefined }
}

if (requireServers('claim race across processes')) {
  describe('20 concurrent claims of one task across two engine processes', () => {
    let stores: ServerStores
    const engines: EngineProcess[] = []

    beforeAll(async () => {
      stores = await createServerStores('careloop_claims')
    })
    afterAll(async () => {
      for (const e of engines) await e.kill('SIGTERM')
      await stores?.drop()
    })

    const start = () =>
      startEngineProcess({
        CARELOOP_DATA_DIR: freshDataDir(),
        DATABASE_URL: stores.databaseUrl,
        CLICKHOUSE_URL: stores.clickhouseUrl,
        CLICKHOUSE_DATABASE: stores.clickhouseDatabase,
        CARELOOP_WRITE_KEY: WRITE_KEY,
        CARELOOP_API_KEYS: [`${KEYS.admin}:admin:admin`, `${KEYS.ops}:ops:olivia`, ...AGENTS.map((a) => `${a.key}:agent:${a.name}`)].join(','),
      }).then((e) => (engines.push(e), e))

    it('exactly one 200 and 19 409s naming the winner; the task is the winner’s', async () => {
      // The task exists before the second process starts: both then only serve the API.
      const a = await start()
      const rule = { id: 'race-call', name: 'Call back', triggers: [{ event: 'Callback Requested' }], actions: [{ task: { queue: 'race', priority: 'high', sla: '1h' } }] }
      expect((await request(a.url, 'POST', '/api/rules', KEYS.ops, rule)).status).toBe(201)
      const ingest = await fetch(`${a.url}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}` },
        body: JSON.stringify({ batch: [{ type: 'track', messageId: randomUUID(), userId: 'race-shopper', event: 'Callback Requested', properties: {}, timestamp: new Date().toISOString() }] }),
      })
      expect(ingest.status).toBe(200)
      let taskId: string | undefined
      for (let i = 0; i < 120 && !taskId; i++) {
        taskId = (await request(a.url, 'GET', '/api/tasks?customer=race-shopper', KEYS.ops)).body.tasks[0]?.id
        if (!taskId) await new Promise((r) => setTimeout(r, 250))
      }
      expect(taskId, a.output()).toBeTruthy()
      const b = await start()
      expect((await request(b.url, 'GET', `/api/tasks/${taskId}`, KEYS.ops)).body.status).toBe('open')

      const results = await Promise.all(AGENTS.map((agent, i) => request(i % 2 === 0 ? a.url : b.url, 'POST', `/api/tasks/${taskId}/claim`, agent.key)))
      const winners = results.filter((r) => r.status === 200)
      const losers = results.filter((r) => r.status === 409)
      expect(winners).toHaveLength(1)
      expect(losers).toHaveLength(19)
      const winner = winners[0]!.body.claimedBy as string
      expect(AGENTS.map((x) => x.name)).toContain(winner)
      for (const l of losers) expect(l.body).toEqual({ error: 'conflict', message: `task ${taskId} is already claimed by ${winner}` })
      for (const e of [a, b]) expect((await request(e.url, 'GET', `/api/tasks/${taskId}`, KEYS.ops)).body).toMatchObject({ status: 'claimed', claimedBy: winner })
      // The winner, and only the winner, is on the shopper's timeline.
      const timeline = await request(b.url, 'GET', '/api/customers/race-shopper/timeline', KEYS.ops)
      const claims = timeline.body.entries.filter((e: { kind: string; title: string }) => e.kind === 'task' && e.title === 'claimed')
      expect(claims.map((c: { data: { actor: string } }) => c.data.actor)).toEqual([winner])
    }, 180_000)
  })
}
