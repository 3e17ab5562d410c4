// Runs once before all test files: prepares a migrated PGlite data directory that tests copy,
// because creating a new PGlite database (initdb) takes several seconds each time.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { openOperationalStore } from '../../src/store/operational/OperationalStore.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    pgTemplateDir: string
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const root = mkdtempSync(join(tmpdir(), 'careloop-pg-template-'))
  const dir = join(root, 'ops')
  const store = await openOperationalStore({ dataDir: dir })
  await store.close()
  project.provide('pgTemplateDir', dir)
  return () => rmSync(root, { recursive: true, force: true })
}
