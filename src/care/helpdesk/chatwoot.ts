// The Chatwoot side of the bridge, per Chatwoot's Application API (api_access_token header):
// a contact in the configured API inbox (found by its identifier when it exists), a conversation
// carrying the task id as a custom attribute, the hand-off as a private note, later transitions
// as further notes, and a resolve here toggles the conversation to resolved there.
import { callProvider, type ProviderResponse } from '../../channels/http.ts'
import type { Clock } from '../../lib/clock.ts'
import type { HelpdeskLink, WebhookEndpoint } from '../../store/operational/WebhookStore.ts'
import { chatwootSettings } from './settings.ts'

export interface ChatwootShopper {
  identifier: string
  name: string
  email?: string | undefined
  phone?: string | undefined
}

type Obj = Record<string, unknown>
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {})
const idOf = (v: unknown, what: string): number => {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v
  throw new Error(`chatwoot: the answer has no ${what}`)
}

export class ChatwootClient {
  private readonly base: string
  private readonly accountId: number
  private readonly inboxId: number

  constructor(
    private readonly endpoint: Pick<WebhookEndpoint, 'url' | 'secret' | 'settings'>,
    private readonly clock: Clock,
  ) {
    const settings = chatwootSettings(endpoint.settings)
    this.base = `${endpoint.url.replace(/\/+$/, '')}/api/v1/accounts/${settings.accountId}`
    this.accountId = settings.accountId
    this.inboxId = settings.inboxId
  }

  private call(method: string, path: string, body?: unknown): Promise<ProviderResponse> {
    return callProvider({
      provider: 'chatwoot',
      method,
      url: `${this.base}${path}`,
      headers: { 'content-type': 'application/json', api_access_token: this.endpoint.secret },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      clock: this.clock,
    })
  }

  /** The shopper's contact and its source id in the inbox: created, or found by identifier. */
  async contact(shopper: ChatwootShopper): Promise<{ contactId: number; sourceId: string }> {
    const body = { inbox_id: this.inboxId, name: shopper.name, identifier: shopper.identifier, ...(shopper.email ? { email: shopper.email } : {}), ...(shopper.phone ? { phone_number: shopper.phone } : {}) }
    try {
      const payload = obj(obj((await this.call('POST', '/contacts', body)).json).payload)
      const contactId = idOf(obj(payload.contact).id, 'contact id')
      const sourceId = obj(payload.contact_inbox).source_id
      if (typeof sourceId === 'string' && sourceId.length > 0) return { contactId, sourceId }
      return { contactId, sourceId: await this.contactInbox(contactId) }
    } catch (err) {
      // 422: the identifier (or email) is taken — the shopper is known to Chatwoot already.
      if (!(err instanceof Error) || !/HTTP 422/.test(err.message)) throw err
      const found = (await this.call('GET', `/contacts/search?q=${encodeURIComponent(shopper.identifier)}`)).json
      const match = (Array.isArray(obj(found).payload) ? (obj(found).payload as unknown[]) : []).map(obj).find((c) => c.identifier === shopper.identifier)
      if (!match) throw err
      const contactId = idOf(match.id, 'contact id')
      return { contactId, sourceId: await this.contactInbox(contactId) }
    }
  }

  private async contactInbox(contactId: number): Promise<string> {
    const sourceId = obj((await this.call('POST', `/contacts/${contactId}/contact_inboxes`, { inbox_id: this.inboxId })).json).source_id
    if (typeof sourceId !== 'string' || sourceId.length === 0) throw new Error('chatwoot: the contact inbox answer has no source_id')
    return sourceId
  }

  async createConversation(input: { sourceId: string; contactId: number; taskId: string }): Promise<number> {
    const answer = await this.call('POST', '/conversations', {
      source_id: input.sourceId,
      inbox_id: this.inboxId,
      contact_id: input.contactId,
      status: 'open',
      custom_attributes: { careloop_task_id: input.taskId },
    })
    return idOf(obj(answer.json).id, 'conversation id')
  }

  async privateNote(conversationId: number, content: string): Promise<void> {
    await this.call('POST', `/conversations/${conversationId}/messages`, { content, message_type: 'outgoing', private: true })
  }

  async resolve(conversationId: number): Promise<void> {
    await this.call('POST', `/conversations/${conversationId}/toggle_status`, { status: 'resolved' })
  }

  get account(): number {
    return this.accountId
  }
}

/** The conversation id a link holds. */
export const conversationOf = (link: HelpdeskLink): number => Number(link.externalId)
