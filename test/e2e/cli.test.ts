// The `careloop` command and the start, run the ways npm and operators run them: through a bin
// symlinked into another folder (npm install -g, npx), via `npx careloop` in a checkout, from a
// tarball installed into an empty prefix, and a fresh clone started with NODE_ENV=production
// (npm leaves devDependencies out). Installs come from the npm cache the test run already filled.
import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import { describe, expect, inject, it } from 'vitest'
import { generateTrace } from '../../src/demo/trace.ts'
import { freePort } from '../support/services/postgres.ts'

const run = promisify(execFile)
const ROOT = join(import.meta.dirname, '..', '..')
const COMMANDS = ['start', 'replay', 'backtest', 'demo', 'export', 'erase', 'keys', 'migrate']
const npmEnv = { ...process.env, npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' }

const tmp = (prefix: string): string => mkdtempSync(join(inject('testTmpDir'), prefix))

/** Runs a command; resolves with its exit code and output whatever the code. */
async function exec(file: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }) {
  try {
    const { stdout, stderr } = await run(file, args, { ...options, maxBuffer: 16 << 20 })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string }
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
  }
}

const TRACE = [
  { type: 'track', messageId: 'cli-1', userId: 'cli-u1', event: 'Payment Failed', properties: { order_id: 'o1' }, timestamp: '2026-06-01T10:00:00Z' },
  { type: 'track', messageId: 'cli-2', userId: 'cli-u1', event: 'Payment Failed', properties: { order_id: 'o1' }, timestamp: '2026-06-01T10:05:00Z' },
]

function expectHelp(out: { code: number; stdout: string }): void {
  expect(out.code).toBe(0)
  for (const name of COMMANDS) expect(out.stdout).toMatch(new RegExp(`^  ${name}\\s`, 'm'))
}

