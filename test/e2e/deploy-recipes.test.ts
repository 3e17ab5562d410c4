// The deployment recipes (Dockerfile, deploy/careloop.service) point at files and commands that
// exist, and their health probe (deploy/healthcheck.js) tells a live engine from a dead port.
// No container runtime or systemd runs here: the files are checked, the probe is run for real.
import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEngine, type TestEngine } from '../support/careloop.ts'
import { freePort } from '../support/services/postgres.ts'

const run = promisify(execFile)
const ROOT = join(import.meta.dirname, '..', '..')

async function node(args: string[], env: NodeJS.ProcessEnv = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env } })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string }
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
  }
}

let engine: TestEngine
beforeAll(async () => {
  engine = await startEngine()
}, 120_000)
afterAll(async () => {
  await engine?.app.stop()
})

describe('deploy/healthcheck.js', () => {
  it('exits 0 for a live engine (healthz and readyz), 1 for a port nobody answers, 2 for a bad argument', async () => {
    const port = new URL(engine.url).port
    expect((await node(['deploy/healthcheck.js'], { PORT: port })).code).toBe(0)
    expect((await node(['deploy/healthcheck.js', 'readyz'], { PORT: port })).code).toBe(0)
    const dead = await node(['deploy/healthcheck.js', 'healthz'], { PORT: String(await freePort()) })
    expect(dead.code).toBe(1)
    expect(dead.stderr).toMatch(/unreachable on port/)
    expect((await node(['deploy/healthcheck.js', 'metrics'], { PORT: port })).code).toBe(2)
  }, 60_000)
})

describe('the recipes', () => {
  it('the Dockerfile copies files that exist and runs commands the CLI has', async () => {
    const lines = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').split('\n')
    const copied = lines.filter((l) => l.startsWith('COPY ')).flatMap((l) => l.split(/\s+/).slice(1, -1))
    expect(copied.length).toBeGreaterThan(3)
    for (const path of copied) expect(existsSync(join(ROOT, path)), path).toBe(true)
    const cmd = JSON.parse((lines.find((l) => l.startsWith('CMD ')) as string).slice(4)) as string[]
    expect(cmd.slice(0, 2)).toEqual(['node', 'bin/careloop.js'])
    expect((await node([...cmd.slice(1), '--help'])).code).toBe(0)
    const probe = JSON.parse((lines.find((l) => l.startsWith('HEALTHCHECK ')) as string).replace(/^.*CMD /, '')) as string[]
    expect(existsSync(join(ROOT, probe[1] as string))).toBe(true)
  })

  it('the systemd unit runs commands the CLI has', async () => {
    const unit = readFileSync(join(ROOT, 'deploy', 'careloop.service'), 'utf8')
    const commands = [...unit.matchAll(/^Exec(?:Start|StartPre)=\/usr\/bin\/node (\S+) (\S+)$/gm)].map((m) => [m[1] as string, m[2] as string])
    expect(commands).toEqual([['bin/careloop.js', 'migrate'], ['bin/careloop.js', 'start']])
    for (const [bin, sub] of commands) expect((await node([String(bin), String(sub), '--help'])).code).toBe(0)
    expect(unit).toMatch(/deploy\/healthcheck\.js healthz/)
  })
})
