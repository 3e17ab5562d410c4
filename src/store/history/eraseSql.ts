// Erasure in the history store: ALTER TABLE … DELETE mutations, the one delete both ClickHouse
// 18.16 and chDB run (no lightweight DELETE on 18.16). Mutations finish in the background, so
// completion is read from system.mutations.
import { quoteString } from './escape.ts'
import { qualified, type TableName } from './sql.ts'

const TABLES: readonly TableName[] = ['events', 'signals', 'decisions', 'deliveries', 'task_events']

const list = (values: readonly string[]): string => values.map(quoteString).join(', ')

/** One mutation per table; events also by the ids they were sent with (user_id, anonymous_id). */
export function eraseMutations(database: string, customerIds: readonly string[], anonymousIds: readonly string[]): string[] {
  if (customerIds.length === 0) return []
  return TABLES.map((table) => {
    let where = `customer_id IN (${list(customerIds)})`
    if (table === 'events') {
      where += ` OR user_id IN (${list(customerIds)})`
      if (anonymousIds.length > 0) where += ` OR anonymous_id IN (${list(anonymousIds)})`
    }
    return `ALTER TABLE ${qualified(database, table)} DELETE WHERE ${where}`
  })
}

/** Mutations of the database's history tables not yet done (any erasure's: completion is per store). */
export function pendingMutationsQuery(database: string): string {
  return `SELECT count() AS pending FROM system.mutations WHERE database = ${quoteString(database)} AND is_done = 0 AND table IN (${list(TABLES)})`
}
