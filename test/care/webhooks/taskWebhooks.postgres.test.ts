// Task webhooks on a PostgreSQL server, where senders really run at once: the migration's triggers
// work there, and three engine processes draining the same deliveries concurrently (SKIP LOCKED
// leases) while tasks change under them get every transition to the receiver exactly once.
// Unset CARELOOP_TEST_DATABASE_URL: skipped locally, a failure under CI.
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { claimTask } from '../../../src/care/claimTask.ts'
import { releaseTask } from '../../../src/care/releaseTask.ts'
import { putWebhookEndpoint } from '../../../src/care/webhooks/configureEndpoint.ts'
import { deliverAllDue } from '../../../src/care/webhooks/deliverTaskWebhooks.ts'
import { ManualClock } from '../../../src/lib/clock.ts'
import { TASK_WEBHOOK_EVENTS } from '../../../src/model/taskWebhooks.ts'
import { openOperationalStore, type OperationalStore } from '../../../src/store/operational/OperationalStore.ts'
import { WebhookReceiver } from '../../support/providers/taskWebhookReceiver.ts'
import { requirePostgres } from '../../support/requireServers.ts'

const serverUrl = requirePostgres('task webhooks on a PostgreSQL server')

if (serverUrl) {
  const database = `careloop_wh${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: serverUrl })
    await client.connect()
    try {
      await client.query(sql)
    } finally {
      await client.end()
    }
  }
  const clock = new ManualClock(Date.UTC(2026, 6, 1, 10))
  const secret = `whsec_${randomBytes(32).toString('base64')}`
  const receiver = new WebhookReceiver(secret)
  const history = { append: async () => {} }
  let stores: OperationalStore[] = []

  beforeAll(async () => {
    await admin(`CREATE DATABASE ${database}`)
    const url = new URL(serverUrl)
    url.pathname = `/${database}`
    stores = [await openOperationalStore({ databaseUrl: url.toString(), poolSize: 3 })]
    stores.push(...(await Promise.all([1, 2].map(() => openOperationalStore({ databaseUrl: url.toString(), poolSize: 3 })))))
    await receiver.start()
    const ops = stores[0] as OperationalStore
    expect((await putWebhookEndpoint({ ops, clock }, { id: 'receiver', kind: 'standard', url: receiver.url, secret, events: [...TASK_WEBHOOK_EVENTS], enabled: true }, 'admin')).ok).toBe(true)
  })
  afterAll(async () => {
    await receiver.stop()
    for (const s of stores) await s.close()
    await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
  })

  describe('task webhooks on PostgreSQL', () => {
    it('three processes sending at once while tasks change deliver every transition exactly once', async () => {
      const ops = stores[0] as OperationalStore
      const ids = Array.from({ length: 20 }, (_, i) => `pg-task-${i}`)
      await ops.tasks.insert(
        ids.map((id) => ({
          id, idempotencyKey: `k-${id}`, customerId: `c-${id}`, queue: 'care', priority: 'normal', priorityRank: 20, title: 'Late parcel', ruleId: 'late', ruleVersion: 1,
          signal: {}, context: {}, slaDueAt: clock.now() + 3_600_000, createdAt: clock.now(),
        })),
      )
      const senders = stores.map((s) => deliverAllDue({ ops: s, clock, logger: { warn: () => {} }, policy: { batch: 3 } }))
      const changes = ids.map(async (id, i) => {
        const work = { ops: stores[i % stores.length] as OperationalStore, history, clock }
        expect((await claimTask(work, { taskId: id, agent: 'lisa' })).ok).toBe(true)
        expect((await releaseTask(work, { taskId: id, actor: 'lisa', asSupervisor: false })).ok).toBe(true)
      })
      await Promise.all([...senders, ...changes])
      await Promise.all(stores.map((s) => deliverAllDue({ ops: s, clock, logger: { warn: () => {} }, policy: { batch: 3 } })))

      const accepted = receiver.accepted
      expect(new Set(accepted.map((r) => r.id)).size).toBe(accepted.length)
      for (const id of ids) {
        expect(accepted.filter((r) => (r.body.data as { task: { id: string } }).task.id === id).map((r) => r.type)).toEqual(['task.created', 'task.claimed', 'task.released'])
      }
      expect(receiver.received.length).toBe(accepted.length)
    })
  })
}
