// PGlite's memory settings: a new data directory is created in a worker thread (its initdb
// garbage dies with the worker) and still opens, migrates and keeps its rows; shared_buffers is
// what CARELOOP_PGLITE_SHARED_BUFFERS says, and anything else in that variable is refused.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import { dirname, join } from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { DEFAULT_PGLITE_SHARED_BUFFERS, loadConfig } from '../../../src/config.ts'
import { migrate } from '../../../src/store/operational/migrate.ts'
import { PgliteDatabase, POSTGRES_SIZE } from '../../../src/store/operational/PgliteDatabase.ts'
import { freshDataDir } from '../../support/stores.ts'

const dirs: string[] = []
const newDir = () => {
  const dir = mkdtempSync(join(os.tmpdir(), 'careloop-pglite-memory-'))
  dirs.push(dir)
  return join(dir, 'ops')
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

describe('PGlite memory settings', () => {
  it('creates a new data directory (initdb in a worker), applies shared_buffers, and reopens it with its rows', async () => {
    const dir = newDir()
    const db = await PgliteDatabase.open(dir, { sharedBuffers: '16MB' })
    try {
      expect((await db.query<{ shared_buffers: string }>('SHOW shared_buffers')).rows[0]?.shared_buffers).toBe('16MB')
      await migrate(db)
      await db.query('INSERT INTO settings (key, value) VALUES ($1, $2)', ['memory-test', JSON.stringify('kept')])
    } finally {
      await db.close()
    }
    const reopened = await PgliteDatabase.open(dir)
    try {
      expect((await reopened.query<{ shared_buffers: string }>('SHOW shared_buffers')).rows[0]?.shared_buffers).toBe('128MB')
      const rows = (await reopened.query<{ value: unknown }>('SELECT value FROM settings WHERE key = $1', ['memory-test'])).rows
      expect(rows).toHaveLength(1)
      expect(reopened.wasmMemoryBytes()).toBeGreaterThan(0)
    } finally {
      await reopened.close()
    }
  }, 120_000)

  it('refuses a shared_buffers that is not a size, before it locks the directory', async () => {
    const dir = join(freshDataDir('careloop-pglite-memory-'), 'ops')
    dirs.push(dirname(dir))
    await expect(PgliteDatabase.open(dir, { sharedBuffers: '16MB -c fsync=off' })).rejects.toThrow(/shared_buffers/)
    const db = await PgliteDatabase.open(dir, { sharedBuffers: '8MB' })
    await db.close()
  }, 120_000)
})

describe('CARELOOP_PGLITE_SHARED_BUFFERS', () => {
  it('defaults to careloop’s size and takes a PostgreSQL size', () => {
    expect(loadConfig({}).pgliteSharedBuffers).toBe(DEFAULT_PGLITE_SHARED_BUFFERS)
    expect(loadConfig({ CARELOOP_PGLITE_SHARED_BUFFERS: '64MB' }).pgliteSharedBuffers).toBe('64MB')
    expect(loadConfig({ CARELOOP_PGLITE_SHARED_BUFFERS: '1GB' }).pgliteSharedBuffers).toBe('1GB')
  })

  it('refuses anything else, naming the variable', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (raw) => {
        fc.pre(raw !== '' && !POSTGRES_SIZE.test(raw))
        expect(() => loadConfig({ CARELOOP_PGLITE_SHARED_BUFFERS: raw })).toThrow(/CARELOOP_PGLITE_SHARED_BUFFERS/)
      }),
    )
    for (const raw of ['0', '16 MB', '16mb', '-1MB', '16MB\u0000', '16MB;', '12345678901MB']) {
      expect(() => loadConfig({ CARELOOP_PGLITE_SHARED_BUFFERS: raw })).toThrow(/CARELOOP_PGLITE_SHARED_BUFFERS/)
    }
  })
})
