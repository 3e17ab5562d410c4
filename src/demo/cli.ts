// npm run demo -- --url http://localhost:8080 --write-key KEY --shoppers 200 --seed 42 --days 30 [--now]
// Generates the synthetic shop trace and posts it to careloop's Segment-compatible ingest.
import { createWriteStream } from 'node:fs'
import { once } from 'node:events'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { DAY } from './localtime.ts'
import type { SegmentMessage } from './message.ts'
import { sendTrace } from './send.ts'
import { DEFAULT_START, traceIterator, traceShoppers, type TraceOptions } from './trace.ts'

const HELP = `Usage: npm run demo -- [options]

  --url URL           ingest base URL (default http://localhost:\${PORT:-8080})
  --write-key KEY     write key (default $CARELOOP_WRITE_KEY)
  --shoppers N        number of shoppers (default 200)
  --seed N            random seed; same seed and options give the same trace (default 42)
  --days N            days of shop life (default 30)
  --now               shift the trace so it ends now: late parcels and abandoned checkouts are due
  --start ISO         trace start (default ${new Date(DEFAULT_START).toISOString()}; ignored with --now)
  --local-currency    price in each shopper's currency instead of USD
  --batch-size N      messages per POST (default 500)
  --out FILE          write NDJSON to FILE ("-" for stdout) instead of sending
  --dry-run           generate and print the summary without sending
  -h, --help          this text
`

export interface CliConfig {
  trace: Required<Pick<TraceOptions, 'seed' | 'shoppers' | 'days' | 'start' | 'localCurrency'>>
  url: string
  writeKey: string | undefined
  batchSize: number
  out: string | undefined
  dryRun: boolean
  help: boolean
}

function int(name: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, got "${value}"`)
  return n
}

export function parseCli(argv: string[], env: NodeJS.ProcessEnv, now = Date.now()): CliConfig {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string' },
      'write-key': { type: 'string' },
      shoppers: { type: 'string' },
      seed: { type: 'string' },
      days: { type: 'string' },
      now: { type: 'boolean', default: false },
      start: { type: 'string' },
      'local-currency': { type: 'boolean', default: false },
      'batch-size': { type: 'string' },
      out: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  })
  const days = int('days', values.days, 30, 1)
  let start = DEFAULT_START
  if (values.now) start = now - days * DAY
  else if (values.start !== undefined) {
    start = Date.parse(values.start)
    if (Number.isNaN(start)) throw new Error(`--start must be an ISO date, got "${values.start}"`)
  }
  return {
    trace: {
      seed: int('seed', values.seed, 42, -(2 ** 31)),
      shoppers: int('shoppers', values.shoppers, 200, 0),
      days,
      start,
      localCurrency: values['local-currency'] ?? false,
    },
    url: values.url ?? `http://localhost:${env.PORT || 8080}`,
    writeKey: values['write-key'] ?? (env.CARELOOP_WRITE_KEY || undefined),
    batchSize: int('batch-size', values['batch-size'], 500, 1),
    out: values.out,
    dryRun: values['dry-run'] ?? false,
    help: values.help ?? false,
  }
}

/** Counts events by name and reports progress while the trace streams through. */
function* tally(source: Iterable<SegmentMessage>, counts: Map<string, number>): Generator<SegmentMessage> {
  for (const m of source) {
    const name = m.type === 'track' ? m.event : 'Identify'
    counts.set(name, (counts.get(name) ?? 0) + 1)
    yield m
  }
}

function progressLine(sent: number, last: SegmentMessage | undefined, cfg: CliConfig, t0: number): string {
  const span = cfg.trace.days * DAY
  const at = last ? Date.parse(last.timestamp) - cfg.trace.start : 0
  const pct = Math.min(100, Math.max(0, (100 * at) / span)).toFixed(0)
  const rate = Math.round(sent / Math.max(0.001, (performance.now() - t0) / 1000))
  return `  ${sent.toLocaleString('en')} events · ${pct}% of trace time · ${rate.toLocaleString('en')} events/s`
}

function printSummary(counts: Map<string, number>, cfg: CliConfig, seconds: number, action: string): void {
  const total = [...counts.values()].reduce((a, b) => a + b, 0)
  const shoppers = traceShoppers(cfg.trace)
  const vip = shoppers.filter((s) => s.vip).length
  const locales = new Map<string, number>()
  for (const s of shoppers) locales.set(s.locale, (locales.get(s.locale) ?? 0) + 1)
  const end = cfg.trace.start + cfg.trace.days * DAY
  console.log(`\n${action} ${total.toLocaleString('en')} events in ${seconds.toFixed(1)} s`)
  console.log(`  trace ${new Date(cfg.trace.start).toISOString()} → ${new Date(end).toISOString()} (seed ${cfg.trace.seed})`)
  console.log(`  shoppers ${shoppers.length} · VIP ${vip} · locales ${[...locales].map(([l, n]) => `${l} ${n}`).join(', ')}`)
  console.log('')
  for (const [name, n] of [...counts].sort((a, b) => b[1] - a[1])) {
    console.log(`  ${name.padEnd(18)} ${String(n).padStart(8)}  ${((100 * n) / Math.max(1, total)).toFixed(1).padStart(5)}%`)
  }
}

async function writeNdjson(messages: Iterable<SegmentMessage>, file: string): Promise<void> {
  const stream = file === '-' ? process.stdout : createWriteStream(file)
  for (const m of messages) if (!stream.write(`${JSON.stringify(m)}\n`)) await once(stream, 'drain')
  if (stream !== process.stdout) {
    stream.end()
    await once(stream, 'finish')
  }
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let cfg: CliConfig
  try {
    cfg = parseCli(argv, env)
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${HELP}`)
    return 2
  }
  if (cfg.help) {
    console.log(HELP)
    return 0
  }
  const sending = !cfg.dryRun && cfg.out === undefined
  if (sending && !cfg.writeKey) {
    console.error('A write key is needed: --write-key KEY or CARELOOP_WRITE_KEY (or use --dry-run / --out FILE).')
    return 2
  }
  const counts = new Map<string, number>()
  const messages = tally(traceIterator(cfg.trace), counts)
  const t0 = performance.now()
  const log = (line: string): void => void process.stderr.write(process.stderr.isTTY ? `\r${line}\x1b[K` : `${line}\n`)
  if (cfg.out !== undefined) {
    await writeNdjson(messages, cfg.out)
  } else if (cfg.dryRun) {
    for (const _ of messages);
  } else {
    console.error(`Sending to ${cfg.url}/v1/batch …`)
    let lastPrint = 0
    const result = await sendTrace(messages, {
      url: cfg.url,
      writeKey: cfg.writeKey ?? '',
      batchSize: cfg.batchSize,
      onProgress: (p) => {
        if (performance.now() - lastPrint < 500) return
        lastPrint = performance.now()
        log(progressLine(p.sent, p.last, cfg, t0))
      },
    })
    const rate = Math.round(result.sent / Math.max(0.001, result.ms / 1000))
    log(`  ${result.sent.toLocaleString('en')} events in ${result.batches} batch(es), ${result.retries} retries · ${rate.toLocaleString('en')} events/s`)
    if (process.stderr.isTTY) process.stderr.write('\n')
  }
  const action = cfg.out !== undefined ? 'Wrote' : cfg.dryRun ? 'Generated' : 'Sent'
  if (cfg.out !== '-') printSummary(counts, cfg, (performance.now() - t0) / 1000, action)
  return 0
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code
    },
    (err: unknown) => {
      console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`)
      process.exitCode = 1
    },
  )
}
