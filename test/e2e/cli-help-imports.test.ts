// `careloop --help` and each command's --help answer without loading the stores or the engine
// (PGlite, chDB, Kafka, Fastify take seconds and ≈ 120 MB to load). Every module the process
// resolves is recorded by a preload; the heavy packages must not be among them.
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, inject, it } from 'vitest'

const run = promisify(execFile)
const ROOT = join(import.meta.dirname, '..', '..')
const HEAVY = /\/node_modules\/(@electric-sql\/pglite|chdb|kafkajs|@confluentinc|fastify|@clickhouse\/client)\//

async function importsOf(args: string[]): Promise<{ stdout: string; urls: string[] }> {
  const record = join(mkdtempSync(join(inject('testTmpDir'), 'cli-imports-')), 'imports.txt')
  const { stdout } = await run(process.execPath, ['--import', './test/support/recordImports.mjs', 'bin/careloop.js', ...args], { cwd: ROOT, env: { ...process.env, CARELOOP_RECORD_IMPORTS: record } })
  return { stdout, urls: readFileSync(record, 'utf8').split('\n').filter(Boolean) }
}

describe('careloop --help', () => {
  it.each([[['--help']], [['start', '--help']], [['replay', '--help']], [['backtest', '--help']], [['keys', '--help']], [['migrate', '--help']], [['export', '--help']], [['erase', '--help']], [['demo', '--help']]])('%j loads no store, engine or server', async (args) => {
    const { stdout, urls } = await importsOf(args)
    expect(stdout).toMatch(/usage/i)
    // The recorder saw the command's own modules (it records at all).
    expect(urls.some((u) => u.endsWith('/src/cli/index.ts'))).toBe(true)
    expect(urls.filter((u) => HEAVY.test(u))).toEqual([])
  }, 60_000)
})
