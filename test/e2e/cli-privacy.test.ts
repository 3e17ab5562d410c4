// `careloop export` and `careloop erase` as operators run them: the bin in a child process over the
// embedded stores an engine wrote (and closed), usage errors with exit 2, --help, progress.
import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { startEngine } from '../support/careloop.ts'
import { freshDataDir } from '../support/stores.ts'

const run = promisify(execFile)
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'careloop.js')

async function careloop(args: string[], dataDir: string) {
  try {
    const { stdout, stderr } = await run(BIN, args, { cwd: dataDir, env: { ...process.env, CARELOOP_DATA_DIR: dataDir }, maxBuffer: 16 << 20 })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string }
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
  }
}

describe('careloop export / erase', () => {
  it('exports a shopper, erases them with progress until every store is done, and refuses bad input with exit 2', async () => {
    const dataDir = freshDataDir()
    const clock = new ManualClock(Date.UTC(2026, 5, 1, 8))
    const engine = await startEngine({ clock, dataDir })
    const userId = `cli-${randomUUID().slice(0, 8)}`
    const email = `${userId}@example.com`
    const at = new Date(clock.now()).toISOString()
    await engine.ingest([
      { type: 'identify', messageId: randomUUID(), userId, traits: { email, name: 'Cli Person' }, timestamp: at },
      { type: 'track', messageId: randomUUID(), userId, event: 'Product Viewed', properties: { product_id: 'p1' }, timestamp: at },
    ])
    await engine.app.tick()
    await engine.app.stop()

    const help = await careloop(['--help'], dataDir)
    expect(help.stdout).toMatch(/^ {2}export\s/m)
    expect(help.stdout).toMatch(/^ {2}erase\s/m)
    expect((await careloop(['erase', '--help'], dataDir)).stdout).toContain('Usage: careloop erase ID')
    // Each process start costs seconds here: one of each kind of bad input, spread over both commands.
    for (const bad of [['export'], ['export', 'a', 'b'], ['erase', '--no-such-option', 'x'], ['erase', ''], ['erase', userId, '--timeout', 'soon']]) {
      const out = await careloop(bad, dataDir)
      expect(out.code, bad.join(' ')).toBe(2)
      expect(out.stderr).toContain(`careloop ${bad[0]}:`)
    }

    const exported = await careloop(['export', userId], dataDir)
    expect(exported.code, exported.stderr).toBe(0)
    const doc = JSON.parse(exported.stdout)
    expect(doc.profile.traits.email).toBe(email)
    expect(doc.history.map((e: { title: string }) => e.title)).toEqual(expect.arrayContaining(['Identify', 'Product Viewed']))
    const file = join(dataDir, 'export.json')
    expect((await careloop(['export', userId, '--out', file, '--by', 'dpo'], dataDir)).code).toBe(0)
    expect(JSON.parse(readFileSync(file, 'utf8')).customerId).toBe(userId)

    const erased = await careloop(['erase', userId, '--by', 'dpo'], dataDir)
    expect(erased.code, erased.stderr).toBe(0)
    expect(erased.stderr).toContain('operational store and mail folder done')
    expect(erased.stderr).toContain('every store is done')
    const erasure = JSON.parse(erased.stdout)
    expect(erasure.completedAt).not.toBeNull()
    expect(erasure.requestedBy).toBe('dpo')

    const after = await careloop(['export', userId], dataDir)
    expect(after.code).toBe(0)
    expect(after.stdout).not.toContain(email)
    expect(JSON.parse(after.stdout).history).toEqual([])
  }, 300_000)
})
