// A private ClickHouse server for tests: Debian's clickhouse-server (18.16) started directly with
// its own config, data and logs in a temp dir, HTTP and native ports free on loopback only.
// Needs Debian's `clickhouse-server` package (scripts/install-test-deps.sh).
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs'
import { get } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, type ControllableService } from './postgres.ts'

const BINARIES = ['/usr/sbin/clickhouse-server', '/usr/bin/clickhouse-server', '/usr/bin/clickhouse']

function serverBinary(): { file: string; args: string[] } {
  const file = BINARIES.find((f) => existsSync(f))
  if (!file) throw new Error(`no clickhouse-server in ${BINARIES.join(', ')}: run scripts/install-test-deps.sh`)
  // The single multi-call binary of newer releases needs the sub-command.
  return { file, args: file.endsWith('/clickhouse') ? ['server'] : [] }
}

const xmlText = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

function configXml(root: string, httpPort: number, tcpPort: number): string {
  const p = (sub: string): string => xmlText(join(root, sub))
  // No interserver_http_port / https / secure TCP: 18.16 opens those only when configured.
  return `<?xml version="1.0"?>
<yandex>
  <logger>
    <level>warning</level>
    <log>${p('log/server.log')}</log>
    <errorlog>${p('log/error.log')}</errorlog>
    <size>10M</size>
    <count>1</count>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>${httpPort}</http_port>
  <tcp_port>${tcpPort}</tcp_port>
  <path>${p('data')}/</path>
  <tmp_path>${p('tmp')}/</tmp_path>
  <user_files_path>${p('user_files')}/</user_files_path>
  <format_schema_path>${p('format_schemas')}/</format_schema_path>
  <users_config>${p('users.xml')}</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
  <keep_alive_timeout>3</keep_alive_timeout>
  <max_concurrent_queries>100</max_concurrent_queries>
  <mark_cache_size>268435456</mark_cache_size>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
</yandex>
`
}

const USERS_XML = `<?xml version="1.0"?>
<yandex>
  <profiles>
    <default>
      <max_memory_usage>2000000000</max_memory_usage>
      <!-- 18.16 accepts this only from the profile (ClickHouse 26 rejects it as a client setting) -->
      <allow_experimental_low_cardinality_type>1</allow_experimental_low_cardinality_type>
    </default>
  </profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas>
    <default>
      <interval>
        <duration>3600</duration>
        <queries>0</queries>
        <errors>0</errors>
        <result_rows>0</result_rows>
        <read_rows>0</read_rows>
        <execution_time>0</execution_time>
      </interval>
    </default>
  </quotas>
</yandex>
`

function tail(path: string, lines = 30): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return ''
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** GET /ping on a connection of its own that is closed after the answer: an idle keep-alive
 * connection (as fetch keeps) would hold up the server's shutdown until it times out. */
function ping(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = get(`${url}/ping`, { agent: false, headers: { connection: 'close' }, timeout: 1000 }, (response) => {
      let body = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => (body += chunk))
      response.on('end', () => resolve(response.statusCode === 200 && body.trim() === 'Ok.'))
      response.on('error', () => resolve(false))
    })
    request.on('timeout', () => request.destroy())
    request.on('error', () => resolve(false))
  })
}

/** One run of the server binary on a prepared root; `stop` sends SIGTERM and waits (SIGKILL if hung). */
interface ServerRun {
  exited: () => string | undefined
  stop(): Promise<void>
}

function launch(root: string): ServerRun {
  const { file, args } = serverBinary()
  const out = openSync(join(root, 'log', 'stdout.log'), 'a')
  const child = spawn(file, [...args, `--config-file=${join(root, 'config.xml')}`], { cwd: root, stdio: ['ignore', out, out] })
  closeSync(out)
  let exited: string | undefined
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = `exit code ${code ?? '-'} signal ${signal ?? '-'}`
      resolve()
    })
    child.once('error', (error) => {
      exited = error.message
      resolve()
    })
  })
  // If this process exits without stop() (Ctrl-C, an uncaught error), take the server along.
  const onExit = (): void => {
    if (exited === undefined) child.kill('SIGKILL')
  }
  process.once('exit', onExit)
  return {
    exited: () => exited,
    async stop() {
      process.removeListener('exit', onExit)
      if (exited !== undefined) return
      child.kill('SIGTERM')
      // 18.16 shuts down in ~2-3 s; do not leave a server behind if it hangs.
      let timer: NodeJS.Timeout | undefined
      const hung = await Promise.race([exit.then(() => false), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), 15_000)))])
      clearTimeout(timer)
      if (hung) {
        child.kill('SIGKILL')
        await exit
      }
    },
  }
}

/** Waits for /ping; the error text (with the logs) when the server exits or the time is up. */
async function awaitPing(url: string, root: string, run: ServerRun, timeoutMs: number): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs
  while (run.exited() === undefined && Date.now() < deadline) {
    if (await ping(url)) return undefined
    await sleep(50)
  }
  const logs = [tail(join(root, 'log', 'error.log')), tail(join(root, 'log', 'stdout.log'))].filter(Boolean).join('\n')
  return `${run.exited() ?? `no answer on ${url}/ping within ${timeoutMs} ms`}\n${logs}`
}

/**
 * Starts a private ClickHouse server; the URL is its HTTP interface (http://127.0.0.1:PORT).
 * down()/up() stop it and start it again on the same ports and data (outage tests).
 */
export async function startClickHouse(options: { timeoutMs?: number } = {}): Promise<ControllableService> {
  const timeoutMs = options.timeoutMs ?? 30_000
  let lastError = ''
  // Ports are found before the server binds them: if one is taken meanwhile, try again.
  for (let attempt = 1; attempt <= 3; attempt++) {
    const root = mkdtempSync(join(tmpdir(), 'careloop-ch-'))
    for (const sub of ['log', 'data', 'tmp', 'user_files', 'format_schemas']) mkdirSync(join(root, sub))
    const httpPort = await freePort()
    let tcpPort = await freePort()
    while (tcpPort === httpPort) tcpPort = await freePort()
    writeFileSync(join(root, 'config.xml'), configXml(root, httpPort, tcpPort))
    writeFileSync(join(root, 'users.xml'), USERS_XML)
    const url = `http://127.0.0.1:${httpPort}`
    const removeRoot = (): void => rmSync(root, { recursive: true, force: true })
    process.once('exit', removeRoot)

    let run = launch(root)
    const stop = async (): Promise<void> => {
      await run.stop()
      process.removeListener('exit', removeRoot)
      removeRoot()
    }
    const failure = await awaitPing(url, root, run, timeoutMs)
    if (failure === undefined) {
      return {
        url,
        stop,
        down: () => run.stop(),
        async up() {
          if (run.exited() === undefined) return
          run = launch(root)
          // The same ports were ours a moment ago; another process taking one is not expected here.
          const failed = await awaitPing(url, root, run, timeoutMs)
          if (failed !== undefined) throw new Error(`ClickHouse server did not come back:\n${failed}`)
        },
      }
    }
    lastError = failure
    await stop()
    if (!/address already in use|Net Exception: Address/i.test(lastError)) break
  }
  throw new Error(`ClickHouse server did not start:\n${lastError}`)
}
