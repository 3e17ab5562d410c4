// The one path every operational-store value takes to the database: positional parameters.
// Adapters: PGlite (embedded, in-process) and node-postgres (a PostgreSQL server).

export interface QueryResult<T> {
  rows: T[]
  affectedRows: number
}

export interface SqlExecutor {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>>
  /** Runs fn in one transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>
}

export interface SqlDatabase extends SqlExecutor {
  /** Runs a script of several statements without parameters (migrations only). */
  execScript(sql: string): Promise<void>
  close(): Promise<void>
}

/** PostgreSQL's limit is 65535 bind parameters per statement. */
const MAX_PARAMS = 30_000

/**
 * Builds multi-row INSERT statements (chunked under the parameter limit): one round trip per
 * chunk instead of one per row, which matters on PGlite's single in-process connection.
 */
export function multiRowInsert(
  table: string,
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
  suffix = '',
): Array<{ sql: string; params: unknown[] }> {
  const perChunk = Math.max(1, Math.floor(MAX_PARAMS / columns.length))
  const statements: Array<{ sql: string; params: unknown[] }> = []
  for (let start = 0; start < rows.length; start += perChunk) {
    const chunk = rows.slice(start, start + perChunk)
    const params: unknown[] = []
    const tuples = chunk.map((row) => {
      const slots = row.map((value) => {
        params.push(value)
        return `$${params.length}`
      })
      return `(${slots.join(', ')})`
    })
    statements.push({ sql: `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')} ${suffix}`.trim(), params })
  }
  return statements
}

export async function runInserts(db: SqlExecutor, statements: Array<{ sql: string; params: unknown[] }>): Promise<number> {
  let affected = 0
  for (const { sql, params } of statements) affected += (await db.query(sql, params)).affectedRows
  return affected
}

/** A JSON column stored as text (customer state, logged bodies), read back as its value. */
export function storedJson(value: unknown): unknown {
  return typeof value === 'string' ? (JSON.parse(value) as unknown) : value
}
