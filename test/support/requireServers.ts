// Suites that need something this machine may lack (a test server, a browser): skipped locally,
// one failing test in their place under CI. CI installs and starts everything, so a missing piece
// there is a broken setup and must never pass as a silent skip.
import { existsSync } from 'node:fs'
import { describe, it } from 'vitest'
import { testServerUrls } from './serverStores.ts'

const SERVERS_HINT = 'npm test starts the test servers: scripts/test.sh'

/** Declares, in place of the suite `title`: a skipped suite locally, or one failing test under CI. */
export function unavailable(title: string, need: string, hint = SERVERS_HINT): void {
  if (process.env['CI']) {
    describe(title, () => {
      it(`needs ${need}`, () => {
        throw new Error(`${need}: missing, and CI is set, where this suite must run (${hint})`)
      })
    })
  } else {
    describe.skip(`${title} (needs ${need})`, () => {
      it('skipped', () => {})
    })
  }
}

/** The variable's value; when it is unset, undefined after declaring the suite unavailable. */
export function requireEnv(name: string, title: string): string | undefined {
  const value = process.env[name]
  if (!value) unavailable(title, name)
  return value || undefined
}

/** The PostgreSQL server's URL (CARELOOP_TEST_DATABASE_URL), or undefined after declaring the suite unavailable. */
export const requirePostgres = (title: string): string | undefined => requireEnv('CARELOOP_TEST_DATABASE_URL', title)

/** The ClickHouse server's URL (CARELOOP_TEST_CLICKHOUSE_URL), or undefined after declaring the suite unavailable. */
export const requireClickHouse = (title: string): string | undefined => requireEnv('CARELOOP_TEST_CLICKHOUSE_URL', title)

/** Both test servers' URLs, or undefined after declaring the suite unavailable. */
export function requireServers(title: string): { pgUrl: string; chUrl: string } | undefined {
  const urls = testServerUrls()
  if (!urls) unavailable(title, 'CARELOOP_TEST_DATABASE_URL and CARELOOP_TEST_CLICKHOUSE_URL')
  return urls
}

/** True when `path` exists (a browser binary, say), else false after declaring the suite unavailable. */
export function requireFile(path: string, title: string, hint: string): boolean {
  const present = existsSync(path)
  if (!present) unavailable(title, path, hint)
  return present
}

/**
 * True when the suite may start private servers of its own: CARELOOP_TEST_SERVICES=1 (npm test),
 * and always under CI. Otherwise false after declaring the suite skipped.
 */
export function requirePrivateServers(title: string): boolean {
  const wanted = process.env['CARELOOP_TEST_SERVICES'] === '1' || Boolean(process.env['CI'])
  if (!wanted) unavailable(title, 'CARELOOP_TEST_SERVICES=1', 'npm test sets it')
  return wanted
}
