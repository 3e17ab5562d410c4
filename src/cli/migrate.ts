// `careloop migrate`: brings both stores' schemas up to this version and exits, so a deployment
// can migrate before it starts (or rolls out) engine processes.
import { parseArgs } from 'node:util'

const HELP = `Usage: careloop migrate

Creates or upgrades the schemas of the operational store (DATABASE_URL, else PGlite in
CARELOOP_DATA_DIR) and the history store (CLICKHOUSE_URL, else chDB in CARELOOP_DATA_DIR), then exits.
Safe to run while engines run, and more than once.
`

export async function runMigrate(argv: string[]): Promise<number> {
  try {
    const { values } = parseArgs({ args: argv, options: { help: { type: 'boolean', short: 'h', default: false } } })
    if (values.help) {
      process.stdout.write(HELP)
      return 0
    }
  } catch (err) {
    process.stderr.write(`careloop migrate: ${(err as Error).message}\n`)
    return 2
  }
  // Loaded only past the options: --help and bad input answer without loading the stores.
  const { openStores } = await import('../stores.ts')
  const { loadConfig } = await import('../config.ts')
  const config = loadConfig()
  const { ops, history } = await openStores(config)
  await Promise.all([ops.close(), history.close()])
  const where = (url: string | undefined, embedded: string) => (url ? url.replace(/\/\/[^@]*@/, '//***@') : embedded)
  process.stdout.write(
    `migrated: operational store ${where(config.databaseUrl, `PGlite in ${config.dataDir}/ops`)}; history store ${where(config.clickhouseUrl, `chDB in ${config.dataDir}`)}\n`,
  )
  return 0
}
