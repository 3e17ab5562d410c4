// What a spooled history append costs the engine's thread on PGlite (src/store/spool): writing a
// step's rows, reading them back, deleting them, by column storage; and how large the spool table
// grows when moved appends are deleted without a vacuum, against a vacuum every 20 appends.
// `npx tsx bench/historySpool.ts`. Prints figures; asserts nothing.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { openOperationalStore } from '../src/store/operational/OperationalStore.ts'

const ROWS = Number(process.env['BENCH_SPOOL_ROWS'] ?? 500)
const APPENDS = 100
const dir = mkdtempSync(join(os.tmpdir(), 'careloop-bench-spool-'))
const ops = await openOperationalStore({ dataDir: join(dir, 'ops') })
const row = (i: number) => ({
  message_id: `m-${i}-0123456789abcdef`, customer_id: `c-${i % 97}`, name: 'Product Viewed', type: 'track', ts: 1_710_072_000_000 + i, received_at: 1_710_072_000_050 + i,
  properties: JSON.stringify({ product_id: `p-${i % 50}`, dwell_ms: 95_000, price: 19.99 }), context: JSON.stringify({ timezone: 'Europe/Berlin', page: { url: 'https://shop.example.com/p/123' } }),
  user_id: `c-${i % 97}`, anonymous_id: '',
})
const text = JSON.stringify({ events: Array.from({ length: ROWS }, (_, i) => row(i)) })
const cpu = (): number => {
  const u = process.cpuUsage()
  return u.user + u.system
}
const size = async (): Promise<number> => Number((await ops.db.query<{ s: string }>("SELECT pg_total_relation_size('history_spool') AS s")).rows[0]?.s)

console.log(`history spool on PGlite: appends of ${ROWS} event rows (${(text.length / 1024).toFixed(0)} kB of JSON), ${APPENDS} each; load average ${os.loadavg()[0]?.toFixed(2)}`)
// Each storage twice, alternating: the first round also pays for warming up.
for (const storage of ['EXTENDED', 'EXTERNAL', 'EXTENDED', 'EXTERNAL']) {
  await ops.db.query(`ALTER TABLE history_spool ALTER COLUMN rows SET STORAGE ${storage}`)
  let add = 0, read = 0, remove = 0
  for (let i = 0; i < APPENDS; i++) {
    let c = cpu()
    await ops.historySpool.add(text, Date.now())
    add += cpu() - c
    c = cpu()
    const taken = await ops.historySpool.oldest(500, 64 * 2 ** 20)
    read += cpu() - c
    c = cpu()
    await ops.historySpool.remove(taken.map((t) => t.seq))
    remove += cpu() - c
    if (i % 20 === 19) await ops.historySpool.reclaim()
  }
  const per = (us: number) => `${(us / APPENDS / 1000).toFixed(2)} ms`
  console.log(`  ${storage === 'EXTENDED' ? 'compressed (default)' : 'uncompressed       '}  insert ${per(add)} · read back ${per(read)} · delete ${per(remove)}  (CPU per append)`)
}
for (const [storage, vacuumEvery] of [['EXTENDED', 0], ['EXTENDED', 20], ['EXTERNAL', 0], ['EXTERNAL', 20]] as const) {
  await ops.db.query('TRUNCATE history_spool')
  await ops.db.query(`ALTER TABLE history_spool ALTER COLUMN rows SET STORAGE ${storage}`)
  for (let i = 0; i < 200; i++) {
    await ops.historySpool.add(text, Date.now())
    await ops.historySpool.remove((await ops.historySpool.oldest(500, 64 * 2 ** 20)).map((t) => t.seq))
    if (vacuumEvery > 0 && i % vacuumEvery === vacuumEvery - 1) await ops.historySpool.reclaim()
  }
  console.log(`  ${storage === 'EXTENDED' ? 'compressed' : 'uncompressed'} table after 200 appends moved on, ${vacuumEvery ? `vacuum every ${vacuumEvery}` : 'no vacuum'}: ${((await size()) / 2 ** 20).toFixed(2)} MiB`)
}
await ops.close()
rmSync(dir, { recursive: true, force: true })
