// A fake Chatwoot speaking its Application API on a local port (api_access_token header): contacts
// (422 when the identifier is taken), contact search, contact inboxes, conversations, messages,
// toggle_status; and, like Chatwoot's UI, resolving a conversation posts the account webhook's
// `conversation_status_changed` with the conversation object.
import { randomUUID } from 'node:crypto'
import { startLocalServer, type RecordedRequest, type Reply } from './server.ts'

export interface FakeConversation {
  id: number
  inbox_id: number
  contact_id: number
  source_id: string
  status: 'open' | 'resolved' | 'pending' | 'snoozed'
  custom_attributes: Record<string, unknown>
  messages: Array<{ id: number; content: string; message_type: string; private: boolean }>
}

export interface FakeChatwoot {
  url: string
  token: string
  accountId: number
  inboxId: number
  requests: RecordedRequest[]
  contacts: Array<{ id: number; identifier: string; name: string; email?: string; phone_number?: string }>
  conversations: FakeConversation[]
  /** Where the account webhook posts (careloop's /hooks/helpdesk/<id>?token=…). */
  webhookUrl: string | undefined
  /** An agent resolves the conversation in Chatwoot's UI; resolves with careloop's answer. */
  resolveInUi(conversationId: number, options?: { outcome?: string; assignee?: string }): Promise<{ status: number; body: unknown }>
  close(): Promise<void>
}

export async function startFakeChatwoot(): Promise<FakeChatwoot> {
  const token = `cw-${randomUUID()}`
  const accountId = 7
  const inboxId = 3
  const requests: RecordedRequest[] = []
  const contacts: FakeChatwoot['contacts'] = []
  const contactInboxes = new Map<string, number>()
  const conversations: FakeConversation[] = []
  let nextId = 100
  const base = `/api/v1/accounts/${accountId}`

  const error = (status: number, message: string): Reply => ({ status, body: { message } })
  const handle = (request: RecordedRequest): Reply => {
    requests.push(request)
    if (request.headers.api_access_token !== token) return error(401, 'You need to sign in or sign up before continuing.')
    const url = new URL(request.path, 'http://chatwoot.local')
    if (!url.pathname.startsWith(`${base}/`)) return error(404, 'not found')
    const path = url.pathname.slice(base.length)
    const body = request.rawBody ? (JSON.parse(request.rawBody) as Record<string, any>) : {}
    let m: RegExpMatchArray | null
    const newSource = (contactId: number) => {
      const sourceId = randomUUID()
      contactInboxes.set(sourceId, contactId)
      return sourceId
    }
    if (request.method === 'POST' && path === '/contacts') {
      if (body.inbox_id !== inboxId) return error(422, 'Inbox not found')
      if (contacts.some((c) => c.identifier === body.identifier)) return error(422, 'Identifier has already been taken')
      const contact = { id: nextId++, identifier: body.identifier, name: body.name, email: body.email, phone_number: body.phone_number }
      contacts.push(contact)
      return { status: 200, body: { payload: { contact: { ...contact, account_id: accountId }, contact_inbox: { source_id: newSource(contact.id), inbox: { id: inboxId } } } } }
    }
    if (request.method === 'GET' && path === '/contacts/search') {
      const q = url.searchParams.get('q') ?? ''
      const found = contacts.filter((c) => c.identifier === q || c.email === q || c.name.includes(q))
      return { status: 200, body: { meta: { count: found.length }, payload: found } }
    }
    if (request.method === 'POST' && (m = path.match(/^\/contacts\/(\d+)\/contact_inboxes$/))) {
      const contactId = Number(m[1])
      if (!contacts.some((c) => c.id === contactId)) return error(404, 'Resource could not be found')
      return { status: 200, body: { source_id: newSource(contactId), inbox: { id: body.inbox_id } } }
    }
    if (request.method === 'POST' && path === '/conversations') {
      if (contactInboxes.get(body.source_id) !== body.contact_id || body.inbox_id !== inboxId) return error(422, 'Source id is not valid for this contact and inbox')
      const conversation: FakeConversation = { id: nextId++, inbox_id: inboxId, contact_id: body.contact_id, source_id: body.source_id, status: body.status ?? 'open', custom_attributes: body.custom_attributes ?? {}, messages: [] }
      conversations.push(conversation)
      const { messages: _m, ...shown } = conversation
      return { status: 200, body: { ...shown, account_id: accountId } }
    }
    if ((m = path.match(/^\/conversations\/(\d+)\/(messages|toggle_status)$/)) && request.method === 'POST') {
      const conversation = conversations.find((c) => c.id === Number(m?.[1]))
      if (!conversation) return error(404, 'Resource could not be found')
      if (m[2] === 'messages') {
        if (typeof body.content !== 'string' || body.content.length === 0) return error(422, 'Content is required')
        const message = { id: nextId++, content: body.content, message_type: body.message_type ?? 'outgoing', private: body.private === true }
        conversation.messages.push(message)
        return { status: 200, body: { ...message, conversation_id: conversation.id } }
      }
      conversation.status = body.status
      return { status: 200, body: { meta: {}, payload: { success: true, current_status: conversation.status, conversation_id: conversation.id } } }
    }
    return error(404, `no route ${request.method} ${path}`)
  }

  const server = await startLocalServer(handle)
  const fake: FakeChatwoot = {
    url: server.url,
    token,
    accountId,
    inboxId,
    requests,
    contacts,
    conversations,
    webhookUrl: undefined,
    async resolveInUi(conversationId, options = {}) {
      const conversation = conversations.find((c) => c.id === conversationId)
      if (!conversation || !fake.webhookUrl) throw new Error('no such conversation or no webhook')
      conversation.status = 'resolved'
      if (options.outcome) conversation.custom_attributes.careloop_outcome = options.outcome
      const payload = {
        event: 'conversation_status_changed',
        id: conversation.id,
        inbox_id: conversation.inbox_id,
        status: conversation.status,
        custom_attributes: conversation.custom_attributes,
        contact_inbox: { contact_id: conversation.contact_id, inbox_id: inboxId, source_id: conversation.source_id },
        meta: { sender: { id: conversation.contact_id, type: 'contact' }, assignee: options.assignee ? { id: 1, name: options.assignee, type: 'user' } : null },
        messages: [],
        account: { id: accountId, name: 'Shop' },
      }
      const res = await fetch(fake.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) })
      return { status: res.status, body: await res.json() }
    },
    close: () => server.close(),
  }
  return fake
}
