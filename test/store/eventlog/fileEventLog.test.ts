// The file event log against a model: random appends (with re-sent ids and hostile text), reopens
// and torn tails; every read from any position equals the appended sequence, bodies as JSON gives
// them back. Plus erasure (nothing of the shopper left in the files) and retention by segment.
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import type { LogAppend } from '../../../src/store/eventlog/EventLog.ts'
import { FileEventLog } from '../../../src/store/eventlog/FileEventLog.ts'
import { encodeFrame } from '../../../src/store/eventlog/frame.ts'

const T0 = Date.UTC(2026, 0, 15, 9)
const HOUR = 3_600_000
const dirs: string[] = []
const freshDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'careloop-eventlog-'))
  dirs.push(dir)
  return dir
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

const segments = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.seg')).sort()
const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value) ?? 'null')

const hostileText = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom('\u0000', 'a\u0000b', '\ud800', 'x\udfffy', '\ud83d', '__proto__', '', '"\\'),
)
const body = fc.oneof(
  fc.record({ event: hostileText, properties: fc.dictionary(hostileText, fc.oneof(hostileText, fc.integer(), fc.double(), fc.boolean(), fc.constant(null))) }),
  fc.jsonValue(),
)

type Step =
  | { kind: 'append'; ids: number[]; bodies: unknown[]; customer: string }
  | { kind: 'reopen' }
  | { kind: 'tear'; bytes: number; garbage: boolean }
  | { kind: 'read'; from: number; limit: number }

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('append' as const), ids: fc.array(fc.nat(60), { minLength: 1, maxLength: 8 }), bodies: fc.array(body, { minLength: 8, maxLength: 8 }), customer: hostileText }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reopen' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tear' as const), bytes: fc.integer({ min: 1, max: 60 }), garbage: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('read' as const), from: fc.nat(80), limit: fc.integer({ min: 1, max: 30 }) }) },
)

