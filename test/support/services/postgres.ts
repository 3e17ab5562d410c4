// A private PostgreSQL server for tests: its own cluster (initdb) in a temp dir, on a free loopback
// port, trust auth, no fsync. Needs Debian's `postgresql` package (scripts/install-test-deps.sh).
// initdb and postgres refuse to run as root: as root they run as the `postgres` system user.
import { execFile, execFileSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'

const run = promisify(execFile)

export interface RunningService {
  url: string
  stop(): Promise<void>
}

/** A server that an outage test can take away and bring back on the same address and data. */
export interface ControllableService extends RunningService {
  /** Stops the server (clients see refused connections); its data stays. */
  down(): Promise<void>
  /** Starts it again on the same port with the same data; resolves once it answers. */
  up(): Promise<void>
}

/** Binary directory of the newest installed PostgreSQL (Debian: /usr/lib/postgresql/<major>/bin). */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql'
  const majors = existsSync(root)
    ? readdirSync(root).filter((d) => /^\d+$/.test(d) && existsSync(join(root, d, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a))
    : []
  if (majors[0] === undefined) throw new Error(`no PostgreSQL server under ${root}: run scripts/install-test-deps.sh`)
  return join(root, majors[0], 'bin')
}

/** A port that was free a moment ago (the OS picks it; the server binds it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

interface Runner {
  /** Runs a binary as the cluster's owner. */
  exec(file: string, args: string[]): Promise<{ stdout: string; stderr: string }>
  /** The same, blocking (for the process-exit safety net). */
  execSync(file: string, args: string[]): void
  /** Makes a path owned by the cluster's owner (root only). */
  own(path: string): void
}

function runner(): Runner {
  if (process.getuid?.() !== 0) {
    return { exec: (file, args) => run(file, args), execSync: (file, args) => void execFileSync(file, args, { stdio: 'ignore' }), own: () => {} }
  }
  let uid: number
  let gid: number
  try {
    uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim())
    gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim())
  } catch {
    throw new Error("running as root needs a 'postgres' system user (Debian's postgresql package creates it)")
  }
  const asPostgres = (file: string, args: string[]): string[] => ['-u', 'postgres', '--', file, ...args]
  return {
    exec: (file, args) => run('runuser', asPostgres(file, args)),
    execSync: (file, args) => void execFileSync('runuser', asPostgres(file, args), { stdio: 'ignore' }),
    own: (path) => chownSync(path, uid, gid),
  }
}

function errorText(error: unknown): string {
  const e = error as { message?: string; stderr?: string; stdout?: string }
  return [e.message, e.stdout, e.stderr].filter(Boolean).join('\n')
}

function tail(path: string, lines = 30): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return '(no log)'
  }
}

/** Starts a private PostgreSQL; the URL names the `postgres` maintenance database as superuser `postgres`. */
export async function startPostgres(): Promise<ControllableService> {
  const bin = postgresBinDir()
  const as = runner()
  const root = mkdtempSync(join(tmpdir(), 'careloop-pg-'))
  const data = join(root, 'data')
  const log = join(root, 'postgres.log')
  as.own(root)
  const cleanup = (): void => rmSync(root, { recursive: true, force: true })

  try {
    await as.exec(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions'])
  } catch (error) {
    cleanup()
    throw new Error(`initdb failed:\n${errorText(error)}`)
  }

  // The free port is found before the server binds it: if someone takes it meanwhile, try another.
  let lastError = ''
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort()
    writeFileSync(
      join(data, 'postgresql.auto.conf'),
      [
        `listen_addresses = '127.0.0.1'`,
        `port = ${port}`,
        `unix_socket_directories = '${root}'`,
        'fsync = off',
        'synchronous_commit = off',
        'full_page_writes = off',
        'max_connections = 200',
        `log_min_messages = warning`,
        '',
      ].join('\n'),
    )
    as.own(join(data, 'postgresql.auto.conf'))
    try {
      // -w waits until the server accepts connections (pg_ctl polls it).
      await as.exec(join(bin, 'pg_ctl'), ['start', '-D', data, '-l', log, '-w', '-t', '60', '-s'])
    } catch (error) {
      lastError = `${errorText(error)}\n${tail(log)}`
      if (/could not bind|address already in use/i.test(lastError)) continue
      break
    }
    const url = `postgres://postgres@127.0.0.1:${port}/postgres`
    const pgCtlStop = (mode: 'fast' | 'immediate'): string[] => ['stop', '-D', data, '-m', mode, '-w', '-t', '30', '-s']
    // pg_ctl detaches the server (own session): if this process exits without stop() (Ctrl-C,
    // an uncaught error), do not leave a server and its directory behind.
    const onExit = (): void => {
      try {
        as.execSync(join(bin, 'pg_ctl'), pgCtlStop('immediate'))
      } catch {
        // already stopped
      }
      cleanup()
    }
    process.once('exit', onExit)
    const stop = async (): Promise<void> => {
      process.removeListener('exit', onExit)
      try {
        await as.exec(join(bin, 'pg_ctl'), pgCtlStop('fast'))
      } finally {
        cleanup()
      }
    }
    try {
      await checkConnects(url)
    } catch (error) {
      await stop().catch(() => {})
      throw error
    }
    const down = async (): Promise<void> => void (await as.exec(join(bin, 'pg_ctl'), pgCtlStop('fast')))
    const up = async (): Promise<void> => {
      await as.exec(join(bin, 'pg_ctl'), ['start', '-D', data, '-l', log, '-w', '-t', '60', '-s'])
      await checkConnects(url)
    }
    return { url, stop, down, up }
  }
  cleanup()
  throw new Error(`PostgreSQL did not start (as ${process.getuid?.() === 0 ? 'postgres' : userInfo().username}):\n${lastError}`)
}

async function checkConnects(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  try {
    await client.connect()
    await client.query('SELECT 1')
  } finally {
    await client.end().catch(() => {})
  }
}
