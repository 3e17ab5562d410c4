// Applies the versioned migrations that a database has not recorded yet, in version order.
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client'
import type { Migration } from './migrations.ts'
import {
  MIGRATIONS_COLUMNS,
  MIGRATIONS_TABLE,
  createDatabase,
  createMigrationsTable,
  qualified,
  quoteColumns,
  selectAppliedVersions,
} from './sql.ts'
import { toNumber } from './rows.ts'

export interface MigrateOptions {
  database: string
  migrations: readonly Migration[]
  settings: ClickHouseSettings
  now?: () => number
}

/** Throws unless versions are positive integers, strictly increasing. */
export function checkMigrationList(list: readonly Migration[]): void {
  let previous = 0
  for (const m of list) {
    if (!Number.isSafeInteger(m.version) || m.version <= previous) {
      throw new Error(`history migrations: version ${m.version} (${m.name}) must be an integer > ${previous}`)
    }
    previous = m.version
  }
}

/** Versions recorded as applied in the database (empty if none; the table must exist). */
export async function appliedVersions(
  client: ClickHouseClient,
  database: string,
  settings: ClickHouseSettings,
): Promise<number[]> {
  const result = await client.query({
    query: selectAppliedVersions(database),
    format: 'JSONEachRow',
    clickhouse_settings: settings,
  })
  const rows = await result.json<{ version: unknown }>()
  return rows.map((row) => toNumber(row.version, 'version'))
}

/**
 * ClickHouse 18.16 has no ADD COLUMN IF NOT EXISTS: when several engine processes start at once
 * (scale-out), another one may have added the column between our check and our ALTER.
 */
function addedByAnother(query: string, err: unknown): boolean {
  return /\bADD COLUMN\b/i.test(query) && /already exists/i.test(err instanceof Error ? err.message : String(err))
}

/** Returns the versions it applied (empty when the database was up to date). */
export async function applyMigrations(client: ClickHouseClient, options: MigrateOptions): Promise<number[]> {
  const { database, migrations, settings } = options
  const now = options.now ?? Date.now
  checkMigrationList(migrations)
  await client.command({ query: createDatabase(database), clickhouse_settings: settings })
  await client.command({ query: createMigrationsTable(database), clickhouse_settings: settings })

  const done = new Set(await appliedVersions(client, database, settings))
  const applied: number[] = []
  for (const migration of migrations) {
    if (done.has(migration.version)) continue
    for (const statement of migration.statements) {
      const query = statement(database)
      try {
        await client.command({ query, clickhouse_settings: settings })
      } catch (err) {
        if (!addedByAnother(query, err)) throw err
      }
    }
    // Recorded only after every statement succeeded (see migrations.ts on re-runnable statements).
    await client.insert({
      table: qualified(database, MIGRATIONS_TABLE),
      columns: quoteColumns(MIGRATIONS_COLUMNS),
      format: 'JSONEachRow',
      values: [{ version: migration.version, name: migration.name, applied_at_ms: now() }],
      clickhouse_settings: settings,
    })
    applied.push(migration.version)
  }
  return applied
}
