// tsx bench/replay.bench.ts — replay events/s, operational-store round trips per event and peak RSS
// on a generated demo trace (SHOPPERS, default 100; DAYS, default 30), the sandbox asking the store
// at every step beside the sandbox that trusts the bounds its engine's writes report. Each path runs
// in its own child process so its peak RSS is its own. Prints figures; asserts only that both paths
// gave the same lines.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { generateTrace } from '../src/demo/trace.ts'
import { drive, prepareTrace, toJsonl } from '../src/replay/replay.ts'
import { Sandbox } from '../src/replay/Sandbox.ts'
import type { SqlDatabase } from '../src/store/operational/SqlExecutor.ts'

const SHOPPERS = Number(process.env.SHOPPERS ?? 100)
const DAYS = Number(process.env.DAYS ?? 30)
const SEED = 42

interface Figures {
  path: string
  events: number
  ms: number
  queries: number
  transactions: number
  inTransactions: number
  lines: number
  linesHash: string
  maxRssMb: number
}

/** Counts the store's round trips: statements outside a transaction, transactions, and the statements in them. */
function countRoundTrips(db: SqlDatabase): { queries: number; transactions: number; inTransactions: number } {
  const counts = { queries: 0, transactions: 0, inTransactions: 0 }
  const query = db.query.bind(db)
  const transaction = db.transaction.bind(db)
  db.query = ((...args: Parameters<typeof query>) => (counts.queries++, query(...args))) as typeof db.query
  db.transaction = ((fn: Parameters<typeof transaction>[0]) =>
    (counts.transactions++,
    transaction((tx) => {
      const inner = tx.query.bind(tx)
      tx.query = ((...args: Parameters<typeof inner>) => (counts.inTransactions++, inner(...args))) as typeof tx.query
      return fn(tx)
    }))) as typeof db.transaction
  return counts
}

async function runOne(askEveryStep: boolean): Promise<Figures> {
  const { events } = prepareTrace(generateTrace({ seed: SEED, shoppers: SHOPPERS, days: DAYS }))
  const first = events[0]?.ts
  const last = events[events.length - 1]?.ts
  if (first === undefined || last === undefined) throw new Error('empty trace')
  const sandbox = await Sandbox.open({ start: first, askEveryStep })
  try {
    const counts = countRoundTrips(sandbox.ops.db)
    const started = performance.now()
    await drive(sandbox, events, last)
    const ms = performance.now() - started
    const jsonl = toJsonl(sandbox.lines())
    return {
      path: askEveryStep ? 'ask every step' : 'known bounds',
      events: events.length,
      ms,
      ...counts,
      lines: jsonl.split('\n').length - 1,
      linesHash: createHash('sha256').update(jsonl).digest('hex').slice(0, 16),
      maxRssMb: process.resourceUsage().maxRSS / 1024,
    }
  } finally {
    await sandbox.close()
  }
}

async function main(): Promise<void> {
  const mode = process.argv[2]
  if (mode === '--old' || mode === '--new') {
    process.stdout.write(`${JSON.stringify(await runOne(mode === '--old'))}\n`)
    return
  }
  const self = fileURLToPath(import.meta.url)
  const run = (flag: string): Figures => JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', self, flag], { encoding: 'utf8', maxBuffer: 1 << 20 })) as Figures
  const load = loadavg().map((l) => l.toFixed(2)).join(' ')
  console.log(`replay: demo trace, ${SHOPPERS} shoppers × ${DAYS} days (seed ${SEED}); load average before: ${load}`)
  const old = run('--old')
  const fresh = run('--new')
  for (const f of [old, fresh]) {
    const perEvent = (n: number): string => (n / f.events).toFixed(2)
    console.log(
      `  ${f.path.padEnd(15)} ${f.events} events in ${(f.ms / 1000).toFixed(1)} s = ${Math.round((f.events / f.ms) * 1000)} events/s; ` +
        `${perEvent(f.queries)} statements + ${perEvent(f.transactions)} transactions (of ${(f.inTransactions / Math.max(1, f.transactions)).toFixed(1)} statements) per event; peak RSS ${Math.round(f.maxRssMb)} MB; ${f.lines} lines (${f.linesHash})`,
    )
  }
  console.log(`  speed-up ${(old.ms / fresh.ms).toFixed(2)}×; store round trips ${((old.queries + old.transactions) / (fresh.queries + fresh.transactions)).toFixed(2)}× fewer; load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
  if (old.linesHash !== fresh.linesHash) {
    console.error('  the two paths gave different lines')
    process.exitCode = 1
  }
}

await main()
