// The history store on embedded chDB. chDB binds one data directory per process (vitest runs each
// file in its own fork), so everything here shares `dir`; blocks run in order and each closes
// what it opened.
import { afterAll, describe, expect, it } from 'vitest'
import { ClickHouseHistoryStore } from '../../../src/store/history/ClickHouseHistoryStore.ts'
import { createHistoryClient, openHistoryStore } from '../../../src/store/history/openHistoryStore.ts'
import { migrations } from '../../../src/store/history/migrations.ts'
import { historyStoreContract } from './contract.ts'
import { T0, event, signal, tempDir } from './fixtures.ts'
import { migrationsContract } from './migrationsContract.ts'

const dir = tempDir('history-chdb')
afterAll(() => dir.remove())

historyStoreContract('chDB', () => openHistoryStore({ dataDir: dir.path }))

migrationsContract('chDB', 'mig_', async (database, list) =>
  new ClickHouseHistoryStore(await createHistoryClient({ dataDir: dir.path }), {
    database,
    ...(list ? { migrations: list } : {}),
  }),
)

describe('chDB data directory lifecycle', () => {
  it('keeps data and schema across close and reopen of the same path', async () => {
    const first = await openHistoryStore({ dataDir: dir.path, database: 'reopen' })
    await first.append({ events: [event('c', 'm-1', T0)], signals: [signal('c', 's-1', T0 + 1)] })
    await first.close()
    expect(await first.ping()).toBe(false)
    await first.close() // idempotent

    const again = await openHistoryStore({ dataDir: dir.path, database: 'reopen' })
    try {
      expect(await again.applyMigrations()).toEqual([])
      expect(await again.schemaVersions()).toEqual(migrations.map((m) => m.version))
      expect((await again.timeline('c')).map((e) => e.id)).toEqual(['s-1', 'm-1'])
    } finally {
      await again.close()
    }
  })

  it('shares one path between two stores; closing one leaves the other working', async () => {
    const a = await openHistoryStore({ dataDir: dir.path, database: 'shared' })
    const b = await openHistoryStore({ dataDir: dir.path, database: 'shared' })
    await a.append({ events: [event('c', 'm-a', T0)] })
    expect((await b.timeline('c')).map((e) => e.id)).toEqual(['m-a'])
    await a.close()
    await b.append({ events: [event('c', 'm-b', T0 + 1)] })
    expect((await b.timeline('c')).map((e) => e.id)).toEqual(['m-b', 'm-a'])
    await b.close()
  })

  it('refuses a second data directory while one is open, naming the path', async () => {
    const open = await openHistoryStore({ dataDir: dir.path, database: 'single' })
    const other = tempDir('history-chdb-other')
    try {
      await expect(openHistoryStore({ dataDir: other.path })).rejects.toThrow(/cannot open chDB at .*history/)
      expect(await open.ping()).toBe(true)
    } finally {
      await open.close()
      other.remove()
    }
  })
})
