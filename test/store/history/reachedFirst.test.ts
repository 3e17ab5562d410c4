// The reached-first queries on embedded chDB, and on a ClickHouse server (Debian's 18.16 in tests)
// when CARELOOP_TEST_CLICKHOUSE_URL names one; fresh databases, dropped afterwards.
import { createClient } from '@clickhouse/client'
import { afterAll } from 'vitest'
import { openHistoryStore } from '../../../src/store/history/openHistoryStore.ts'
import { requireClickHouse } from '../../support/requireServers.ts'
import { tempDir } from './fixtures.ts'
import { reachedFirstContract } from './reachedFirstContract.ts'

const dir = tempDir('history-reached')
afterAll(() => dir.remove())

reachedFirstContract('chDB', () => openHistoryStore({ dataDir: dir.path, database: 'reached' }), 15)

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
  reachedFirstContract('ClickHouse server', () => openHistoryStore({ url, database }), 15)
}
