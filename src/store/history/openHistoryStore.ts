// Opens the history store: chDB in-process under a data directory (embedded mode), or a ClickHouse
// server by URL (scale-out). Migrations are applied before the store is returned.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { createClient, type ClickHouseClient, type ClickHouseClientConfigOptions } from '@clickhouse/client'
import { ClickHouseHistoryStore } from './ClickHouseHistoryStore.ts'

export type OpenHistoryStoreOptions =
  | { dataDir: string; database?: string }
  | { url: string; database?: string }

export async function openHistoryStore(options: OpenHistoryStoreOptions): Promise<ClickHouseHistoryStore> {
  const client = await createHistoryClient(options)
  const store = new ClickHouseHistoryStore(
    client,
    options.database === undefined ? {} : { database: options.database },
  )
  try {
    await store.migrate()
  } catch (error) {
    // Release the chDB session: while it is open this process can open no other data directory.
    await store.close().catch(() => {})
    throw error
  }
  return store
}

/** The client openHistoryStore uses: chDB at `${dataDir}/history`, or the server at `url`. */
export async function createHistoryClient(
  options: { dataDir: string } | { url: string },
): Promise<ClickHouseClient> {
  return 'dataDir' in options ? openChdb(options.dataDir) : openServer(options.url)
}

async function openChdb(dataDir: string): Promise<ClickHouseClient> {
  const path = join(dataDir, 'history')
  mkdirSync(path, { recursive: true })
  // Loaded lazily: the native engine is large and the server mode never needs it.
  const { createChdbConnection } = await import('chdb/connection')
  let connection
  try {
    connection = createChdbConnection({ path })
  } catch (error) {
    // Typically "only one active data directory per process": say which store wanted which path.
    throw new Error(`history store: cannot open chDB at ${path}: ${(error as Error).message}`, { cause: error })
  }
  // Cast: @clickhouse/client 1.23 bundles its own copy of client-common's types while chdb declares
  // the same Connection contract against the separate @clickhouse/client-common package.
  return createClient({ connection: connection as unknown as ChdbAsClientConnection })
}

type ChdbAsClientConnection = NonNullable<ClickHouseClientConfigOptions['connection']>

function openServer(url: string): ClickHouseClient {
  return createClient({ url, application: 'careloop-history' })
}
