// A history store together with a client of the same engine, for tests that also run raw SELECTs
// (the analytics and reached-first contracts), and the cleanup of a server database.
import { createClient, type ClickHouseClient } from '@clickhouse/client'
import { afterAll } from 'vitest'
import type { ClickHouseHistoryStore } from '../../../src/store/history/ClickHouseHistoryStore.ts'

export interface QueryBackend {
  /** A migrated store on a database of its own. */
  store: ClickHouseHistoryStore
  /** Runs a SELECT on the same engine; rows as JSON objects. */
  query(sql: string): Promise<Record<string, unknown>[]>
  close(): Promise<void>
}

const SETTINGS = { output_format_json_quote_64bit_integers: 1 } as const

export function queryBackend(store: ClickHouseHistoryStore, client: ClickHouseClient): QueryBackend {
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

/** Drops the server database after the file's tests; `database` must be ours and [a-z0-9_] only (it is interpolated). */
export function dropDatabaseAfterAll(url: string, database: string): void {
  afterAll(async () => {
    const admin = createClient({ url })
    try {
      await admin.command({ query: `DROP DATABASE IF EXISTS ${database}` })
    } finally {
      await admin.close()
    }
  })
}
