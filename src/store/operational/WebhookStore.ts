// Task webhook endpoints (Standard Webhooks receivers and helpdesk bridges), their delivery rows
// and the helpdesk tickets mirroring tasks. Delivery rows are written by the triggers of migration
// 18, in the transaction of each task transition; this store only reads and settles them.
import type { EndpointKind, TaskWebhookEvent } from '../../model/taskWebhooks.ts'
import type { Actor, AuditStore } from './AuditStore.ts'
import type { SqlExecutor } from './SqlExecutor.ts'

export interface WebhookEndpoint {
  id: string
  kind: EndpointKind
  url: string
  /** standard: whsec_<base64>; helpdesks: their API token. Never shown by the API after it is set. */
  secret: string
  events: TaskWebhookEvent[]
  enabled: boolean
  /** Helpdesk settings (account, inbox, webhook secret …); {} for standard endpoints. */
  settings: Record<string, unknown>
  createdAt: number
  updatedAt: number
}

export type DeliveryStatus = 'pending' | 'delivered' | 'dead'

export interface WebhookDelivery {
  seq: number
  endpointId: string
  /** The webhook-id: the same on every attempt, one per transition. */
  id: string
  taskId: string
  customerId: string
  event: TaskWebhookEvent
  payload: Record<string, unknown>
  occurredAt: number
  status: DeliveryStatus
  attempts: number
  nextAttemptAt: number
  lastError: string | null
  deliveredAt: number | null
}

/** A due delivery with the endpoint it goes to. */
export interface DueDelivery extends WebhookDelivery {
  endpoint: WebhookEndpoint
}

export interface HelpdeskLink {
  endpointId: string
  taskId: string
  externalId: string
  details: Record<string, unknown>
}

type EndpointRow = Omit<WebhookEndpoint, 'createdAt' | 'updatedAt'> & { created_at: string | number; updated_at: string | number }

interface DeliveryRow {
  seq: string | number
  endpoint_id: string
  id: string
  task_id: string
  customer_id: string
  event: TaskWebhookEvent
  payload: Record<string, unknown>
  occurred_at: string | number
  status: DeliveryStatus
  attempts: number
  next_attempt_at: string | number
  last_error: string | null
  delivered_at: string | number | null
}

const ENDPOINT_COLUMNS = 'id, kind, url, secret, events, enabled, settings, created_at, updated_at'
const DELIVERY_COLUMNS = 'seq, endpoint_id, id, task_id, customer_id, event, payload, occurred_at, status, attempts, next_attempt_at, last_error, delivered_at'

const toEndpoint = (r: EndpointRow): WebhookEndpoint => ({
  id: r.id,
  kind: r.kind,
  url: r.url,
  secret: r.secret,
  events: r.events,
  enabled: r.enabled,
  settings: r.settings,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
})

const toDelivery = (r: DeliveryRow): WebhookDelivery => ({
  seq: Number(r.seq),
  endpointId: r.endpoint_id,
  id: r.id,
  taskId: r.task_id,
  customerId: r.customer_id,
  event: r.event,
  payload: r.payload,
  occurredAt: Number(r.occurred_at),
  status: r.status,
  attempts: r.attempts,
  nextAttemptAt: Number(r.next_attempt_at),
  lastError: r.last_error,
  deliveredAt: r.delivered_at == null ? null : Number(r.delivered_at),
})

/** What the audit log keeps of an endpoint: never its secrets. */
const audited = (e: Omit<WebhookEndpoint, 'secret' | 'createdAt' | 'updatedAt'>): Record<string, unknown> => ({
  kind: e.kind,
  url: e.url,
  events: e.events,
  enabled: e.enabled,
  settings: Object.fromEntries(Object.entries(e.settings).filter(([k]) => !/secret|token/i.test(k))),
})

export class WebhookStore {
  constructor(
    private readonly db: SqlExecutor,
    private readonly audit: AuditStore,
  ) {}

  async endpoints(): Promise<WebhookEndpoint[]> {
    return (await this.db.query<EndpointRow>(`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints ORDER BY id`)).rows.map(toEndpoint)
  }

  async endpoint(id: string): Promise<WebhookEndpoint | undefined> {
    const row = (await this.db.query<EndpointRow>(`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1`, [id])).rows[0]
    return row ? toEndpoint(row) : undefined
  }

  /** Creates or replaces an endpoint; audited in the same transaction. True when it was new. */
  async putEndpoint(e: Omit<WebhookEndpoint, 'createdAt' | 'updatedAt'>, actor: Actor, now: number): Promise<{ created: boolean; endpoint: WebhookEndpoint }> {
    return this.db.transaction(async (tx) => {
      const row = (
        await tx.query<EndpointRow & { created: boolean }>(
          `INSERT INTO webhook_endpoints (id, kind, url, secret, events, enabled, settings, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
           ON CONFLICT (id) DO UPDATE SET kind = EXCLUDED.kind, url = EXCLUDED.url, secret = EXCLUDED.secret, events = EXCLUDED.events,
             enabled = EXCLUDED.enabled, settings = EXCLUDED.settings, updated_at = EXCLUDED.updated_at
           RETURNING ${ENDPOINT_COLUMNS}, (xmax = 0) AS created`,
          [e.id, e.kind, e.url, e.secret, e.events, e.enabled, JSON.stringify(e.settings), now],
        )
      ).rows[0]
      if (!row) throw new Error(`webhook endpoint ${e.id} was not written`)
      await this.audit.record({ at: now, actor, action: row.created ? 'webhook.create' : 'webhook.update', entityType: 'webhook_endpoint', entityId: e.id, details: audited(e) }, tx)
      return { created: row.created, endpoint: toEndpoint(row) }
    })
  }

