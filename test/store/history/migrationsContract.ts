// Versioned migrations: applied once, in order, only the missing ones; run on each backend.
import { afterAll, describe, expect, it } from 'vitest'
import type { ClickHouseHistoryStore } from '../../../src/store/history/ClickHouseHistoryStore.ts'
import { migrations, type Migration } from '../../../src/store/history/migrations.ts'
import { qualified } from '../../../src/store/history/sql.ts'
import { T0, event } from './fixtures.ts'

/** Makes a store on `database` (not migrated yet); the suite closes what it makes. */
export type MakeStore = (database: string, list?: readonly Migration[]) => Promise<ClickHouseHistoryStore>

// Test-only migrations on top of the real ones: v101 creates a table that v102 alters, so v102
// fails unless v101 ran first.
const v101: Migration = {
  version: 101,
  name: 'test: extra table',
  statements: [(db) => `CREATE TABLE IF NOT EXISTS ${qualified(db, 'extra')} (id String) ENGINE = MergeTree() ORDER BY id`],
}
const v102: Migration = {
  version: 102,
  name: 'test: extra column',
  statements: [(db) => `ALTER TABLE ${qualified(db, 'extra')} ADD COLUMN note String DEFAULT 'n'`],
}
const broken: Migration = {
  version: 102,
  name: 'test: broken',
  statements: [(db) => `ALTER TABLE ${qualified(db, 'no_such_table')} ADD COLUMN note String`],
}

export function migrationsContract(name: string, prefix: string, make: MakeStore): void {
  describe(`history migrations: ${name}`, () => {
    const opened: ClickHouseHistoryStore[] = []
    const open = async (database: string, list?: readonly Migration[]) => {
      const store = await make(`${prefix}${database}`, list)
      opened.push(store)
      return store
    }
    afterAll(async () => {
      for (const store of opened) await store.close()
    })

    it('applies everything on a fresh database, then nothing on the second run', async () => {
      const store = await open('fresh')
      const all = migrations.map((m) => m.version)
      expect(await store.applyMigrations()).toEqual(all)
      expect(await store.applyMigrations()).toEqual([])
      await store.migrate()
      expect(await store.schemaVersions()).toEqual(all)
      await store.append({ events: [event('c', 'm-1', T0)] })
      expect(await store.timeline('c')).toHaveLength(1)
    })

    it('applies only the missing versions, in order', async () => {
      const first = await open('partial', [...migrations, v101])
      expect(await first.applyMigrations()).toEqual([...migrations.map((m) => m.version), 101])
      const later = await open('partial', [...migrations, v101, v102])
      expect(await later.applyMigrations()).toEqual([102])
      expect(await later.schemaVersions()).toEqual([...migrations.map((m) => m.version), 101, 102])
    })

    it('does not record a failed migration and retries it next time', async () => {
      const failing = await open('failing', [...migrations, v101, broken])
      await expect(failing.applyMigrations()).rejects.toThrow()
      expect(await failing.schemaVersions()).toEqual([...migrations.map((m) => m.version), 101])
      const fixed = await open('failing', [...migrations, v101, v102])
      expect(await fixed.applyMigrations()).toEqual([102])
    })

    it('an ADD COLUMN another process applied first (not yet recorded) counts as done', async () => {
      // Two engines starting at once both find the version missing; one adds the column first.
      const first = await open('racing', [...migrations, v101, v102])
      expect(await first.applyMigrations()).toContain(102)
      const again = await open('racing', [...migrations, v101, v102, { ...v102, version: 103, name: 'test: the same column again' }])
      expect(await again.applyMigrations()).toEqual([103])
      const other = await open('racing_other', [...migrations, v101, broken])
      await expect(other.applyMigrations()).rejects.toThrow()
    })

    it('engines starting at once all migrate one fresh database', async () => {
      const list = [...migrations, v101, v102]
      const stores = await Promise.all(Array.from({ length: 4 }, () => open('at_once', list)))
      const applied = await Promise.all(stores.map((s) => s.applyMigrations()))
      // Each version was applied by at least one of them; the database has them all.
      expect(new Set(applied.flat())).toEqual(new Set(list.map((m) => m.version)))
      expect(await (stores[0] as ClickHouseHistoryStore).schemaVersions()).toEqual(list.map((m) => m.version))
      await (stores[1] as ClickHouseHistoryStore).append({ events: [event('c', 'm-1', T0)] })
      expect(await (stores[2] as ClickHouseHistoryStore).timeline('c')).toHaveLength(1)
    })

    it('rejects a list whose versions do not increase', async () => {
      const store = await open('badlist', [v101, { ...v101, name: 'again' }])
      await expect(store.applyMigrations()).rejects.toThrow(/must be an integer > 101/)
    })
  })
}
