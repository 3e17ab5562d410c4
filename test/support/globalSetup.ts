// Runs once before all test files: prepares a migrated PGlite data directory that tests copy,
// because creating a new PGlite database (initdb) takes several seconds each time. With
// CARELOOP_TEST_SERVICES=1 (set by scripts/test.sh) it also starts a private PostgreSQL and
// ClickHouse server, unless CARELOOP_TEST_DATABASE_URL / CARELOOP_TEST_CLICKHOUSE_URL already name
// one; the URLs go into process.env, which the forked test workers inherit.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { openOperationalStore } from '../../src/store/operational/OperationalStore.ts'
import { startClickHouse } from './services/clickhouse.ts'
import { startPostgres, type RunningService } from './services/postgres.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    pgTemplateDir: string
    /** Where tests make their data directories; removed with everything in it after the run. */
    testTmpDir: string
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const root = mkdtempSync(join(tmpdir(), 'careloop-pg-template-'))
  const dir = join(root, 'ops')
  const services: RunningService[] = []
  const wanted = process.env['CARELOOP_TEST_SERVICES'] === '1'

  async function service(env: string, start: () => Promise<RunningService>): Promise<void> {
    if (!wanted || process.env[env]) return
    const started = Date.now()
    const running = await start()
    services.push(running)
    process.env[env] = running.url
    console.log(`[globalSetup] ${env}=${running.url} (started in ${Date.now() - started} ms)`)
  }

  const teardown = async (): Promise<void> => {
    await Promise.allSettled(services.map((s) => s.stop()))
    rmSync(root, { recursive: true, force: true })
  }

  // The servers start while PGlite runs its initdb: they add nothing to the setup time.
  const results = await Promise.allSettled([
    openOperationalStore({ dataDir: dir }).then((store) => store.close()),
    service('CARELOOP_TEST_DATABASE_URL', startPostgres),
    service('CARELOOP_TEST_CLICKHOUSE_URL', startClickHouse),
  ])
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failed) {
    await teardown()
    throw failed.reason
  }
  project.provide('pgTemplateDir', dir)
  project.provide('testTmpDir', root)
  return teardown
}
