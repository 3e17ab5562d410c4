// A fake Zendesk Support on a local port speaking the tickets API (Basic auth "email/token:token"):
// create (201), list by external_id, update with a comment and a status. Solving a ticket in the
// "UI" posts a ticket status-change event to the connected webhook, signed as Zendesk documents:
// X-Zendesk-Webhook-Signature = base64(HMAC-SHA256(timestamp + body)) with the signing secret.
import { createHmac, randomUUID } from 'node:crypto'
import { startLocalServer, type RecordedRequest, type Reply } from './server.ts'

export interface FakeTicket {
  id: number
  subject: string
  status: 'new' | 'open' | 'pending' | 'solved' | 'closed'
  priority: string
  external_id: string | null
  tags: string[]
  requester: { name: string; email: string } | null
  comments: Array<{ body: string; public: boolean }>
}

export interface FakeZendesk {
  url: string
  email: string
  token: string
  signingSecret: string
  requests: RecordedRequest[]
  tickets: FakeTicket[]
  webhookUrl: string | undefined
  /** An agent solves the ticket; the webhook reports it. Resolves with careloop's answer. */
  solveInUi(ticketId: number, options?: { tags?: string[]; signWith?: string }): Promise<{ status: number; body: unknown }>
  close(): Promise<void>
}

export async function startFakeZendesk(): Promise<FakeZendesk> {
  const email = 'bridge@shop.test'
  const token = `zd-${randomUUID()}`
  const signingSecret = `zdsign-${randomUUID()}`
  const requests: RecordedRequest[] = []
  const tickets: FakeTicket[] = []
  let nextId = 35_000
  const auth = `Basic ${Buffer.from(`${email}/token:${token}`).toString('base64')}`
  const error = (status: number, error: string, description: string): Reply => ({ status, body: { error, description } })

  const handle = (request: RecordedRequest): Reply => {
    requests.push(request)
    if (request.headers.authorization !== auth) return error(401, 'Couldn\'t authenticate you', 'invalid credentials')
    const url = new URL(request.path, 'http://zendesk.local')
    const body = request.rawBody ? (JSON.parse(request.rawBody) as { ticket?: Record<string, any> }) : {}
    if (request.method === 'GET' && url.pathname === '/api/v2/tickets') {
      const externalId = url.searchParams.get('external_id')
      const found = tickets.filter((t) => externalId === null || t.external_id === externalId)
      return { status: 200, body: { tickets: found, count: found.length, next_page: null, previous_page: null } }
    }
    if (request.method === 'POST' && url.pathname === '/api/v2/tickets') {
      const t = body.ticket
      if (!t || !t.comment || typeof t.comment.body !== 'string') return error(422, 'RecordInvalid', 'Record validation errors: comment is required')
      const ticket: FakeTicket = {
        id: nextId++, subject: t.subject ?? '', status: 'new', priority: t.priority ?? 'normal', external_id: t.external_id ?? null, tags: t.tags ?? [],
        requester: t.requester ?? null, comments: [{ body: t.comment.body, public: t.comment.public !== false }],
      }
      tickets.push(ticket)
      return { status: 201, body: { ticket } }
    }
    const m = url.pathname.match(/^\/api\/v2\/tickets\/(\d+)$/)
    if (request.method === 'PUT' && m) {
      const ticket = tickets.find((t) => t.id === Number(m[1]))
      if (!ticket) return error(404, 'RecordNotFound', 'Not found')
      const t = body.ticket ?? {}
      if (t.comment) ticket.comments.push({ body: t.comment.body, public: t.comment.public !== false })
      if (t.status) ticket.status = t.status
      return { status: 200, body: { ticket } }
    }
    return error(404, 'InvalidEndpoint', `no route ${request.method} ${url.pathname}`)
  }

  const server = await startLocalServer(handle)
  const fake: FakeZendesk = {
    url: server.url,
    email,
    token,
    signingSecret,
    requests,
    tickets,
    webhookUrl: undefined,
    async solveInUi(ticketId, options = {}) {
      const ticket = tickets.find((t) => t.id === ticketId)
      if (!ticket || !fake.webhookUrl) throw new Error('no such ticket or no webhook')
      const previous = ticket.status
      ticket.status = 'solved'
      if (options.tags) ticket.tags.push(...options.tags)
      const time = new Date().toISOString()
      const body = JSON.stringify({
        type: 'zen:event-type:ticket.status_changed',
        account_id: 88888888,
        id: randomUUID(),
        time,
        zendesk_event_version: '2022-11-06',
        subject: `zen:ticket:${ticket.id}`,
        detail: { id: String(ticket.id), status: 'SOLVED', subject: ticket.subject, external_id: ticket.external_id, tags: ticket.tags, updated_at: time },
        event: { current: 'SOLVED', previous: previous.toUpperCase() },
      })
      const signature = createHmac('sha256', options.signWith ?? signingSecret).update(time + body).digest('base64')
      const res = await fetch(fake.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-zendesk-webhook-id': '01GK8E6BKWMJZD2T8Y5AXJQMG5', 'x-zendesk-webhook-signature': signature, 'x-zendesk-webhook-signature-timestamp': time },
        body,
      })
      return { status: res.status, body: await res.json() }
    },
    close: () => server.close(),
  }
  return fake
}
