// `careloop keys` through the bin, as an operator runs it before and between engine starts: keys
// made, rotated and revoked on the stores are the keys a started engine accepts and refuses.
import { execFile } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, inject, it } from 'vitest'
import { startEngineProcess } from '../support/process.ts'

const run = promisify(execFile)
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'careloop.js')

async function keys(dataDir: string, args: string[]) {
  try {
    const { stdout, stderr } = await run(BIN, ['keys', ...args], { env: { ...process.env, CARELOOP_DATA_DIR: dataDir, LOG_LEVEL: 'warn' } })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string }
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
  }
}

describe('careloop keys', () => {
  it('creates, lists, rotates and revokes keys a started engine then honours; bad input exits 2', async () => {
    const dataDir = mkdtempSync(join(inject('testTmpDir'), 'cli-keys-'))
    expect((await keys(dataDir, ['--help'])).stdout).toContain('Usage: careloop keys')
    for (const bad of [[], ['frob'], ['create', '--name', 'x'], ['create', '--name', 'x', '--role', 'root'], ['rotate'], ['revoke', 'key_nope'], ['create', '--name', 'w', '--role', 'ingest']]) {
      const out = await keys(dataDir, bad)
      expect(out.code, `${bad.join(' ')}: ${out.stderr}`).toBe(2)
      expect(out.stderr).toMatch(/^careloop keys: /)
    }

    const admin = await keys(dataDir, ['create', '--name', 'first ops admin', '--role', 'admin'])
    expect(admin.code, admin.stderr).toBe(0)
    const first = JSON.parse(admin.stdout) as { id: string; key: string }
    const agent = JSON.parse((await keys(dataDir, ['create', '--name', 'ana', '--role', 'agent'])).stdout) as { id: string; key: string }
    const listed = (await keys(dataDir, ['list'])).stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string })
    expect(listed.map((k) => k.id).sort()).toEqual([first.id, agent.id].sort())
    expect(JSON.stringify(listed)).not.toContain(first.key)

    const rotated = await keys(dataDir, ['rotate', first.id])
    expect(rotated.code, rotated.stderr).toBe(0)
    const second = JSON.parse(rotated.stdout) as { key: string; replaced: string }
    expect(second.replaced).toBe(first.id)
    expect((await keys(dataDir, ['revoke', agent.id])).code).toBe(0)

    const engine = await startEngineProcess({ CARELOOP_DATA_DIR: dataDir, CARELOOP_ABSENCE_SETTLE_MS: '0' })
    try {
      const status = async (key: string) => (await fetch(`${engine.url}/api/keys`, { headers: { authorization: `Bearer ${key}` } })).status
      expect(await status(second.key)).toBe(200)
      expect(await status(first.key)).toBe(401)
      expect(await status(agent.key)).toBe(401)
    } finally {
      await engine.kill('SIGTERM')
    }
  }, 300_000)
})
