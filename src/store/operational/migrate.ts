// Brings an operational database up to the migrations in migrations.ts.
import { migrations } from './migrations.ts'
import type { SqlDatabase } from './SqlExecutor.ts'

/** Applies the migrations not yet recorded in schema_migrations, each in its own transaction. */
export async function migrate(db: SqlDatabase, now: number = Date.now()): Promise<number[]> {
  // The bookkeeping table is the one thing that must exist before any migration can be recorded.
  await db.execScript(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
  )
  const applied = new Set(
    (await db.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version),
  )
  const done: number[] = []
  for (const m of migrations) {
    if (applied.has(m.version)) continue
    await db.transaction(async (tx) => {
      for (const statement of splitStatements(m.sql)) await tx.query(statement)
      await tx.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, now])
    })
    done.push(m.version)
  }
  return done
}

/**
 * Migration scripts hold no string literals with semicolons, so a split on them is exact, except
 * inside dollar-quoted bodies (`$$ … $$`, trigger functions), which are kept whole.
 */
export function splitStatements(sql: string): string[] {
  const statements: string[] = []
  let current = ''
  sql.split('$$').forEach((part, i) => {
    if (i % 2 === 1) {
      current += `$$${part}$$`
      return
    }
    const [first = '', ...rest] = part.split(';')
    current += first
    for (const piece of rest) {
      statements.push(current)
      current = piece
    }
  })
  statements.push(current)
  return statements.map((s) => s.trim()).filter((s) => s.length > 0)
}