describe('the careloop command', () => {
  it('runs through a bin symlinked into another folder: help, a bad command, a replay', async () => {
    const dir = tmp('cli-link-')
    symlinkSync(join(ROOT, 'bin', 'careloop.js'), join(dir, 'careloop'))
    const bin = join(dir, 'careloop')
    expectHelp(await exec(bin, ['--help'], { cwd: dir }))
    const bad = await exec(bin, ['frobnicate'], { cwd: dir })
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('unknown command "frobnicate"')
    const badOption = await exec(bin, ['replay', '--no-such-option', 'x'], { cwd: dir })
    expect(badOption.code).toBe(2)
    expect((await exec(bin, ['migrate', '--help'], { cwd: dir })).stdout).toContain('Usage: careloop migrate')

    writeFileSync(join(dir, 'trace.jsonl'), TRACE.map((m) => JSON.stringify(m)).join('\n'))
    // A replay takes the engine's heap growth setting: a bad one is bad input, not a crash.
    const badGrowth = await exec(bin, ['replay', 'trace.jsonl'], { cwd: dir, env: { ...process.env, CARELOOP_HEAP_GROWTH_PERCENT: 'lots' } })
    expect(badGrowth.code).toBe(2)
    expect(badGrowth.stderr).toBe('careloop: CARELOOP_HEAP_GROWTH_PERCENT must be a non-negative integer, got "lots"\n')
    const replay = await exec(bin, ['replay', 'trace.jsonl'], { cwd: dir })
    expect(replay.code, replay.stderr).toBe(0)
    const decisions = replay.stdout.trim().split('\n').map((l) => JSON.parse(l) as { rule: string; customer: string })
    expect(decisions.map((d) => `${d.customer}:${d.rule}`)).toEqual(['cli-u1:payment-failed', 'cli-u1:payment-failed-repeat'])
  }, 120_000)

  it('removes its temp files when a replay is interrupted', async () => {
    const dir = tmp('cli-interrupt-')
    const temp = tmp('cli-interrupt-tmp-')
    symlinkSync(join(ROOT, 'bin', 'careloop.js'), join(dir, 'careloop'))
    writeFileSync(join(dir, 'trace.jsonl'), generateTrace({ seed: 7, shoppers: 1000, days: 30 }).map((m) => JSON.stringify(m)).join('\n'))
    const child = spawn(join(dir, 'careloop'), ['replay', 'trace.jsonl', '--states', '1', '--out', 'lines.jsonl'], { cwd: dir, env: { ...process.env, TMPDIR: temp }, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
    const spilling = (): boolean => readdirSync(temp).some((name) => name.startsWith('careloop-states-'))
    // Interrupted once it has spilled states (and sorted lines) to temp folders.
    for (let i = 0; i < 1200 && !spilling(); i++) await sleep(50)
    expect(spilling()).toBe(true)
    child.kill('SIGINT')
    expect(await exited).toBe(130)
    // Stopped where it was, not after replaying the rest (its summary comes last).
    expect(stderr).not.toContain('replayed ')
    // (tsx keeps its compile cache there too.)
    expect(readdirSync(temp).filter((name) => name.startsWith('careloop-'))).toEqual([])
  }, 120_000)

  it('runs via npx in the checkout', async () => {
    expectHelp(await exec('npx', ['--no-install', 'careloop', '--help'], { cwd: ROOT, env: npmEnv }))
    const bad = await exec('npx', ['--no-install', 'careloop', 'replay'], { cwd: ROOT, env: npmEnv })
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('careloop replay:')
  }, 120_000)

  it('runs from its packed tarball installed into an empty prefix, without devDependencies', async () => {
    const dir = tmp('cli-pack-')
    const packed = await exec('npm', ['pack', '--pack-destination', dir, '--silent'], { cwd: ROOT, env: npmEnv })
    expect(packed.code, packed.stderr).toBe(0)
    const tarball = join(dir, packed.stdout.trim().split('\n').pop() as string)
    const prefix = join(dir, 'prefix')
    const installed = await exec('npm', ['install', '--prefix', prefix, '--omit=dev', '--no-save', tarball], { cwd: dir, env: npmEnv })
    expect(installed.code, installed.stderr).toBe(0)
    const bin = join(prefix, 'node_modules', '.bin', 'careloop')
    expectHelp(await exec(bin, ['--help'], { cwd: dir }))
    const migrated = await exec(bin, ['migrate'], { cwd: dir, env: { ...process.env, CARELOOP_DATA_DIR: join(dir, 'data') } })
    expect(migrated.code, migrated.stderr).toBe(0)
    expect(migrated.stdout).toContain('migrated: operational store PGlite')
  }, 600_000)
})

describe('a fresh clone started as deployed', () => {
  it('NODE_ENV=production npm start installs what it needs and answers /healthz', async () => {
    const dir = tmp('clone-prod-')
    const clone = join(dir, 'careloop')
    const cloned = await exec('git', ['clone', '--quiet', ROOT, clone], { cwd: dir })
    expect(cloned.code, cloned.stderr).toBe(0)
    const port = await freePort()
    const child = spawn('npm', ['start'], {
      cwd: clone,
      env: { ...npmEnv, NODE_ENV: 'production', PORT: String(port), HOST: '127.0.0.1', CARELOOP_DATA_DIR: join(dir, 'data') },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    let output = ''
    child.stdout.on('data', (b: Buffer) => (output += b.toString()))
    child.stderr.on('data', (b: Buffer) => (output += b.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
    try {
      const deadline = Date.now() + 540_000
      let healthy = false
      while (!healthy && Date.now() < deadline) {
        if (child.exitCode !== null) break
        healthy = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status === 200, () => false)
        if (!healthy) await new Promise((r) => setTimeout(r, 500))
      }
      expect(healthy, `no healthy engine; output:\n${output.slice(-4000)}`).toBe(true)
      // A second process on the running engine's embedded stores is refused, not let in to corrupt them.
      const second = await exec(process.execPath, [join(clone, 'bin', 'careloop.js'), 'migrate'], { cwd: clone, env: { ...npmEnv, CARELOOP_DATA_DIR: join(dir, 'data') } })
      expect(second.code, second.stderr).toBe(1)
      expect(second.stderr).toMatch(/careloop migrate: the embedded stores at .* are in use by process \d+/)
    } finally {
      if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGTERM')
      await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))])
    }
  }, 600_000)
})
