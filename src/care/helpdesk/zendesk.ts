// The Zendesk side of the bridge, per the Zendesk Support tickets API (Basic auth with an API
// token, "email/token:secret"): one ticket per task with external_id = the task id (so a retry
// finds the ticket it made instead of making another), the hand-off as its first, internal comment,
// later transitions as internal comments, and a resolve here sets the ticket to solved.
import { callProvider, type ProviderResponse } from '../../channels/http.ts'
import type { Clock } from '../../lib/clock.ts'
import type { WebhookEndpoint } from '../../store/operational/WebhookStore.ts'
import { zendeskSettings } from './settings.ts'

type Obj = Record<string, unknown>
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {})

export interface NewTicket {
  taskId: string
  subject: string
  body: string
  priority: string
  requester?: { name: string; email: string } | undefined
}

const PRIORITIES = new Set(['low', 'normal', 'high', 'urgent'])

export class ZendeskClient {
  private readonly base: string
  private readonly auth: string

  constructor(
    endpoint: Pick<WebhookEndpoint, 'url' | 'secret' | 'settings'>,
    private readonly clock: Clock,
  ) {
    this.base = `${endpoint.url.replace(/\/+$/, '')}/api/v2`
    this.auth = `Basic ${Buffer.from(`${zendeskSettings(endpoint.settings).email}/token:${endpoint.secret}`).toString('base64')}`
  }

  private call(method: string, path: string, body?: unknown): Promise<ProviderResponse> {
    return callProvider({
      provider: 'zendesk',
      method,
      url: `${this.base}${path}`,
      headers: { 'content-type': 'application/json', authorization: this.auth },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      clock: this.clock,
    })
  }

  /** The ticket already made for this task, if any (a retry after a lost answer). */
  async findByTask(taskId: string): Promise<string | undefined> {
    const tickets = obj((await this.call('GET', `/tickets?external_id=${encodeURIComponent(taskId)}`)).json).tickets
    const first = Array.isArray(tickets) ? obj(tickets[0]).id : undefined
    return typeof first === 'number' || typeof first === 'string' ? String(first) : undefined
  }

  async create(t: NewTicket): Promise<string> {
    const answer = await this.call('POST', '/tickets', {
      ticket: {
        subject: t.subject,
        comment: { body: t.body, public: false },
        external_id: t.taskId,
        priority: PRIORITIES.has(t.priority) ? t.priority : 'normal',
        tags: ['careloop'],
        ...(t.requester ? { requester: t.requester } : {}),
      },
    })
    const id = obj(obj(answer.json).ticket).id
    if (typeof id !== 'number' && typeof id !== 'string') throw new Error('zendesk: the answer has no ticket id')
    return String(id)
  }

  async update(ticketId: string, change: { note: string; solved?: boolean }): Promise<void> {
    await this.call('PUT', `/tickets/${encodeURIComponent(ticketId)}`, { ticket: { comment: { body: change.note, public: false }, ...(change.solved ? { status: 'solved' } : {}) } })
  }
}
