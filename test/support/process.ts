// Runs careloop as a real child process (`src/main.ts`), as an operator would, for crash tests.
import { spawn, type ChildProcess } from 'node:child_process'

export interface EngineProcess {
  child: ChildProcess
  url: string
  output: () => string
  kill(signal?: NodeJS.Signals): Promise<void>
}

/**
 * Switches quiet hours off in a process's store: crash tests run on the wall clock, and at night
 * (UTC) quiet hours would hold their messages until morning.
 */
export async function disableQuietHours(url: string, adminKey: string): Promise<void> {
  const res = await fetch(`${url}/api/guard-policy`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ quietHours: null }),
  })
  if (res.status !== 200) throw new Error(`could not switch quiet hours off: ${res.status} ${await res.text()}`)
}

export function startEngineProcess(env: Record<string, string>, timeoutMs = 60_000): Promise<EngineProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()))
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`engine did not start:\n${out}`)), timeoutMs)
    const onExit = (code: number | null) => reject(new Error(`engine exited with ${code}:\n${out}`))
    child.once('exit', onExit)
    const check = () => {
      const match = /listening on (http:\/\/\S+)/.exec(out)
      if (!match) return
      clearTimeout(timer)
      child.off('exit', onExit)
      child.stdout?.off('data', check)
      resolve({
        child,
        url: match[1] as string,
        output: () => out,
        async kill(signal = 'SIGKILL') {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal)
          await exited
        },
      })
    }
    child.stdout?.on('data', check)
  })
}

export interface ScaleOutProcessSetup {
  brokers: string
  topic: string
  deadLetterTopic: string
  groupId: string
  stores: { databaseUrl: string; clickhouseUrl: string; clickhouseDatabase: string }
  smtpUrl: string
  writeKey: string
  adminKey: string
}

/** The environment of one engine process in a scale-out test (its own data dir, short leases). */
export function scaleOutEnv(setup: ScaleOutProcessSetup, dataDir: string): Record<string, string> {
  return {
    CARELOOP_DATA_DIR: dataDir,
    KAFKA_BROKERS: setup.brokers,
    KAFKA_TOPICS: setup.topic,
    KAFKA_DEAD_LETTER_TOPIC: setup.deadLetterTopic,
    KAFKA_GROUP_ID: setup.groupId,
    KAFKA_SESSION_TIMEOUT_MS: '5000',
    DATABASE_URL: setup.stores.databaseUrl,
    CLICKHOUSE_URL: setup.stores.clickhouseUrl,
    CLICKHOUSE_DATABASE: setup.stores.clickhouseDatabase,
    CARELOOP_SMTP_URL: setup.smtpUrl,
    CARELOOP_WRITE_KEY: setup.writeKey,
    CARELOOP_API_KEYS: `${setup.adminKey}:admin:admin`,
    CARELOOP_OUTBOX_LEASE_MS: '3000',
  }
}
