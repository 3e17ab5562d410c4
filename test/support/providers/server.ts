// A tiny local HTTP server for fake providers: 127.0.0.1, a free port, raw bodies recorded.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface RecordedRequest {
  method: string
  /** Path and query as received. */
  path: string
  headers: IncomingHttpHeaders
  rawBody: string
}

export interface Reply {
  status: number
  body?: unknown
  headers?: Record<string, string>
}

export interface LocalServer {
  url: string
  close(): Promise<void>
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

export function send(res: ServerResponse, reply: Reply): void {
  const text = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body)
  res.writeHead(reply.status, { ...(text && typeof reply.body !== 'string' ? { 'content-type': 'application/json' } : {}), ...reply.headers })
  res.end(text)
}

/** Runs `handle` for every request; an exception becomes a 500 so a broken fake shows up in the test. */
export async function startLocalServer(handle: (request: RecordedRequest) => Reply | Promise<Reply>): Promise<LocalServer> {
  const server = createServer((req, res) => {
    readBody(req)
      .then((rawBody) => handle({ method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, rawBody }))
      .then((reply) => send(res, reply))
      .catch((err: Error) => send(res, { status: 500, body: { fake_error: err.message } }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // fetch keeps connections alive; drop them so close() does not wait for their timeout.
        server.closeAllConnections()
        server.close((err) => (err ? reject(err) : resolve()))
      }),
  }
}

/** A scripted run of failures: the next `count` requests get `reply`. */
export class FailureScript {
  private queue: Reply[] = []
  add(count: number, reply: Reply): void {
    for (let i = 0; i < count; i++) this.queue.push(reply)
  }
  take(): Reply | undefined {
    return this.queue.shift()
  }
  clear(): void {
    this.queue = []
  }
}
