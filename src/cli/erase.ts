// `careloop erase ID`: erases a shopper from every store and suppresses their ids (docs/privacy.md),
// then waits, reporting progress, until the history store's deletions are done.
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { cliActor, parseIdArgs } from './privacyArgs.ts'

const HELP = `Usage: careloop erase ID [--by NAME] [--no-wait] [--timeout SECONDS]

Erases the shopper ID and the anonymous ids merged into them from the operational store, the
history store, the event log, dead letters and the email pickup folder; tasks and audit rows keep
only a pseudonymous reference (erased:…). Their ids are then suppressed: later events for them are
dropped until an admin lifts the suppression (DELETE /api/suppressions/ID). Audited (customer.erase).
Prints the erasure as JSON when every store is done.

  --by NAME          who asked, for the audit log (default cli:<user>)
  --no-wait          print the erasure at once; follow it with GET /api/erasures/<id>
  --timeout SECONDS  how long to wait for the history store (default 600; exit 1 after)
`

const POLL_MS = 500

export async function runErase(argv: string[]): Promise<number> {
  const args = parseIdArgs<{ by?: string; 'no-wait'?: boolean; timeout?: string }>('erase', HELP, argv, {
    by: { type: 'string' },
    'no-wait': { type: 'boolean', default: false },
    timeout: { type: 'string' },
  })
  if (!args.ok) return args.code
  const timeoutS = args.values.timeout === undefined ? 600 : Number(args.values.timeout)
  if (!Number.isFinite(timeoutS) || timeoutS <= 0) {
    process.stderr.write(`careloop erase: --timeout must be a positive number of seconds\n\n${HELP}`)
    return 2
  }
  // Loaded after the arguments are checked: --help and usage errors answer without the stores' code.
  const [{ openStores }, { loadConfig }, { systemClock }, { eraseCustomer }, { erasureStatus }] = await Promise.all([
    import('../stores.ts'),
    import('../config.ts'),
    import('../lib/clock.ts'),
    import('../care/eraseCustomer.ts'),
    import('../care/erasureStatus.ts'),
  ])
  const config = loadConfig()
  const { ops, history } = await openStores(config)
  try {
    const deps = { ops, history, clock: systemClock, mailPickupDir: join(config.dataDir, 'mail') }
    let erasure = await eraseCustomer(deps, { customerId: args.id, actor: cliActor(args.values.by) })
    process.stderr.write(`erasure ${erasure.id} (${erasure.reference}): operational store and mail folder done\n`)
    const deadline = Date.now() + timeoutS * 1000
    while (!args.values['no-wait'] && erasure.completedAt === null) {
      if (Date.now() > deadline) {
        process.stderr.write(`careloop erase: history deletions not done after ${timeoutS} s; follow GET /api/erasures/${erasure.id}\n`)
        process.stdout.write(`${JSON.stringify(erasure, null, 2)}\n`)
        return 1
      }
      process.stderr.write(`history store: ${erasure.stores['history']?.detail ?? 'running'}\n`)
      await sleep(POLL_MS)
      erasure = (await erasureStatus(deps, erasure.id)) ?? erasure
    }
    if (erasure.completedAt !== null) process.stderr.write('every store is done\n')
    process.stdout.write(`${JSON.stringify(erasure, null, 2)}\n`)
    return 0
  } finally {
    await Promise.all([ops.close(), history.close()])
  }
}
