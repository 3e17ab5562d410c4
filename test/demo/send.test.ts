import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { main, parseCli } from '../../src/demo/cli.ts'
import { SendRejectedError, sendTrace } from '../../src/demo/send.ts'
import { generateTrace } from '../../src/demo/trace.ts'

interface Received {
  auth: string | undefined
  path: string | undefined
  batch: { messageId: string }[]
}

type Reply = (req: IncomingMessage, res: ServerResponse, n: number) => void

/** A tiny Segment-compatible ingest that records what it gets and replies as told. */
async function ingest(reply: Reply = (_q, res) => res.end('{"success":true}')) {
  const received: Received[] = []
  let requests = 0
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const n = requests++
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { batch: { messageId: string }[] }
      received.push({ auth: req.headers.authorization, path: req.url, batch: body.batch })
      reply(req, res, n)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  servers.push(server)
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { url, received, requests: () => requests }
}

const servers: Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))))
})

const messages = generateTrace({ seed: 1, shoppers: 10, days: 10 })

describe('sendTrace', () => {
  it('posts batches to /v1/batch with the write key as Basic-auth user', async () => {
    const server = await ingest()
    const result = await sendTrace(messages, { url: `${server.url}/`, writeKey: 'KEY', batchSize: 100 })
    expect(result.sent).toBe(messages.length)
    expect(result.batches).toBe(Math.ceil(messages.length / 100))
    expect(server.received.every((r) => r.path === '/v1/batch')).toBe(true)
    expect(server.received[0]?.auth).toBe(`Basic ${Buffer.from('KEY:').toString('base64')}`)
    expect(server.received.map((r) => r.batch.length).slice(0, -1).every((n) => n === 100)).toBe(true)
    expect(server.received.flatMap((r) => r.batch.map((m) => m.messageId))).toEqual(messages.map((m) => m.messageId))
  })

  it('cuts a batch early when the body would be too large', async () => {
    const server = await ingest()
    const result = await sendTrace(messages.slice(0, 50), { url: server.url, writeKey: 'k', batchSize: 500, maxBatchBytes: 5_000 })
    expect(result.batches).toBeGreaterThan(1)
    expect(server.received.flatMap((r) => r.batch).length).toBe(50)
  })

  it('retries a failed request with backoff, then succeeds', async () => {
    const server = await ingest((_q, res, n) => {
      res.statusCode = n < 2 ? 503 : 200
      res.end(n < 2 ? 'busy' : '{"success":true}')
    })
    const progress: number[] = []
    const result = await sendTrace(messages.slice(0, 30), {
      url: server.url,
      writeKey: 'k',
      backoffMs: 5,
      onProgress: (p) => progress.push(p.sent),
    })
    expect(result).toMatchObject({ sent: 30, batches: 1, retries: 2 })
    expect(server.requests()).toBe(3)
    expect(progress).toEqual([30])
  })

  it('gives up after the retries with the last error', async () => {
    const server = await ingest((_q, res) => {
      res.statusCode = 500
      res.end('boom')
    })
    await expect(sendTrace(messages.slice(0, 5), { url: server.url, writeKey: 'k', retries: 2, backoffMs: 1 })).rejects.toThrow(/3 attempts: HTTP 500: boom/)
    expect(server.requests()).toBe(3)
  })

  it("throws at once with the server's body on a 4xx", async () => {
    const server = await ingest((_q, res) => {
      res.statusCode = 400
      res.end('{"error":"batch/0/timestamp: must be a date"}')
    })
    const err = await sendTrace(messages.slice(0, 5), { url: server.url, writeKey: 'k', backoffMs: 1 }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SendRejectedError)
    expect((err as SendRejectedError).status).toBe(400)
    expect((err as Error).message).toContain('batch/0/timestamp: must be a date')
    expect(server.requests()).toBe(1)
  })
})

describe('demo CLI', () => {
  it('reads defaults from the environment and shifts the trace with --now', () => {
    const cfg = parseCli(['--now', '--days', '3'], { PORT: '9999', CARELOOP_WRITE_KEY: 'envkey' }, Date.UTC(2026, 2, 1))
    expect(cfg).toMatchObject({ url: 'http://localhost:9999', writeKey: 'envkey', batchSize: 500 })
    expect(cfg.trace).toMatchObject({ seed: 42, shoppers: 200, days: 3, start: Date.UTC(2026, 1, 26) })
    expect(() => parseCli(['--shoppers', 'many'], {})).toThrow(/--shoppers/)
  })

  it('sends a generated trace end to end', async () => {
    const server = await ingest()
    const log = console.log
    console.log = () => {}
    try {
      const code = await main(['--url', server.url, '--write-key', 'demo', '--shoppers', '5', '--days', '5', '--batch-size', '50'], {})
      expect(code).toBe(0)
    } finally {
      console.log = log
    }
    const sent = server.received.flatMap((r) => r.batch)
    expect(sent.length).toBe(generateTrace({ seed: 42, shoppers: 5, days: 5 }).length)
    expect(server.received.every((r) => r.batch.length <= 50)).toBe(true)
  })
})
