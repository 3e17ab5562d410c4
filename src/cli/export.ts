// `careloop export ID`: a shopper's data as one JSON document (docs/privacy.md), to stdout or a file.
import { writeFile } from 'node:fs/promises'
import { cliActor, parseIdArgs } from './privacyArgs.ts'

const HELP = `Usage: careloop export ID [--out FILE] [--by NAME]

Writes everything careloop holds about the shopper ID (and the anonymous ids merged into them) as
one JSON document: profile and traits, history events, decisions, messages with their delivery
status, tasks with notes and logged contacts, consent and preferences, survey answers, inbox items.
The export is audited (customer.export, by NAME; default cli:<user>).

  --out FILE   write the document to FILE instead of stdout
  --by NAME    who asked, for the audit log

Stores as for "careloop start" (DATABASE_URL / CLICKHOUSE_URL, else CARELOOP_DATA_DIR; the embedded
stores are opened by one process at a time: stop the engine, or use GET /api/customers/ID/export).
`

export async function runExport(argv: string[]): Promise<number> {
  const args = parseIdArgs<{ out?: string; by?: string }>('export', HELP, argv, { out: { type: 'string' }, by: { type: 'string' } })
  if (!args.ok) return args.code
  // Loaded after the arguments are checked: --help and usage errors answer without the stores' code.
  const [{ openStores }, { loadConfig }, { systemClock }, { exportCustomer }] = await Promise.all([import('../stores.ts'), import('../config.ts'), import('../lib/clock.ts'), import('../care/exportCustomer.ts')])
  const { ops, history } = await openStores(loadConfig())
  try {
    const document = await exportCustomer({ ops, history, clock: systemClock }, { customerId: args.id, actor: cliActor(args.values.by) })
    const text = `${JSON.stringify(document, null, 2)}\n`
    if (args.values.out === undefined) process.stdout.write(text)
    else {
      await writeFile(args.values.out, text, { mode: 0o600 })
      process.stderr.write(`exported ${args.id} to ${args.values.out}\n`)
    }
    return 0
  } finally {
    await Promise.all([ops.close(), history.close()])
  }
}
