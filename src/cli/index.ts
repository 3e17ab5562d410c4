// The `careloop` command: one entry for the sub-commands, each with --help. Exit codes: 0 done,
// 2 bad input (unknown sub-command or options), 1 failure. Each command's code is imported when it
// runs: the stores and the engine take seconds to load, which `careloop --help` should not wait for.
import { DataDirInUseError } from '../store/dataDirLock.ts'

interface SubCommand {
  summary: string
  run(argv: string[]): Promise<number>
}

const COMMANDS = new Map<string, SubCommand>([
  [
    'start',
    {
      summary: 'run the engine with the HTTP API and console (embedded stores unless configured)',
      run: async (argv) => {
        if (argv.includes('--help') || argv.includes('-h')) {
          process.stdout.write(START_HELP)
          return 0
        }
        if (argv.length > 0) return usageError(`start takes no arguments (got ${argv.join(' ')}); configure it with environment variables`)
        // Importing the engine's entry starts it; it keeps the process alive until a signal.
        await import('../main.ts')
        return 0
      },
    },
  ],
  ['replay', { summary: 'run a trace of Segment messages through a sandboxed engine', run: asReplayCommand(async (argv) => (await import('../replay/cli.ts')).main(argv)) }],
  ['backtest', { summary: 'show how a candidate rule would have behaved over stored history', run: asReplayCommand(async (argv) => (await import('./backtest.ts')).runBacktest(argv)) }],
  ['demo', { summary: 'generate a demo shop trace and send it to an engine, or write it to a file', run: async (argv) => (await import('../demo/cli.ts')).main(argv) }],
  ['export', { summary: "write a shopper's data as one JSON document (audited)", run: async (argv) => (await import('./export.ts')).runExport(argv) }],
  ['erase', { summary: 'erase a shopper from every store and suppress their ids (audited)', run: async (argv) => (await import('./erase.ts')).runErase(argv) }],
  ['keys', { summary: 'create, list, rotate or revoke API keys (admin, ops, approver, agent, ingest)', run: async (argv) => (await import('./keys.ts')).runKeys(argv) }],
  ['migrate', { summary: 'create or upgrade the stores’ schemas and exit', run: async (argv) => (await import('./migrate.ts')).runMigrate(argv) }],
])

const START_HELP = `Usage: careloop start

Runs the engine: ingest, rules, channels, jobs, the HTTP API on PORT (default 8080) and the console.
Stores are embedded in CARELOOP_DATA_DIR unless DATABASE_URL / CLICKHOUSE_URL / KAFKA_BROKERS name
servers. Every setting is an environment variable: see the README's Configuration section.
`

export function help(): string {
  const width = Math.max(...[...COMMANDS.keys()].map((name) => name.length))
  const lines = [...COMMANDS].map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
  return `Usage: careloop <command> [options]\n\nCommands:\n${lines.join('\n')}\n\n"careloop <command> --help" shows a command's options.\n`
}

/**
 * A command that replays holds a large heap, as the engine does: it gets the engine's heap growth
 * (CARELOOP_HEAP_GROWTH_PERCENT, default 100): the first 2M events of a 1M-shopper month peaked at
 * 1,198 MB RSS instead of 1,840, for 8 % more CPU (docs/performance.md, session 15). Its temp files
 * (spilled states, sorted lines: gigabytes on a large trace) go when it is interrupted, too.
 */
function asReplayCommand(run: (argv: string[]) => Promise<number>): (argv: string[]) => Promise<number> {
  return async (argv) => {
    const { heapGrowthPercentFrom, setHeapGrowth } = await import('../lib/heapGrowth.ts')
    let percent: number
    try {
      percent = heapGrowthPercentFrom(process.env)
    } catch (err) {
      return usageError((err as Error).message)
    }
    setHeapGrowth(percent)
    ;(await import('../lib/tempDir.ts')).removeTempDirsOnSignal()
    return run(argv)
  }
}

function usageError(message: string): number {
  process.stderr.write(`careloop: ${message}\n`)
  return 2
}

export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help())
    return name === undefined ? 2 : 0
  }
  const command = COMMANDS.get(name)
  if (!command) return usageError(`unknown command "${name}"\n\n${help()}`)
  try {
    return await command.run(rest)
  } catch (err) {
    if (!(err instanceof DataDirInUseError)) throw err
    process.stderr.write(`careloop ${name}: ${err.message}\n`)
    return 1
  }
}
