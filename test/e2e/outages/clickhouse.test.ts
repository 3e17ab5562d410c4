// ClickHouse server away for CARELOOP_OUTAGE_MS (default 60 s) while a shop keeps sending: ingest
// still accepts (events are made durable in PostgreSQL), processing waits and retries, and once
// the server is back every accepted event's effects appear exactly once.
import { afterAll, beforeAll, describe, it } from 'vitest'
import { startEngine, type TestEngine } from '../../support/careloop.ts'
import { requirePrivateServers } from '../../support/requireServers.ts'
import { startClickHouse } from '../../support/services/clickhouse.ts'
import { startPostgres, type ControllableService } from '../../support/services/postgres.ts'
import { startMailSink, type MailSink } from '../../support/smtp.ts'
import { runOutage } from './scenario.ts'
import { outageMs } from './traffic.ts'

if (requirePrivateServers('ClickHouse server outage')) describe('ClickHouse server outage', () => {
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

  it('keeps accepting, loses nothing and sends nothing twice', async () => {
    engine = await startEngine({ databaseUrl: pg.url, clickhouseUrl: ch.url, clickhouseDatabase: 'outage_ch', smtpUrl: mail.url, config: { outboxLeaseMs: 5_000 } })
    await engine.app.start()
    await runOutage({ prefix: 'cho', engine, mail, fault: ch })
  }, outageMs() + 420_000)
})
