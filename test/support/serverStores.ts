// A fresh PostgreSQL database and ClickHouse database on the test servers, dropped afterwards.
import pg from 'pg'

export interface ServerStores {
  databaseUrl: string
  clickhouseUrl: string
  clickhouseDatabase: string
  drop(): Promise<void>
}

export function testServerUrls(): { pgUrl: string; chUrl: string } | undefined {
  const pgUrl = process.env['CARELOOP_TEST_DATABASE_URL']
  const chUrl = process.env['CARELOOP_TEST_CLICKHOUSE_URL']
  return pgUrl && chUrl ? { pgUrl, chUrl } : undefined
}

export async function createServerStores(prefix: string): Promise<ServerStores> {
  const urls = testServerUrls()
  if (!urls) throw new Error('CARELOOP_TEST_DATABASE_URL and CARELOOP_TEST_CLICKHOUSE_URL must be set')
  const name = `${prefix}_${Date.now()}_${process.pid}`.replace(/[^a-z0-9_]/g, '_')
  const admin = new pg.Client({ connectionString: urls.pgUrl })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`) // the name is ours: [a-z0-9_]
  await admin.end()
  const dbUrl = new URL(urls.pgUrl)
  dbUrl.pathname = `/${name}`
  return {
    databaseUrl: dbUrl.toString(),
    clickhouseUrl: urls.chUrl,
    clickhouseDatabase: name,
    async drop() {
      const a = new pg.Client({ connectionString: urls.pgUrl })
      await a.connect()
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await a.end()
      await fetch(`${urls.chUrl}/?query=${encodeURIComponent(`DROP DATABASE IF EXISTS ${name}`)}`, { method: 'POST' })
    },
  }
}
