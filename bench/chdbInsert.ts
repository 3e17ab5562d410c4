// tsx bench/chdbInsert.ts — what one call into the embedded history store (chDB) costs: process CPU
// and wall time per call for `SELECT 1`, a one-row INSERT into `decisions` with the store's settings
// and with variants, and three one-row INSERTs as three calls or as one multi-statement call. Each
// variant runs in its own process (chDB keeps per-query settings for the session) on a fresh data
// directory: 30 warm-up calls, then CALLS (default 200) measured. Diagnostic figures for the firing
// step of a timer (docs/performance.md, "Latency under load"); not part of `npm run bench`.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createHistoryClient } from '../src/store/history/openHistoryStore.ts'
import { ClickHouseHistoryStore } from '../src/store/history/ClickHouseHistoryStore.ts'

const CALLS = Number(process.env.CALLS ?? 200)
const STORE_SETTINGS = { output_format_json_quote_64bit_integers: 1, max_execution_time: 25 }

interface Variant {
  name: string
  mode: 'select' | 'insert' | 'three calls' | 'three in one call'
  settings: Record<string, number>
}

const VARIANTS: Variant[] = [
  { name: 'SELECT 1', mode: 'select', settings: STORE_SETTINGS },
  { name: 'INSERT one row (the store’s settings)', mode: 'insert', settings: STORE_SETTINGS },
  { name: '… optimize_on_insert = 0', mode: 'insert', settings: { ...STORE_SETTINGS, optimize_on_insert: 0 } },
  { name: '… insert_deduplicate = 0', mode: 'insert', settings: { ...STORE_SETTINGS, insert_deduplicate: 0 } },
  { name: '… max_threads = max_insert_threads = 1', mode: 'insert', settings: { ...STORE_SETTINGS, max_threads: 1, max_insert_threads: 1 } },
  { name: 'three one-row INSERTs, three calls', mode: 'three calls', settings: STORE_SETTINGS },
  { name: 'three one-row INSERTs, one call', mode: 'three in one call', settings: STORE_SETTINGS },
]

const row = (n: number) => ({
  id: `s${n}:a0`, signal_id: `s${n}`, customer_id: `c${n % 100}`, rule_id: 'abandoned-checkout', rule_version: 1, action: 'nudge',
  channel: 'email', template: 'abandoned-checkout', queue: '', priority: '', outcome: 'planned', reason: '', ts_ms: Date.UTC(2026, 11, 5) + n,
})
const COLUMNS = Object.keys(row(0))
const literal = (value: string | number): string => (typeof value === 'number' ? String(value) : `'${value.replace(/[\\']/g, '\\$&')}'`)
const insertSql = (n: number): string => `INSERT INTO careloop.decisions (${COLUMNS.join(', ')}) VALUES (${Object.values(row(n)).map(literal).join(', ')})`

async function measure(variant: Variant): Promise<{ cpuMs: number; wallMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'careloop-chdb-insert-'))
  const client = await createHistoryClient({ dataDir: dir })
  const store = new ClickHouseHistoryStore(client)
  try {
    await store.migrate()
    let n = 0
    const call = async (): Promise<void> => {
      const clickhouse_settings = variant.settings
      if (variant.mode === 'select') await (await client.query({ query: 'SELECT 1', format: 'JSONEachRow', clickhouse_settings })).json()
      else if (variant.mode === 'insert') await client.insert({ table: 'careloop.decisions', columns: COLUMNS as [string, ...string[]], format: 'JSONEachRow', values: [row(n++)], clickhouse_settings })
      else if (variant.mode === 'three calls') for (let k = 0; k < 3; k++) await client.command({ query: insertSql(n++), clickhouse_settings })
      else await client.command({ query: [insertSql(n++), insertSql(n++), insertSql(n++)].join(';\n'), clickhouse_settings })
    }
    for (let k = 0; k < 30; k++) await call()
    const cpu = process.cpuUsage()
    const start = performance.now()
    for (let k = 0; k < CALLS; k++) await call()
    const used = process.cpuUsage(cpu)
    return { cpuMs: (used.user + used.system) / 1000 / CALLS, wallMs: (performance.now() - start) / CALLS }
  } finally {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

const self = fileURLToPath(import.meta.url)
const index = process.argv[2]
if (index !== undefined) {
  console.log(JSON.stringify(await measure(VARIANTS[Number(index)] as Variant)))
} else {
  console.log(`chDB per call, ${CALLS} calls each, one process per variant; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`)
  for (const [i, variant] of VARIANTS.entries()) {
    const out = execFileSync(process.execPath, ['--import', 'tsx', self, String(i)], { encoding: 'utf8' }).trim().split('\n').at(-1) ?? '{}'
    const { cpuMs, wallMs } = JSON.parse(out) as { cpuMs: number; wallMs: number }
    console.log(`  ${variant.name.padEnd(44)} ${cpuMs.toFixed(2).padStart(6)} ms CPU  ${wallMs.toFixed(2).padStart(6)} ms wall`)
  }
}
