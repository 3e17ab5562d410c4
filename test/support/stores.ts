// Fresh stores for tests: a copy of the migrated PGlite template, in a new temp directory.
import { cpSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inject } from 'vitest'

/** A new data directory whose `ops` sub-directory is a migrated, empty operational store. */
export function freshDataDir(prefix = 'careloop-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  cpSync(inject('pgTemplateDir'), join(dir, 'ops'), { recursive: true })
  return dir
}
