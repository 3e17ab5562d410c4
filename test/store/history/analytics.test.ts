// The analytics queries on embedded chDB, and on a ClickHouse server (Debian's 18.16 in tests)
// when CARELOOP_TEST_CLICKHOUSE_URL names one; each run uses fresh databases, dropped afterwards.
import { createClient } from '@clickhouse/client'
import { afterAll } from 'vitest'
import { createHistoryClient, openHistoryStore } from '../../../src/store/history/openHistoryStore.ts'
import { analyticsContract } from './analyticsContract.ts'
import { dropDatabaseAfterAll, queryBackend } from './backend.ts'
import { tempDir } from './fixtures.ts'
import { requireClickHouse } from '../../support/requireServers.ts'

const dir = tempDir('history-analytics')
afterAll(() => dir.remove())

analyticsContract('chDB', async () =>
  queryBackend(await openHistoryStore({ dataDir: dir.path, database: 'analytics' }), await createHistoryClient({ dataDir: dir.path })),
)

const url = requireClickHouse('history analytics on a ClickHouse server')
if (url) {
  const database = `careloop_a${Date.now()}_${process.pid}`
  dropDatabaseAfterAll(url, database)
  analyticsContract('ClickHouse server', async () => queryBackend(await openHistoryStore({ url, database }), createClient({ url })))
}
