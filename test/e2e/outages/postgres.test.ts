// PostgreSQL server away for CARELOOP_OUTAGE_MS (default 60 s) while a shop keeps sending: ingest
// refuses with 503 + Retry-After (the client resends), /readyz says not ready, and once the
// server is back every accepted event's effects appear exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEngine, type TestEngine } from '../../support/careloop.ts'
import { requirePrivateServers } from '../../support/requireServers.ts'
import { startClickHouse } from '../../support/services/clickhouse.ts'
import { startPostgres, type ControllableService } from '../../support/services/postgres.ts'
import { startMailSink, type MailSink } from '../../support/smtp.ts'
import { runOutage } from './scenario.ts'
import { outageMs } from './traffic.ts'

if (requirePrivateServers('PostgreSQL server outage')) describe('PostgreSQL server outage', () => {
  // Private servers: the suite's shared ones must not go away under other test files.
  let pg: ControllableService
  let ch: ControllableService
  let mail: MailSink
  let engine: TestEngine | undefined

  beforeAll(async () => {
    ;[pg, ch, mail] = await Promise.all([startPostgres(), startClickHouse(), startMailSink()])
  })
  afterAll(async () => {
    await engine?.app.stop()
    await Promise.allSettled([mail?.close(), pg?.stop(), ch?.stop()])
  })

  it('refuses ingest with 503 meanwhile, loses nothing accepted and sends nothing twice', async () => {
    engine = await startEngine({ databaseUrl: pg.url, clickhouseUrl: ch.url, clickhouseDatabase: 'outage_pg', smtpUrl: mail.url, config: { outboxLeaseMs: 5_000 } })
    await engine.app.start()
    const url = engine.url
    await runOutage({
      prefix: 'pgo',
      engine,
      mail,
      fault: pg,
      ingestRefused: true,
      async during() {
        const res = await fetch(`${url}/readyz`)
        expect(res.status).toBe(503)
      },
    })
  }, outageMs() + 420_000)
})
