// The one contact record per shopper: every automated message that went out (or is going out)
// and every human touch an agent logged. Frequency caps, the "an agent called today" rule and
// conflict priority all read it, so bot and people count against the same limits.
import type { SqlExecutor } from './SqlExecutor.ts'

export type ContactKind = 'automated' | 'human'

export interface Contact {
  /** Outbox id for automated messages; `<task id>:<n>` for human touches. */
  id: string
  customerId: string
  /** Channel name (email, sms, push, voice, inapp, webhook); a human phone call is 'voice'. */
  channel: string
  kind: ContactKind
  topic: string
  /** The outbox idempotency key (automated) or the task id (human). */
  sourceId: string
  /** Rule id (automated) or agent name (human). */
  actor: string
  priority: number
  at: number
}

interface ContactRow {
  id: string
  customer_id: string
  channel: string
  kind: ContactKind
  topic: string
  source_id: string
  actor: string
  priority: number
  at: string | number
}

const COLUMNS = 'id, customer_id, channel, kind, topic, source_id, actor, priority, at'

const toContact = (r: ContactRow): Contact => ({
  id: r.id,
  customerId: r.customer_id,
  channel: r.channel,
  kind: r.kind,
  topic: r.topic,
  sourceId: r.source_id,
  actor: r.actor,
  priority: r.priority,
  at: Number(r.at),
})

export class ContactStore {
  constructor(private readonly db: SqlExecutor) {}

  /** Records a contact; the same id again is a no-op (a retried send or a replayed log call). */
  async record(c: Contact, tx: SqlExecutor = this.db): Promise<boolean> {
    const result = await tx.query(
      `INSERT INTO contacts (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING`,
      [c.id, c.customerId, c.channel, c.kind, c.topic, c.sourceId, c.actor, c.priority, c.at],
    )
    return result.affectedRows > 0
  }

  /** Drops a shopper's reservation whose send failed, so it does not count toward caps. */
  async remove(id: string, customerId: string, tx: SqlExecutor = this.db): Promise<void> {
    await tx.query('DELETE FROM contacts WHERE id = $1 AND customer_id = $2', [id, customerId])
  }

  /** A shopper's contacts at or after `from`, oldest first. */
  async since(customerId: string, from: number, tx: SqlExecutor = this.db): Promise<Contact[]> {
    const result = await tx.query<ContactRow>(`SELECT ${COLUMNS} FROM contacts WHERE customer_id = $1 AND at >= $2 ORDER BY at, id`, [customerId, from])
    return result.rows.map(toContact)
  }

  /**
   * Serializes guard checks for one shopper across dispatcher processes until the transaction
   * ends: two processes must not both see "under the cap" and both send.
   */
  async lockCustomer(tx: SqlExecutor, customerId: string): Promise<void> {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`contacts:${customerId}`])
  }
}