describe('FileEventLog', () => {
  it('reads back exactly what was appended, from any position, across reopens and torn tails', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
        const dir = freshDir()
        const options = { segmentBytes: 600 }
        let log = await FileEventLog.open(dir, options)
        // The model: every stored record in order, with the seq the log gave it.
        const model: Array<LogAppend & { seq: number }> = []
        const known = new Set<string>()
        try {
          for (const s of steps) {
            if (s.kind === 'append') {
              const batch = s.ids.map((id, i) => ({ partition: 0, messageId: `m-${id}\u0000${id % 3 === 0 ? '\ud800' : ''}`, customerId: s.customer, receivedAt: T0 + model.length, body: s.bodies[i] }))
              const before = await log.head(0)
              const stored = await log.append(batch)
              const expected = [...new Set(batch.map((b) => b.messageId))].filter((id) => !known.has(id))
              expect([...stored]).toEqual(expected)
              const added = await log.read(0, before, 1000)
              expect(added.map((r) => r.messageId)).toEqual(expected)
              for (const r of added) {
                model.push(r)
                known.add(r.messageId)
              }
            } else if (s.kind === 'reopen') {
              await log.close()
              log = await FileEventLog.open(dir, options)
            } else if (s.kind === 'tear') {
              // A crash while writing: the newest segment ends in a partial frame or noise.
              await log.close()
              const frame = encodeFrame({ seq: 1e9, partition: 0, messageId: 'torn', customerId: 'torn', receivedAt: T0, body: { torn: true } })
              const tail = s.garbage ? Buffer.alloc(s.bytes, 0xab) : frame.subarray(0, Math.min(s.bytes, frame.length - 1))
              appendFileSync(join(dir, segments(dir).at(-1) as string), tail)
              log = await FileEventLog.open(dir, options)
            } else {
              const after = s.from === 0 || model.length === 0 ? 0 : (model[(s.from - 1) % model.length] as { seq: number }).seq
              const expected = model.filter((r) => r.seq > after).slice(0, s.limit)
              const got = await log.read(0, after, s.limit)
              expect(got.map((r) => [r.seq, r.messageId, r.customerId, r.receivedAt])).toEqual(expected.map((r) => [r.seq, r.messageId, r.customerId, r.receivedAt]))
              expect(got.map((r) => r.body)).toEqual(expected.map((r) => asJson(r.body)))
            }
          }
          const all = await log.read(0, 0, 10_000)
          expect(all.map((r) => r.messageId)).toEqual(model.map((r) => r.messageId))
          for (let i = 1; i < all.length; i++) expect((all[i] as { seq: number }).seq).toBeGreaterThan((all[i - 1] as { seq: number }).seq)
          expect(await log.head(0)).toBe(model.at(-1)?.seq ?? 0)
          expect(all.some((r) => r.messageId === 'torn')).toBe(false)
        } finally {
          await log.close()
        }
      }),
      { numRuns: Number(process.env['CARELOOP_FUZZ_RUNS'] ?? 60) },
    )
  }, 120_000)

  it('answers concurrent requests with one durable write each group; a re-sent id in flight is a duplicate', async () => {
    const log = await FileEventLog.open(freshDir())
    const requests = Array.from({ length: 40 }, (_, r) =>
      log.append(Array.from({ length: 25 }, (_, i) => ({ partition: 0, messageId: `id-${(r * 25 + i) % 700}`, customerId: `c-${i}`, receivedAt: T0, body: { r, i } }))),
    )
    const stored = await Promise.all(requests)
    expect(stored.reduce((n, s) => n + s.size, 0)).toBe(700)
    const all = await log.read(0, 0, 10_000)
    expect(new Set(all.map((r) => r.messageId)).size).toBe(700)
    expect(all.length).toBe(700)
    await log.close()
  })

  it('remembers at most `recentIds` messageIds for its duplicate check, the newest, also after a reopen', async () => {
    // The check's memory is bounded whatever the number of shoppers: older ids are forgotten (a
    // re-sent old id is stored again; CustomerState.seen keeps the engine from applying it twice).
    const dir = freshDir()
    const bound = 50
    const append = (log: FileEventLog, ids: number[]) => log.append(ids.map((i) => ({ partition: 0, messageId: `m-${i}`, customerId: `c-${i}`, receivedAt: T0, body: { i } })))
    let log = await FileEventLog.open(dir, { recentIds: bound })
    for (let i = 0; i < 1_000; i += 100) await append(log, Array.from({ length: 100 }, (_, k) => i + k))
    expect((await append(log, [999, 950])).size).toBe(0)
    expect([...(await append(log, [949, 0]))].sort()).toEqual(['m-0', 'm-949'])
    await log.close()
    // Rebuilt from the segments in seq order: the same newest `bound` ids (949 and 0 pushed out 950 and 951).
    log = await FileEventLog.open(dir, { recentIds: bound })
    expect((await append(log, [949, 0, 952, 999])).size).toBe(0)
    expect([...(await append(log, [950, 951]))].sort()).toEqual(['m-950', 'm-951'])
    await log.close()
  })

  it('erases a shopper: their records are gone from every segment file, the head and the others stay', async () => {
    const dir = freshDir()
    let log = await FileEventLog.open(dir, { segmentBytes: 400 })
    const secret = 'erin@example.com'
    for (let i = 0; i < 30; i++) {
      const customerId = i % 3 === 0 ? 'erin' : `other-${i}`
      await log.append([{ partition: 0, messageId: `e-${i}`, customerId, receivedAt: T0 + i, body: { traits: { email: i % 3 === 0 ? secret : 'x@example.com' } } }])
    }
    const head = await log.head(0)
    expect(await log.eraseCustomers(['erin'])).toBe(10)
    const left = await log.read(0, 0, 100)
    expect(left.map((r) => r.customerId).filter((c) => c === 'erin')).toEqual([])
    expect(left).toHaveLength(20)
    for (const file of readdirSync(dir)) expect(readFileSync(join(dir, file)).includes(secret)).toBe(false)
    await log.close()
    log = await FileEventLog.open(dir, { segmentBytes: 400 })
    expect(await log.read(0, 0, 100)).toEqual(left)
    // Numbering goes on above the old head, and an erased id may be sent again.
    expect(await log.append([{ partition: 0, messageId: 'e-0', customerId: 'erin', receivedAt: T0, body: {} }])).toEqual(new Set(['e-0']))
    expect((await log.read(0, head, 10)).map((r) => r.messageId)).toEqual(['e-0'])
    await log.close()
  })

  it('retention drops whole segments that are consumed and past the cutoff, never what is unread', async () => {
    const dir = freshDir()
    let log = await FileEventLog.open(dir)
    const at = (hour: number, n: number) => Array.from({ length: n }, (_, i) => ({ partition: 0, messageId: `h${hour}-${i}`, customerId: 'c', receivedAt: T0 + hour * HOUR + i, body: { hour } }))
    for (const hour of [0, 2, 4]) await log.append(at(hour, 5))
    expect(segments(dir)).toHaveLength(3)
    const seqOf = async (id: string) => (await log.read(0, 0, 100)).find((r) => r.messageId === id)?.seq as number
    const consumedThrough = await seqOf('h2-4')
    // Hour 4 is unread, hour 2 is inside the period: only hour 0 goes; a segment read in part stays.
    expect(await log.deleteConsumed(T0 + 2 * HOUR, new Map([[0, consumedThrough]]))).toBe(5)
    expect(await log.deleteConsumed(T0 + 10 * HOUR, new Map([[0, consumedThrough - 1]]))).toBe(0)
    expect((await log.read(0, 0, 100)).map((r) => r.messageId)).toEqual([...at(2, 5), ...at(4, 5)].map((r) => r.messageId))
    // Everything read and old: the newest segment goes too, and the head survives a reopen.
    const head = await log.head(0)
    expect(await log.deleteConsumed(T0 + 10 * HOUR, new Map([[0, head]]))).toBe(10)
    expect(await log.read(0, 0, 100)).toEqual([])
    await log.close()
    log = await FileEventLog.open(dir)
    await log.append(at(9, 1))
    expect((await log.read(0, 0, 10))[0]?.seq).toBe(head + 1)
    await log.close()
  })
})
