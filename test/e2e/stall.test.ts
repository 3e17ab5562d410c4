// A stalled pipeline is visible: with a real ClickHouse server frozen (SIGSTOP), events wait,
// /readyz turns 503 naming the history store and the stalled pipeline, the stall metric says 1;
// /healthz stays 200 (liveness only). Thawed, the backlog drains and /readyz is green again.
import { execFileSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { startClickHouse } from '../support/services/clickhouse.ts'
import type { RunningService } from '../support/services/postgres.ts'
import { KEYS, startEngine, type TestEngine } from '../support/careloop.ts'
import { waitFor } from '../stream/helpers.ts'

const STALL_MS = 10_000
const clock = new ManualClock(Date.UTC(2026, 5, 1, 10, 0, 0))
let clickhouse: RunningService
let engine: TestEngine
let serverPid: number | undefined

/** The pid listening on the server's HTTP port (the ClickHouse server is one process). */
function listenerPid(url: string): number {
  const port = new URL(url).port
  const line = execFileSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' })
  const pid = /pid=(\d+)/.exec(line)?.[1]
  if (!pid) throw new Error(`no process listens on ${port}: ${line}`)
  return Number(pid)
}

beforeAll(async () => {
  clickhouse = await startClickHouse()
  serverPid = listenerPid(clickhouse.url)
  engine = await startEngine({ clock, clickhouseUrl: clickhouse.url, clickhouseDatabase: `stall_${process.pid}`, config: { stallMs: STALL_MS } })
  await engine.app.start()
}, 120_000)
afterAll(async () => {
  if (serverPid) process.kill(serverPid, 'SIGCONT')
  await engine?.app.stop()
  await clickhouse?.stop()
})

function event(userId: string) {
  return { type: 'track', messageId: randomUUID(), userId, event: 'Payment Failed', properties: { order_id: `o-${userId}` }, timestamp: new Date(clock.now()).toISOString() }
}

async function get(path: string) {
  const res = await fetch(engine.url + path, { headers: { authorization: `Bearer ${KEYS.admin}` } })
  return { status: res.status, text: await res.text() }
}

async function processed(customerId: string): Promise<boolean> {
  return (await engine.app.ops.engine.loadStates([customerId])).has(customerId)
}

describe('stall watchdog', () => {
  it('turns /readyz red while a store is frozen and green once it thaws and the backlog drained', async () => {
    const first = `w-${randomUUID().slice(0, 8)}`
    expect((await engine.ingest([event(first)])).status).toBe(200)
    await waitFor('the first event processed', () => processed(first))
    expect((await get('/readyz')).status).toBe(200)

    process.kill(serverPid as number, 'SIGSTOP')
    const waiting = `w-${randomUUID().slice(0, 8)}`
    try {
      // The operational store still takes events; the engine cannot write their history.
      expect((await engine.ingest([event(waiting)])).status).toBe(200)
      const early = JSON.parse((await get('/readyz')).text)
      expect(early.checks.history).toBe(false)
      expect(early.pipeline.backlog).toBe(1)
      expect(early.checks.pipeline).toBe(true)

      clock.advance(STALL_MS + 1_000)
      const red = await get('/readyz')
      expect(red.status).toBe(503)
      const body = JSON.parse(red.text)
      expect(body.checks.pipeline).toBe(false)
      expect(body.pipeline.reason).toMatch(/1 events waiting, no progress for 1\d s/)
      expect((await get('/metrics')).text).toMatch(/^careloop_pipeline_stalled 1$/m)
      expect((await get('/healthz')).status).toBe(200)
      expect(await processed(waiting)).toBe(false)
    } finally {
      process.kill(serverPid as number, 'SIGCONT')
    }
    await waitFor('the waiting event processed', () => processed(waiting), 60_000)
    const green = await get('/readyz')
    expect(green.status, green.text).toBe(200)
    expect(JSON.parse(green.text).pipeline.backlog).toBe(0)
    expect((await engine.app.ops.outbox.list({ customerId: waiting })).map((o) => o.template)).toEqual(['payment-failed'])
  })
})
