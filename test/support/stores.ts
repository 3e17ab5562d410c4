// Fresh stores for tests: a copy of the migrated PGlite template, in a new directory under the
// run's temporary folder (globalSetup removes it after the run: PGlite and chDB data are large).
import { cpSync, mkdtempSync } from 'node:fs'
import { join } from 'node:path'
import { inject } from 'vitest'

/** A new data directory whose `ops` sub-directory is a migrated, empty operational store. */
export function freshDataDir(prefix = 'careloop-test-'): string {
  const dir = mkdtempSync(join(inject('testTmpDir'), prefix))
  cpSync(inject('pgTemplateDir'), join(dir, 'ops'), { recursive: true })
  return dir
}
