// The operational-store contract on PGlite (embedded): each store is a fresh copy of the migrated
// template that globalSetup prepares.
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll } from 'vitest'
import { openOperationalStore } from '../../../src/store/operational/OperationalStore.ts'
import { freshDataDir } from '../../support/stores.ts'
import { operationalStoreContract } from './contract.ts'

const dirs: string[] = []

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

operationalStoreContract('PGlite', async () => {
  const dir = freshDataDir('careloop-ops-contract-')
  dirs.push(dir)
  return openOperationalStore({ dataDir: join(dir, 'ops') })
})
