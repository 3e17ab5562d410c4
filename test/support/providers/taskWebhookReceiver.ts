// A Standard Webhooks receiver on loopback for tests. It checks every request's signature on its
// own, from the spec (https://www.standardwebhooks.com): the key is the base64 after "whsec_",
// the signed content "<webhook-id>.<webhook-timestamp>.<raw body>", HMAC-SHA256, base64, and the
// header holds space-separated "v1,<sig>" entries of which one must match. It can answer 500 or
// stop listening, as a receiver that is down.
import { createHmac, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ReceivedWebhook {
  id: string
  timestamp: number
  type: string
  body: Record<string, unknown>
  /** The answer the receiver gave (200 when accepted). */
  status: number
  signatureValid: boolean
}

export function verifyStandardWebhook(secret: string, headers: IncomingMessage['headers'], rawBody: string): boolean {
  const id = headers['webhook-id']
  const timestamp = headers['webhook-timestamp']
  const signatures = headers['webhook-signature']
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signatures !== 'string') return false
  if (!secret.startsWith('whsec_')) return false
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64')
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${rawBody}`, 'utf8').digest()
  return signatures.split(' ').some((entry) => {
    const [version, signature] = entry.split(',')
    if (version !== 'v1' || !signature) return false
    const given = Buffer.from(signature, 'base64')
    return given.length === expected.length && timingSafeEqual(given, expected)
  })
}

export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = []
  /** What the next requests are answered with. */
  answer: 200 | 500 | 410 = 200
  private server: Server | undefined
  private port = 0

  constructor(private readonly secret: string) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`
  }

  /** Requests answered 2xx with a valid signature: what the receiver took. */
  get accepted(): ReceivedWebhook[] {
    return this.received.filter((r) => r.status === 200 && r.signatureValid)
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8')
        const signatureValid = verifyStandardWebhook(this.secret, req.headers, raw)
        const body = JSON.parse(raw) as Record<string, unknown>
        const status = signatureValid ? this.answer : 401
        this.received.push({ id: String(req.headers['webhook-id']), timestamp: Number(req.headers['webhook-timestamp']), type: String(body.type), body, status, signatureValid })
        res.writeHead(status, { 'content-type': 'application/json' }).end('{}')
      })
    })
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve))
    this.port = (server.address() as AddressInfo).port
    this.server = server
  }

  /** Stops listening (connections are refused) until start() again, on the same port. */
  async stop(): Promise<void> {
    const server = this.server
    this.server = undefined
    if (!server) return
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}
