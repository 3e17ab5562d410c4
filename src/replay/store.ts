// A throw-away operational store for sandboxes: PGlite in memory, loaded from a dump of a
// freshly migrated database. Creating and migrating a PGlite database takes seconds; loading the
// dump well under one, so the dump is made once per process and reused.
import { migrate } from '../store/operational/migrate.ts'
import { OperationalStore } from '../store/operational/OperationalStore.ts'
import { PgliteDatabase, type PgliteDump } from '../store/operational/PgliteDatabase.ts'

let migrated: Promise<PgliteDump> | undefined

async function dumpMigrated(): Promise<PgliteDump> {
  const db = await PgliteDatabase.open(undefined)
  try {
    await migrate(db, 0)
    return await db.dump()
  } finally {
    await db.close()
  }
}

/** A new, empty, migrated operational store in memory. */
export async function openScratchStore(): Promise<OperationalStore> {
  migrated ??= dumpMigrated()
  let dump: PgliteDump
  try {
    dump = await migrated
  } catch (err) {
    migrated = undefined // let the next sandbox try again
    throw err
  }
  const db = await PgliteDatabase.fromDump(dump)
  // A no-op unless the dump predates a migration (it never does within one process).
  await migrate(db, 0)
  return new OperationalStore(db)
}
