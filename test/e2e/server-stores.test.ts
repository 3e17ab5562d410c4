// The same engine on a PostgreSQL server and a ClickHouse server instead of PGlite and chDB.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { startEngine, type StartOptions } from '../support/careloop.ts'
import { requireServers } from '../support/requireServers.ts'
import { createServerStores, type ServerStores } from '../support/serverStores.ts'
import { startMailSink, type MailSink } from '../support/smtp.ts'

const HOUR = 3_600_000

if (requireServers('engine on PostgreSQL and ClickHouse servers')) {
  describe('engine on PostgreSQL and ClickHouse servers', () => {
    let mail: MailSink
    let servers: ServerStores
    let stores: StartOptions

    beforeAll(async () => {
      mail = await startMailSink()
      servers = await createServerStores('careloop_e2e')
      const { databaseUrl, clickhouseUrl, clickhouseDatabase } = servers
      stores = { databaseUrl, clickhouseUrl, clickhouseDatabase, smtpUrl: mail.url }
    })
    afterAll(async () => {
      await mail?.close()
      await servers?.drop()
    })

    it('fires a durable timer once across a restart, with history on ClickHouse', async () => {
      const clock = new ManualClock(Date.UTC(2026, 10, 1))
      const first = await startEngine({ ...stores, clock })
      const eta = clock.now() + HOUR - 12 * HOUR
      const msg = (event: string, properties: Record<string, unknown>, at: number) => ({ type: 'track', messageId: randomUUID(), userId: 'srv-1', event, properties, timestamp: new Date(at).toISOString() })
      const batch = [
        { type: 'identify', messageId: randomUUID(), userId: 'srv-1', traits: { email: 'srv-1@example.com', vip: true }, timestamp: new Date(eta - 2 * 24 * HOUR).toISOString() },
        msg('Order Completed', { order_id: 'S1', total: 90 }, eta - 2 * 24 * HOUR),
        msg('Order Shipped', { order_id: 'S1', estimated_delivery_at: new Date(eta).toISOString() }, eta - 24 * HOUR),
      ]
      expect((await first.ingest(batch)).status).toBe(200)
      await first.app.tick()
      await first.app.stop()

      clock.advance(2 * HOUR)
      const second = await startEngine({ ...stores, clock })
      await second.app.tick()
      await mail.waitFor(1)
      expect((await second.api('GET', '/api/tasks?customer=srv-1')).body.tasks.map((t: { queue: string }) => t.queue)).toEqual(['delivery-care'])
      expect((await second.ingest(batch)).body).toMatchObject({ stored: 0, duplicates: 3 })
      await second.app.tick()
      const timeline = await second.api('GET', '/api/customers/srv-1/timeline')
      const titles = timeline.body.entries.map((e: { kind: string; title: string }) => `${e.kind}:${e.title}`)
      expect(titles).toEqual(expect.arrayContaining(['event:Order Shipped', 'signal:delayed-shipment', 'delivery:sent', 'task:created']))
      expect((await fetch(`${second.url}/readyz`)).status).toBe(200)
      await second.app.stop()
      expect(mail.messages).toHaveLength(1)
    })
  })
}
