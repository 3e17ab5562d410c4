// The reached-first queries on embedded chDB, and on a ClickHouse server (Debian's 18.16 in tests)
// when CARELOOP_TEST_CLICKHOUSE_URL names one; fresh databases, dropped afterwards.
import { createClient, type ClickHouseClient } from '@clickhouse/client'
import { afterAll } from 'vitest'
import type { ClickHouseHistoryStore } from '../../../src/store/history/ClickHouseHistoryStore.ts'
import { createHistoryClient, openHistoryStore } from '../../../src/store/history/openHistoryStore.ts'
import { requireClickHouse } from '../../support/requireServers.ts'
import { tempDir } from './fixtures.ts'
import { reachedFirstContract, type ReachedBackend } from './reachedFirstContract.ts'

function backend(store: ClickHouseHistoryStore, client: ClickHouseClient): ReachedBackend {
  return {
    store,
    async query(sql) {
      const result = await client.query({ query: sql, format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 1 } })
      return result.json<Record<string, unknown>>()
    },
    async close() {
      await client.close()
      await store.close()
    },
  }
}

const dir = tempDir('history-reached')
afterAll(() => dir.remove())

reachedFirstContract('chDB', async () => backend(await openHistoryStore({ dataDir: dir.path, database: 'reached' }), await createHistoryClient({ dataDir: dir.path })), 15)

const url = requireClickHouse('reached first on a ClickHouse server')
if (url) {
  const database = `careloop_r${Date.now()}_${process.pid}`
  afterAll(async () => {
    const admin = createClient({ url })
    try {
      // Ours and [a-z0-9_] only, so plain interpolation is safe in this cleanup.
      await admin.command({ query: `DROP DATABASE IF EXISTS ${database}` })
    } finally {
      await admin.close()
    }
  })
  reachedFirstContract('ClickHouse server', async () => backend(await openHistoryStore({ url, database }), createClient({ url })), 15)
}
