// The in-app inbox: messages the shop shows inside its site or app. The id is the outbox id, so a
// retried send lands on the same row and a shopper never sees a message twice. Every read and
// change is scoped by customer: one shopper can never see or touch another's message.
import type { SqlExecutor } from './SqlExecutor.ts'

export interface InboxInsert {
  /** The outbox id. */
  id: string
  customerId: string
  template: string
  title: string
  body: string
  link: string | null
  data: Record<string, unknown>
  createdAt: number
}

export interface InboxMessage extends InboxInsert {
  readAt: number | null
  dismissedAt: number | null
}

export interface InboxListOptions {
  includeDismissed?: boolean
  /** Default 50, at most 500. */
  limit?: number
  /** Only messages created strictly before this time (paging by the last createdAt seen). */
  before?: number
}

interface InboxRow {
  id: string
  customer_id: string
  template: string
  title: string
  body: string
  link: string | null
  data: Record<string, unknown>
  created_at: string | number
  read_at: string | number | null
  dismissed_at: string | number | null
}

const COLUMNS = 'id, customer_id, template, title, body, link, data, created_at, read_at, dismissed_at'
const num = (v: string | number | null): number | null => (v == null ? null : Number(v))

const toMessage = (r: InboxRow): InboxMessage => ({
  id: r.id,
  customerId: r.customer_id,
  template: r.template,
  title: r.title,
  body: r.body,
  link: r.link,
  data: r.data,
  createdAt: Number(r.created_at),
  readAt: num(r.read_at),
  dismissedAt: num(r.dismissed_at),
})

/**
 * The reads and marks take one customer id or several: a known shopper's inbox includes what was
 * delivered to the anonymous ids merged into them (src/care/shopperInbox.ts).
 */
type Owners = string | readonly string[]
const owners = (ids: Owners): string[] => (typeof ids === 'string' ? [ids] : [...ids])

export class InboxStore {
  constructor(private readonly db: SqlExecutor) {}

  /** Stores a message once; returns false when it was already there (a retried send). */
  async deliver(row: InboxInsert): Promise<boolean> {
    const result = await this.db.query(
      `INSERT INTO inbox_messages (id, customer_id, template, title, body, link, data, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING`,
      [row.id, row.customerId, row.template, row.title, row.body, row.link, JSON.stringify(row.data), row.createdAt],
    )
    return result.affectedRows > 0
  }

  /** Newest first. */
  async list(customerIds: Owners, options: InboxListOptions = {}): Promise<InboxMessage[]> {
    const limit = Math.min(Math.max(1, Math.floor(options.limit ?? 50)), 500)
    const result = await this.db.query<InboxRow>(
      `SELECT ${COLUMNS} FROM inbox_messages
        WHERE customer_id = ANY($1::text[]) AND ($2 OR dismissed_at IS NULL) AND ($3::bigint IS NULL OR created_at < $3)
        ORDER BY created_at DESC, id DESC LIMIT $4`,
      [owners(customerIds), options.includeDismissed ?? false, options.before ?? null, limit],
    )
    return result.rows.map(toMessage)
  }

  async get(customerId: string, id: string): Promise<InboxMessage | undefined> {
    const result = await this.db.query<InboxRow>(`SELECT ${COLUMNS} FROM inbox_messages WHERE customer_id = $1 AND id = $2`, [customerId, id])
    return result.rows[0] ? toMessage(result.rows[0]) : undefined
  }

  /** Neither read nor dismissed. */
  async unreadCount(customerIds: Owners): Promise<number> {
    const result = await this.db.query<{ n: string }>(
      'SELECT count(*) AS n FROM inbox_messages WHERE customer_id = ANY($1::text[]) AND read_at IS NULL AND dismissed_at IS NULL',
      [owners(customerIds)],
    )
    return Number(result.rows[0]?.n ?? 0)
  }

  /** True when the customer has this message (now read); the first read time is kept. */
  async markRead(customerIds: Owners, id: string, now: number): Promise<boolean> {
    const result = await this.db.query(
      'UPDATE inbox_messages SET read_at = COALESCE(read_at, $3) WHERE customer_id = ANY($1::text[]) AND id = $2 RETURNING id',
      [owners(customerIds), id, now],
    )
    return result.rows.length > 0
  }

  /** True when the customer has this message (now dismissed); the first dismissal time is kept. */
  async dismiss(customerIds: Owners, id: string, now: number): Promise<boolean> {
    const result = await this.db.query(
      'UPDATE inbox_messages SET dismissed_at = COALESCE(dismissed_at, $3) WHERE customer_id = ANY($1::text[]) AND id = $2 RETURNING id',
      [owners(customerIds), id, now],
    )
    return result.rows.length > 0
  }
}
