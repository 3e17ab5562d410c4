// The history spool on the real embedded stores (PGlite and chDB): what is appended through it
// reads back exactly as when appended to chDB directly, in fewer inserts; an outage of chDB never
// fails an append and loses nothing; an append chDB refuses for its data is parked with the
// reason while the rest moves on; what a crash left is moved on at the next open.
import fc from 'fast-check'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../../src/lib/clock.ts'
import { HISTORY_LETTER_SOURCE } from '../../../src/model/deadLetter.ts'
import type { ClickHouseHistoryStore } from '../../../src/store/history/ClickHouseHistoryStore.ts'
import type { HistoryBatch, HistoryStore } from '../../../src/store/history/HistoryStore.ts'
import { openHistoryStore } from '../../../src/store/history/openHistoryStore.ts'
import { openOperationalStore, type OperationalStore } from '../../../src/store/operational/OperationalStore.ts'
import { rowCount } from '../../../src/store/spool/mergeBatches.ts'
import { SpooledHistoryStore, type SpoolOptions } from '../../../src/store/spool/SpooledHistoryStore.ts'
import { freshDataDir } from '../../support/stores.ts'
import { T0, delivery, event, signal, taskEvent } from '../history/fixtures.ts'

const clock = new ManualClock(T0)
const logger = pino({ level: 'silent' })
let dir: string
let ops: OperationalStore
let direct: ClickHouseHistoryStore
let chdb: ClickHouseHistoryStore
let seq = 0

beforeAll(async () => {
  dir = freshDataDir('careloop-spool-')
  ops = await openOperationalStore({ dataDir: join(dir, 'ops') })
  direct = await openHistoryStore({ dataDir: dir, database: 'direct' })
  chdb = await openHistoryStore({ dataDir: dir, database: 'spooled' })
})
afterAll(async () => {
  await direct?.close()
  await chdb?.close()
  await ops?.close()
})

/** The chDB store with faults: `fail` decides per append (undefined: write it); counts appends. */
function faulty(inner: ClickHouseHistoryStore, fail: (batch: HistoryBatch) => Error | undefined): HistoryStore & { appends: number } {
  const counter = { appends: 0 }
  const append = async (batch: HistoryBatch) => {
    counter.appends++
    const error = fail(batch)
    if (error) throw error
    return inner.append(batch)
  }
  // The spool closes what it wraps; these tests close the shared store once, at the end.
  const close = async () => undefined
  return new Proxy(inner, {
    get(target, key) {
      if (key === 'append') return append
      if (key === 'close') return close
      if (key === 'appends') return counter.appends
      const value = Reflect.get(target, key, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  }) as unknown as HistoryStore & { appends: number }
}

function options(extra: Partial<SpoolOptions> = {}): SpoolOptions {
  return { spool: ops.historySpool, clock, logger, park: (letters) => ops.deadLetters.add(letters), retryMs: 5, maxRetryMs: 20, ...extra }
}

// Well-formed text: the engine repairs lone surrogates before history (test/stream/text-policy);
// one that still reaches the spool is refused by chDB and parked (below).
const text = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'a\u0000b', '\u{1F600}', ''))

/** A batch of a few rows of every kind for the given customers, with hostile text in its fields. */
const batchOf = (customers: readonly string[]) =>
  fc.record({
    events: fc.array(fc.tuple(fc.constantFrom(...customers), text, fc.nat(1_000)), { maxLength: 3 }),
    signals: fc.array(fc.tuple(fc.constantFrom(...customers), text), { maxLength: 2 }),
    deliveries: fc.array(fc.tuple(fc.constantFrom(...customers), text), { maxLength: 2 }),
    tasks: fc.array(fc.tuple(fc.constantFrom(...customers), text), { maxLength: 2 }),
  }).map(({ events, signals, deliveries, tasks }): HistoryBatch => {
    const id = () => `r-${++seq}`
    return {
      events: events.map(([c, name, dt]) => event(c, id(), T0 + dt, { name, properties: JSON.stringify({ note: name }) })),
      signals: signals.map(([c, rule]) => signal(c, id(), T0 + 1, { rule_id: rule })),
      deliveries: deliveries.map(([c, detail]) => delivery(c, id(), T0 + 2, { detail })),
      taskEvents: tasks.map(([c, actor]) => taskEvent(c, id(), T0 + 3, { actor })),
    }
  })

