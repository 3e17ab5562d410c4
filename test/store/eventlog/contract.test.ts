// The event-log part of the operational-store contract, with the log as segment files (the
// data-directory configuration); the PGlite and PostgreSQL runs cover the SQL table.
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe } from 'vitest'
import { openOperationalStore } from '../../../src/store/operational/OperationalStore.ts'
import { freshDataDir } from '../../support/stores.ts'
import { eventLogContract } from '../operational/contract/eventLog.ts'
import { contractContext } from '../operational/contract/fixtures.ts'

const dirs: string[] = []
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

describe('event log contract: segment files', () => {
  eventLogContract(
    contractContext(async () => {
      const dir = freshDataDir('careloop-filelog-contract-')
      dirs.push(dir)
      return openOperationalStore({ dataDir: join(dir, 'ops'), eventLog: { dir: join(dir, 'log'), source: 'embedded' } })
    }, {}),
  )
})
