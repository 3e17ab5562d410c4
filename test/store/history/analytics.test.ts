// The analytics queries on embedded chDB, and on a ClickHouse server (Debian's 18.16 in tests)
// when CARELOOP_TEST_CLICKHOUSE_URL names one; each run uses fresh databases, dropped afterwards.
import { createClient, type ClickHouseClient } from '@clickhouse/client'
import { afterAll } from 'vitest'
import { createHistoryClient, openHistoryStore } from '../../../src/store/history/openHistoryStore.ts'
import { analyticsContract, type AnalyticsBackend } from './analyticsContract.ts'
import { tempDir } from './fixtures.ts'
import { requireClickHouse } from '../../support/requireServers.ts'

const SETTINGS = { output_format_json_quote_64bit_integers: 1 } as const

function backend(store: AnalyticsBackend['store'], client: ClickHouseClient): AnalyticsBackend {
  return {
    store,
    async query(sql) {
      const result = await client.query({ query: sql, format: 'JSONEachRow', clickhouse_settings: SETTINGS })
      return result.json<Record<string, unknown>>()
    },
    async close() {
      await client.close()
      await store.close()
    },
  }
}

const dir = tempDir('history-analytics')
afterAll(() => dir.remove())

analyticsContract('chDB', async () =>
  backend(await openHistoryStore({ dataDir: dir.path, database: 'analytics' }), await createHistoryClient({ dataDir: dir.path })),
)

const url = requireClickHouse('history analytics on a ClickHouse server')
if (url) {
  const database = `careloop_a${Date.now()}_${process.pid}`
  afterAll(async () => {
    const admin = createClient({ url })
    try {
      // Ours and [a-z0-9_] only, so plain interpolation is safe in this cleanup.
      await admin.command({ query: `DROP DATABASE IF EXISTS ${database}` })
    } finally {
      await admin.close()
    }
  })
  analyticsContract('ClickHouse server', async () => backend(await openHistoryStore({ url, database }), createClient({ url })))
}