describe('the history spool', () => {
  it('reads back what was appended exactly as chDB written directly does, after any interleaving of appends and reads', async () => {
    let run = 0
    await fc.assert(
      // Memory for a few appends or for all; vacuum after every move or rarely.
      fc.asyncProperty(fc.array(fc.tuple(batchOf(['a', 'b', '__proto__']), fc.boolean()), { minLength: 1, maxLength: 6 }), fc.constantFrom(3_000, 2 ** 26), fc.constantFrom(1, 2 ** 25), fc.constantFrom(0, 4, 200), async (steps, memoryChars, reclaimChars, directRows) => {
        run++
        const customers = ['a', 'b', '__proto__']
        const prefix = (c: string) => `${run}:${c}`
        const counted = faulty(chdb, () => undefined)
        const spooled = await SpooledHistoryStore.open(counted, options({ gatherMs: 60_000, memoryChars, reclaimChars, directRows }))
        try {
          for (const [batch, readNow] of steps) {
            const mine = rename(batch, prefix)
            await Promise.all([spooled.append(mine), direct.append(mine)])
            if (readNow) for (const c of customers) expect(await spooled.timeline(prefix(c), { limit: 500 })).toEqual(await direct.timeline(prefix(c), { limit: 500 }))
          }
          for (const c of customers) expect(await spooled.timeline(prefix(c), { limit: 500 })).toEqual(await direct.timeline(prefix(c), { limit: 500 }))
          // Appends waiting together move on in one insert: never more inserts than reads forced,
          // besides the appends large enough to go straight to chDB.
          const large = steps.filter(([b]) => rowCount(b) > directRows).length
          expect(counted.appends).toBeLessThanOrEqual(large + steps.filter(([, r]) => r).length + 1)
          expect((await spooled.depth()).appends).toBe(0)
        } finally {
          await spooled.close()
        }
      }),
      { numRuns: 16, examples: [[[[{ events: [event('a', `ex-${++seq}`, T0, { name: 'a\u0000b' })] }, false], [{ signals: [signal('__proto__', `ex-${++seq}`, T0)] }, false]], 3_000, 1, 200]] },
    )
  })

  it('refuses an invalid row at the append, naming its path, and spools nothing of its batch', async () => {
    const spooled = await SpooledHistoryStore.open(faulty(chdb, () => undefined), options({ gatherMs: 60_000 }))
    try {
      const before = await spooled.depth()
      const bad = { events: [event('v', `v-${++seq}`, T0)], signals: [{ ...signal('v', `v-${++seq}`, T0), ts: -1 }] }
      await expect(spooled.append(bad)).rejects.toThrow(/signals\[0\]\.ts: expected an integer/)
      expect(await spooled.depth()).toEqual(before)
    } finally {
      await spooled.close()
    }
  })

  it('keeps appending through a chDB outage, small appends and large, and moves everything on when it answers again', async () => {
    let down = true
    const outage = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' })
    const spooled = await SpooledHistoryStore.open(faulty(chdb, () => (down ? outage : undefined)), options({ gatherMs: 1, directRows: 2 }))
    try {
      const ids = Array.from({ length: 5 }, () => `o-${++seq}`)
      for (const id of ids) await spooled.append({ events: [event('outage', id, T0)] })
      const large = Array.from({ length: 3 }, () => `o-${++seq}`)
      await spooled.append({ events: large.map((id) => event('outage', id, T0)) })
      ids.push(...large)
      expect((await spooled.depth()).appends).toBe(6)
      // A read needs chDB: it fails as chDB does, and takes nothing out of the spool.
      await expect(spooled.timeline('outage')).rejects.toThrow(/ECONNREFUSED/)
      down = false
      await expect.poll(async () => (await spooled.depth()).appends, { timeout: 10_000 }).toBe(0)
      expect((await chdb.timeline('outage')).map((e) => e.id).sort()).toEqual([...ids].sort())
    } finally {
      await spooled.close()
    }
  })

  it('parks the one append chDB refuses for its data while answering; the others move on', async () => {
    // chDB itself refuses a lone surrogate in a JSON row (CANNOT_PARSE_ESCAPE_SEQUENCE).
    const refused = `bad-${++seq}`
    const counted = faulty(chdb, () => undefined)
    const spooled = await SpooledHistoryStore.open(counted, options({ gatherMs: 60_000 }))
    try {
      const good = [`g-${++seq}`, `g-${++seq}`]
      await spooled.append({ events: [event('park', good[0] as string, T0)] })
      await spooled.append({ events: [event('park', refused, T0 + 1, { name: 'x\ud800' })] })
      await spooled.append({ events: [event('park', good[1] as string, T0 + 2)] })
      expect((await spooled.timeline('park')).map((e) => e.id).sort()).toEqual([...good].sort())
      expect((await spooled.depth()).appends).toBe(0)
      // Together once, then each alone.
      expect(counted.appends).toBe(4)
      const letter = (await ops.deadLetters.list(100)).find((l) => l.payload.includes(refused))
      expect(letter).toMatchObject({ source: HISTORY_LETTER_SOURCE, reason: expect.stringMatching(/history store refused .*surrogate/) })
      expect(JSON.parse(letter?.payload as string)).toEqual({ events: [event('park', refused, T0 + 1, { name: 'x\ud800' })] })
    } finally {
      await spooled.close()
    }
  })

  it('retries an outage without parking anything', async () => {
    let failures = 3
    const spooled = await SpooledHistoryStore.open(
      faulty(chdb, () => (failures-- > 0 ? new Error('Code: 241. DB::Exception: Memory limit (total) exceeded: would use 9.3 GiB') : undefined)),
      options({ gatherMs: 1 }),
    )
    try {
      const id = `m-${++seq}`
      const lettersBefore = await ops.deadLetters.count()
      await spooled.append({ events: [event('memory', id, T0)] })
      await expect.poll(async () => (await spooled.depth()).appends, { timeout: 10_000 }).toBe(0)
      expect((await chdb.timeline('memory')).map((e) => e.id)).toEqual([id])
      expect(await ops.deadLetters.count()).toBe(lettersBefore)
    } finally {
      await spooled.close()
    }
  })

  it('erases rows still waiting in the spool too: they are moved on before the erasure', async () => {
    const spooled = await SpooledHistoryStore.open(faulty(chdb, () => undefined), options({ gatherMs: 60_000 }))
    try {
      await spooled.append({ events: [event('erase-me', `e-${++seq}`, T0)], deliveries: [delivery('erase-me', `e-${++seq}`, T0 + 1)] })
      await spooled.append({ events: [event('keep-me', `k-${++seq}`, T0)] })
      await spooled.eraseCustomers(['erase-me'], [])
      await expect.poll(() => spooled.pendingErasures(), { timeout: 20_000 }).toBe(0)
      expect(await spooled.timeline('erase-me')).toEqual([])
      expect(await spooled.timeline('keep-me')).toHaveLength(1)
    } finally {
      await spooled.close()
    }
  })

  it('moves on, at the next open, what a process left in the spool', async () => {
    const left = `crash-${++seq}`
    // A process that spooled and stopped before moving anything on (its chDB never answered).
    const crashed = await SpooledHistoryStore.open(faulty(chdb, () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })), options({ gatherMs: 60_000 }))
    await crashed.append({ events: [event('crash', left, T0)], taskEvents: [taskEvent('crash', `${left}:t`, T0 + 1)] })
    await crashed.close()
    expect((await ops.historySpool.depth()).appends).toBeGreaterThan(0)
    const next = await SpooledHistoryStore.open(faulty(chdb, () => undefined), options({ gatherMs: 60_000 }))
    try {
      // The job moves it on; a read waits for it.
      expect((await next.timeline('crash')).map((e) => e.id).sort()).toEqual([left, `${left}:t`])
      expect((await next.depth()).appends).toBe(0)
      expect((await chdb.timeline('crash')).map((e) => e.id).sort()).toEqual([left, `${left}:t`])
    } finally {
      await next.close()
    }
  })
})

/** The batch with its customer ids mapped (each property run reads its own customers). */
function rename(batch: HistoryBatch, to: (c: string) => string): HistoryBatch {
  const map = <T extends { customer_id: string }>(rows: T[] | undefined) => (rows ?? []).map((r) => ({ ...r, customer_id: to(r.customer_id) }))
  return { events: map(batch.events), signals: map(batch.signals), decisions: map(batch.decisions), deliveries: map(batch.deliveries), taskEvents: map(batch.taskEvents) }
}
