// The reached-first queries on embedded chDB, and on a ClickHouse server (Debian's 18.16 in tests)
// when CARELOOP_TEST_CLICKHOUSE_URL names one; fresh databases, dropped afterwards.
import { createClient } from '@clickhouse/client'
import { afterAll } from 'vitest'
import { createHistoryClient, openHistoryStore } from '../../../src/store/history/openHistoryStore.ts'
import { requireClickHouse } from '../../support/requireServers.ts'
import { dropDatabaseAfterAll, queryBackend } from './backend.ts'
import { tempDir } from './fixtures.ts'
import { reachedFirstContract } from './reachedFirstContract.ts'

const dir = tempDir('history-reached')
afterAll(() => dir.remove())

reachedFirstContract('chDB', async () => queryBackend(await openHistoryStore({ dataDir: dir.path, database: 'reached' }), await createHistoryClient({ dataDir: dir.path })), 15)

const url = requireClickHouse('reached first on a ClickHouse server')
if (url) {
  const database = `careloop_r${Date.now()}_${process.pid}`
  dropDatabaseAfterAll(url, database)
  reachedFirstContract('ClickHouse server', async () => queryBackend(await openHistoryStore({ url, database }), createClient({ url })), 15)
}