  /** Deletes an endpoint and its deliveries; audited. False when there was none. */
  async deleteEndpoint(id: string, actor: Actor, now: number): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const gone = await tx.query(`DELETE FROM webhook_endpoints WHERE id = $1`, [id])
      if (gone.affectedRows === 0) return false
      await this.audit.record({ at: now, actor, action: 'webhook.delete', entityType: 'webhook_endpoint', entityId: id }, tx)
      return true
    })
  }

  /**
   * Takes up to `limit` due deliveries of enabled endpoints and leases them until `leaseUntil`
   * (a crashed sender's lease runs out and the row is due again). Per endpoint and task only the
   * oldest pending transition is due, so a receiver sees a task's transitions in order.
   */
  async claimDue(now: number, leaseUntil: number, limit: number): Promise<DueDelivery[]> {
    const result = await this.db.query<DeliveryRow & { endpoint: EndpointRow }>(
      `UPDATE webhook_deliveries d SET next_attempt_at = $2
         FROM webhook_endpoints e
        WHERE e.id = d.endpoint_id AND (d.endpoint_id, d.id) IN (
          SELECT p.endpoint_id, p.id FROM webhook_deliveries p JOIN webhook_endpoints pe ON pe.id = p.endpoint_id AND pe.enabled
           WHERE p.status = 'pending' AND p.next_attempt_at <= $1
             AND NOT EXISTS (SELECT 1 FROM webhook_deliveries q WHERE q.endpoint_id = p.endpoint_id AND q.task_id = p.task_id AND q.status = 'pending' AND q.seq < p.seq)
           ORDER BY p.seq LIMIT $3
           FOR UPDATE OF p SKIP LOCKED)
        RETURNING ${DELIVERY_COLUMNS.split(', ').map((c) => `d.${c}`).join(', ')}, to_jsonb(e) AS endpoint`,
      [now, leaseUntil, limit],
    )
    return result.rows.map((r) => ({ ...toDelivery(r), endpoint: toEndpoint(r.endpoint) }))
  }

  async markDelivered(endpointId: string, id: string, now: number): Promise<void> {
    await this.db.query(
      `UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, delivered_at = $3, last_error = NULL WHERE endpoint_id = $1 AND id = $2`,
      [endpointId, id, now],
    )
  }

  async markRetry(endpointId: string, id: string, nextAttemptAt: number, error: string): Promise<void> {
    await this.db.query(`UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = $3, last_error = $4 WHERE endpoint_id = $1 AND id = $2`, [
      endpointId, id, nextAttemptAt, error,
    ])
  }

  async markDead(endpointId: string, id: string, reason: string): Promise<void> {
    await this.db.query(`UPDATE webhook_deliveries SET status = 'dead', attempts = attempts + 1, last_error = $3 WHERE endpoint_id = $1 AND id = $2`, [endpointId, id, reason])
  }

  /** An endpoint's deliveries, newest first. */
  async deliveries(endpointId: string, filter: { status?: DeliveryStatus; limit?: number } = {}): Promise<WebhookDelivery[]> {
    const result = await this.db.query<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE endpoint_id = $1 AND ($2::text IS NULL OR status = $2) ORDER BY seq DESC LIMIT $3`,
      [endpointId, filter.status ?? null, Math.max(1, Math.min(filter.limit ?? 100, 1000))],
    )
    return result.rows.map(toDelivery)
  }

  /** A dead delivery due again now (after the receiver was fixed); false when it is not dead. */
  async redeliver(endpointId: string, id: string, now: number): Promise<boolean> {
    const result = await this.db.query(
      `UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = $3 WHERE endpoint_id = $1 AND id = $2 AND status = 'dead'`,
      [endpointId, id, now],
    )
    return result.affectedRows > 0
  }

  async link(endpointId: string, taskId: string): Promise<HelpdeskLink | undefined> {
    const row = (await this.db.query<{ external_id: string; details: Record<string, unknown> }>(`SELECT external_id, details FROM helpdesk_links WHERE endpoint_id = $1 AND task_id = $2`, [endpointId, taskId])).rows[0]
    return row ? { endpointId, taskId, externalId: row.external_id, details: row.details } : undefined
  }

  async linkByExternalId(endpointId: string, externalId: string): Promise<HelpdeskLink | undefined> {
    const row = (await this.db.query<{ task_id: string; details: Record<string, unknown> }>(`SELECT task_id, details FROM helpdesk_links WHERE endpoint_id = $1 AND external_id = $2`, [endpointId, externalId])).rows[0]
    return row ? { endpointId, taskId: row.task_id, externalId, details: row.details } : undefined
  }

  async saveLink(link: HelpdeskLink, now: number): Promise<void> {
    await this.db.query(
      `INSERT INTO helpdesk_links (endpoint_id, task_id, external_id, details, created_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (endpoint_id, task_id) DO UPDATE SET external_id = EXCLUDED.external_id, details = EXCLUDED.details`,
      [link.endpointId, link.taskId, link.externalId, JSON.stringify(link.details), now],
    )
  }
}
