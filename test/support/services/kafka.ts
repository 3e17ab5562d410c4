// A Kafka-protocol cluster for a test file: librdkafka's mock cluster (tools/kafka-mock), on
// random loopback ports, with the topics pre-created. No topic deletion exists: give each test
// its own topic names. Starts in ~20 ms (plus a one-time gcc build of ~1 s).
import { execFile, spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
const START_TIMEOUT_MS = 10_000
const STOP_TIMEOUT_MS = 5_000

export interface KafkaService {
  /** Bootstrap list, "host:port,host:port". */
  brokers: string
  /** The same, as kafkajs wants it. */
  brokerList: string[]
  /**
   * The next requests of Kafka API `apiKey` (8 OffsetCommit, 12 Heartbeat, 14 SyncGroup, …) are
   * answered with these error codes, one each, whichever client asks first.
   */
  injectErrors(apiKey: number, errorCodes: number[]): Promise<void>
  /** Takes a broker (1-based id) or all of them away: connections close, new ones are refused. */
  down(broker?: number | 'all'): Promise<void>
  /** Brings it back, with its partitions' data and the groups' committed offsets. */
  up(broker?: number | 'all'): Promise<void>
  /** "running", or how the mock process ended and the tail of its stderr (for diagnostics). */
  state(): string
  stop(): Promise<void>
}

export interface KafkaServiceOptions {
  /** Broker count (default 1); partition leaders are spread over them. */
  brokers?: number
}

let built: Promise<string> | undefined

/** Compiles the mock when its source changed (once per test process); returns the binary path. */
export function buildKafkaMock(): Promise<string> {
  built ??= promisify(execFile)('bash', [join(ROOT, 'tools/kafka-mock/build.sh')], { cwd: ROOT }).then(({ stdout }) => {
    const path = stdout.trim().split('\n').pop()
    if (!path) throw new Error('tools/kafka-mock/build.sh printed no binary path')
    return path
  })
  return built
}

export async function startKafka(topics: Array<{ name: string; partitions: number }>, options: KafkaServiceOptions = {}): Promise<KafkaService> {
  const bin = await buildKafkaMock()
  const args = ['-b', String(options.brokers ?? 1), ...topics.map((t) => `${t.name}:${t.partitions}`)]
  const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] })
  // A write after the mock died must fail the command, not the test process (EPIPE).
  child.stdin.on('error', () => undefined)
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (d: string) => void (stderr = (stderr + d).slice(-4000)))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))

  // stdout: the BOOTSTRAP line, then one reply line per stdin command, in order.
  const replies: Array<(line: string) => void> = []
  const brokers = await new Promise<string>((resolve, reject) => {
    let out = ''
    let ready = false
    const timer = setTimeout(() => fail(new Error(`kafka mock printed no BOOTSTRAP line within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS)
    function fail(err: Error): void {
      clearTimeout(timer)
      child.kill('SIGKILL')
      reject(new Error(`${err.message}\n${stderr}`))
    }
    child.once('error', fail)
    void exited.then((code) => fail(new Error(`kafka mock exited with ${code} before it was ready`)))
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d
      let nl: number
      while ((nl = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, nl)
        out = out.slice(nl + 1)
        const m = /^BOOTSTRAP (\S+)$/.exec(line)
        if (!ready && m?.[1]) {
          ready = true
          clearTimeout(timer)
          resolve(m[1])
        } else if (ready) replies.shift()?.(line)
      }
    })
  })

  let commands = Promise.resolve()
  function command(line: string): Promise<void> {
    const run = commands.then(
      () =>
        new Promise<void>((resolve, reject) => {
          replies.push((reply) => (reply === 'OK' ? resolve() : reject(new Error(`kafka mock: ${reply}`))))
          child.stdin.write(`${line}\n`)
        }),
    )
    commands = run.catch(() => undefined)
    return run
  }

  let stopping: Promise<void> | undefined
  return {
    brokers,
    brokerList: brokers.split(','),
    injectErrors: (apiKey, errorCodes) => command(`errors ${apiKey} ${errorCodes.join(',')}`),
    down: (broker = 'all') => command(`down ${broker}`),
    up: (broker = 'all') => command(`up ${broker}`),
    state: () =>
      child.exitCode === null && child.signalCode === null ? 'running' : `exited (code ${child.exitCode ?? '-'}, signal ${child.signalCode ?? '-'}):\n${stderr}`,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return
        child.stdin.end()
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
        await exited
        clearTimeout(timer)
      })()
      return stopping
    },
  }
}
