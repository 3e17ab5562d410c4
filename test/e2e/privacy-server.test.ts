// Export and erase on request (docs/privacy.md) on a PostgreSQL server and ClickHouse 18.16, mail
// through a real SMTP server: the history deletions are mutations, followed until they are done.
import { afterAll, beforeAll, describe, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { startEngine, type TestEngine } from '../support/careloop.ts'
import { exportThenErase } from '../support/privacyScenario.ts'
import { requireServers } from '../support/requireServers.ts'
import { createServerStores, type ServerStores } from '../support/serverStores.ts'
import { startMailSink, type MailSink } from '../support/smtp.ts'

const TITLE = 'privacy: export, erase, suppression (PostgreSQL + ClickHouse servers)'
const TABLES = ['events', 'signals', 'decisions', 'deliveries', 'task_events']

if (requireServers(TITLE)) {
  describe(TITLE, () => {
    const clock = new ManualClock(Date.UTC(2026, 5, 1, 8, 0, 0))
    let mail: MailSink
    let servers: ServerStores
    let engine: TestEngine

    beforeAll(async () => {
      mail = await startMailSink()
      servers = await createServerStores('careloop_privacy')
      const { databaseUrl, clickhouseUrl, clickhouseDatabase } = servers
      engine = await startEngine({ databaseUrl, clickhouseUrl, clickhouseDatabase, smtpUrl: mail.url, clock })
    })
    afterAll(async () => {
      await engine?.app.stop()
      await mail?.close()
      await servers?.drop()
    })

    async function historyText(): Promise<string> {
      const texts = await Promise.all(
        TABLES.map(async (table) => {
          const query = `SELECT * FROM \`${servers.clickhouseDatabase}\`.\`${table}\` FORMAT JSONEachRow`
          const res = await fetch(`${servers.clickhouseUrl}/?query=${encodeURIComponent(query)}`)
          if (!res.ok) throw new Error(`${table}: ${res.status} ${await res.text()}`)
          return res.text()
        }),
      )
      return texts.join('\n')
    }

    it('a shopper with events, an email and a task is exported whole, then erased from every store, and stays erased', async () => {
      await exportThenErase({
        engine,
        clock,
        mailsTo: (address) => mail.messages.filter((m) => JSON.stringify(m.to).includes(address)).length,
        historyText,
      })
    })
  })
}
