// A data directory from before the file log: what its event_log table holds is carried into the
// segment files with its seqs, once, and the numbering continues past the engine's position. And
// hand-offs, made durable before the batch commits, are appended once however often it is retried.
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { LogAppend } from '../../../src/store/eventlog/EventLog.ts'
import { FileEventLog } from '../../../src/store/eventlog/FileEventLog.ts'
import { EventLogStore } from '../../../src/store/operational/EventLogStore.ts'
import { openOperationalStore } from '../../../src/store/operational/OperationalStore.ts'
import { freshDataDir } from '../../support/stores.ts'
import { batch, T0 } from '../operational/contract/fixtures.ts'

const SOURCE = 'embedded'
const dirs: string[] = []
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

const events = (from: number, n: number): LogAppend[] =>
  Array.from({ length: n }, (_, i) => ({ partition: 0, messageId: `old-${from + i}`, customerId: `c-${(from + i) % 3}`, receivedAt: T0 + from + i, body: { n: from + i, text: 'a\u0000\ud800' } }))

/** A data directory as an older version left it: rows in event_log, the engine at `position`. */
async function oldDataDir(rows: number, position: number): Promise<{ dir: string; stored: Awaited<ReturnType<EventLogStore['read']>> }> {
  const dir = freshDataDir('careloop-log-upgrade-')
  dirs.push(dir)
  const ops = await openOperationalStore({ dataDir: join(dir, 'ops') })
  await ops.log.append(events(0, rows))
  const stored = await ops.log.read(0, 0, 1000)
  await ops.db.query('INSERT INTO source_positions (source, partition, position) VALUES ($1, 0, $2)', [SOURCE, position])
  await ops.close()
  return { dir, stored }
}

const openNew = (dir: string) => openOperationalStore({ dataDir: join(dir, 'ops'), eventLog: { dir: join(dir, 'log'), source: SOURCE } })
const tableRows = async (ops: Awaited<ReturnType<typeof openNew>>) => Number((await ops.db.query<{ n: string }>('SELECT count(*) AS n FROM event_log')).rows[0]?.n)

describe('event log upgrade', () => {
  it('carries unconsumed and consumed rows over with their seqs and empties the table', async () => {
    const { dir, stored } = await oldDataDir(12, 5)
    const ops = await openNew(dir)
    try {
      expect(ops.log).toBeInstanceOf(FileEventLog)
      expect(await ops.log.read(0, 0, 100)).toEqual(stored)
      expect(await tableRows(ops)).toBe(0)
      const position = stored[4]!.seq
      expect((await ops.log.read(0, position, 100)).map((r) => r.messageId)).toEqual(stored.slice(5).map((r) => r.messageId))
      // A re-sent old message is still a duplicate; a new one follows the old head.
      expect(await ops.log.append([...events(3, 1), ...events(100, 1)])).toEqual(new Set(['old-100']))
      expect((await ops.log.read(0, stored.at(-1)!.seq, 10)).map((r) => r.seq)).toEqual([stored.at(-1)!.seq + 1])
    } finally {
      await ops.close()
    }
    const again = await openNew(dir)
    expect(await again.log.read(0, 0, 100)).toHaveLength(13)
    await again.close()
  })

  it('numbers new records past the engine position even when the table was emptied by retention', async () => {
    const { dir } = await oldDataDir(0, 40)
    const ops = await openNew(dir)
    try {
      await ops.log.append(events(0, 1))
      expect((await ops.log.read(0, 0, 10)).map((r) => r.seq)).toEqual([41])
    } finally {
      await ops.close()
    }
  })

  it('a carry-over cut short by a crash copies the rest once on the next open', async () => {
    const { dir, stored } = await oldDataDir(10, 0)
    const partial = await FileEventLog.open(join(dir, 'log'), { startAfter: stored[0]!.seq - 1 })
    await partial.adopt(stored.slice(0, 4))
    await partial.close()
    const ops = await openNew(dir)
    try {
      expect(await ops.log.read(0, 0, 100)).toEqual(stored)
      expect(await tableRows(ops)).toBe(0)
    } finally {
      await ops.close()
    }
  })

  it('hand-offs are durable before the commit; a retried commit appends them once', async () => {
    const dir = freshDataDir('careloop-log-handoff-')
    dirs.push(dir)
    const ops = await openNew(dir)
    try {
      const handoffs = events(500, 3)
      // The transaction fails after the hand-offs were appended (a position that is not a number).
      await expect(ops.engine.commit(batch({ source: SOURCE, positions: new Map([[0, Number.NaN]]), logAppends: handoffs }))).rejects.toThrow()
      expect((await ops.log.read(0, 0, 10)).map((r) => r.messageId)).toEqual(handoffs.map((h) => h.messageId))
      await ops.engine.commit(batch({ source: SOURCE, positions: new Map([[0, 1]]), logAppends: handoffs }))
      expect((await ops.log.read(0, 0, 10)).map((r) => r.messageId)).toEqual(handoffs.map((h) => h.messageId))
      expect((await ops.engine.positions(SOURCE, [0])).get(0)).toBe(1)
    } finally {
      await ops.close()
    }
  })
})
