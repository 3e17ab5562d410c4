// The history store on a ClickHouse server (Debian's 18.16 here, 23.8+ in production).
// Runs when CARELOOP_TEST_CLICKHOUSE_URL names a server (e.g. http://127.0.0.1:18123); each run
// uses fresh databases and drops them afterwards.
import { createClient } from '@clickhouse/client'
import { afterAll } from 'vitest'
import { ClickHouseHistoryStore } from '../../../src/store/history/ClickHouseHistoryStore.ts'
import { createHistoryClient, openHistoryStore } from '../../../src/store/history/openHistoryStore.ts'
import { requireClickHouse } from '../../support/requireServers.ts'
import { historyStoreContract } from './contract.ts'
import { migrationsContract } from './migrationsContract.ts'

const url = requireClickHouse('history store on a ClickHouse server')

if (url) {
  const prefix = `careloop_t${Date.now()}_${process.pid}_`

  afterAll(async () => {
    const admin = createClient({ url })
    try {
      const result = await admin.query({ query: 'SELECT name FROM system.databases', format: 'JSONEachRow' })
      const names = (await result.json<{ name: string }>()).map((r) => r.name).filter((n) => n.startsWith(prefix))
      // Names are ours and match [a-z0-9_], so plain interpolation is safe in this cleanup.
      for (const name of names) await admin.command({ query: `DROP DATABASE IF EXISTS ${name}` })
    } finally {
      await admin.close()
    }
  })

  historyStoreContract('ClickHouse server', () => openHistoryStore({ url, database: `${prefix}contract` }))

  migrationsContract('ClickHouse server', prefix, async (database, list) =>
    new ClickHouseHistoryStore(await createHistoryClient({ url }), {
      database,
      ...(list ? { migrations: list } : {}),
    }),
  )
}
