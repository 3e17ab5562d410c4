// An embedded data directory is opened by one process at a time: a second process is refused with
// the holder's pid, and a lock left by a process killed with SIGKILL is taken over.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DataDirInUseError, lockDataDir } from '../../src/store/dataDirLock.ts'
import { PgliteDatabase } from '../../src/store/operational/PgliteDatabase.ts'
import { freshDataDir } from '../support/stores.ts'

const LOCK_MODULE = join(import.meta.dirname, '..', '..', 'src', 'store', 'dataDirLock.ts')
const children: ChildProcess[] = []
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL')
})

/** Another process that takes the lock and keeps it until killed. */
async function holder(dir: string): Promise<ChildProcess> {
  const script = `const { lockDataDir } = await import(${JSON.stringify(LOCK_MODULE)}); lockDataDir(${JSON.stringify(dir)}); console.log('locked'); setInterval(() => {}, 1000)`
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
  children.push(child)
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('locked') && resolve())
    child.once('exit', (code) => reject(new Error(`holder exited with ${code}`)))
  })
  return child
}

describe('embedded data directory lock', () => {
  it('refuses a second process, names the holder, and takes over after the holder is killed', async () => {
    const dir = join(freshDataDir(), 'ops')
    const child = await holder(dir)
    const refused = await PgliteDatabase.open(dir).then(
      () => undefined,
      (err: unknown) => err,
    )
    expect(refused).toBeInstanceOf(DataDirInUseError)
    expect((refused as DataDirInUseError).pid).toBe(child.pid)

    child.kill('SIGKILL')
    await new Promise((r) => child.once('exit', r))
    const db = await PgliteDatabase.open(dir)
    expect((await db.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    expect(existsSync(`${dir}.lock`)).toBe(true)
    await db.close()
    expect(existsSync(`${dir}.lock`)).toBe(false)
  }, 60_000)

  it('lets the holding process open the directory again, and releases on close', async () => {
    const dir = join(freshDataDir(), 'ops')
    const release = lockDataDir(dir)
    const again = lockDataDir(dir)
    again()
    expect(existsSync(`${dir}.lock`)).toBe(true)
    release()
    expect(existsSync(`${dir}.lock`)).toBe(false)
  })
})
