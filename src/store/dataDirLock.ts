// One process at a time in an embedded data directory: PGlite and chDB keep their files there and
// neither guards against a second process opening them, which corrupts both. `careloop start` and
// the CLI sub-commands that open stores take this lock; a lock left by a process that died
// (kill -9) is taken over.
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'

export class DataDirInUseError extends Error {
  constructor(readonly path: string, readonly pid: number) {
    super(`the embedded stores at ${path} are in use by process ${pid} (a running "careloop start"?): stop it first, or use the HTTP API against it`)
    this.name = 'DataDirInUseError'
  }
}

function holderOf(lockPath: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(lockPath, 'utf8'), 10)
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Takes `<path>.lock` for this process and returns its release. The same process may take it
 * again (a restart within one process, as tests do); another live process may not.
 */
export function lockDataDir(path: string): () => void {
  const lockPath = `${path}.lock`
  mkdirSync(dirname(lockPath), { recursive: true })
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx')
      writeSync(fd, String(process.pid))
      closeSync(fd)
      break
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw lockError(err, lockPath, path)
      const pid = holderOf(lockPath)
      if (pid === process.pid) return () => {}
      if (pid !== undefined && alive(pid)) throw new DataDirInUseError(path, pid)
      unlinkSync(lockPath)
    }
  }
  return () => {
    if (holderOf(lockPath) !== process.pid) return
    try {
      unlinkSync(lockPath)
    } catch {
      // Already gone: nothing to release.
    }
  }
}

function lockError(err: unknown, lockPath: string, path: string): Error {
  const pid = holderOf(lockPath)
  return pid !== undefined && pid !== process.pid ? new DataDirInUseError(path, pid) : (err as Error)
}
