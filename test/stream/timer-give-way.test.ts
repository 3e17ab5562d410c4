// A timer firing queued behind a running event step does not wait for the whole batch: the step
// ends at its next check (every CHECK_EVERY events), commits the events it applied with their
// position, the firing runs, and the rest of the batch follows in a step of its own. The
// decisions are those of the batch processed whole with the timer fired after it, as long as the
// rest holds no event of the timer's shopper. Ordering only, no timing assertions.
import { randomUUID } from 'node:crypto'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import type { BatchCommit } from '../../src/store/operational/EngineStore.ts'
import { STEP_PAST_TIMER_MS, type EngineCore } from '../../src/stream/engine/EngineCore.ts'
import { CHECK_EVERY } from '../../src/stream/engine/events.ts'
import type { SourceRecord } from '../../src/stream/source/EventSource.ts'
import { startEngine, type TestEngine } from '../support/careloop.ts'

const T0 = Date.UTC(2026, 5, 1, 10, 0, 0)
const HOUR = 3_600_000

interface Recorded {
  engine: TestEngine
  commits: BatchCommit[]
}

async function recordingEngine(): Promise<Recorded> {
  const engine = await startEngine({ clock: new ManualClock(T0), config: { absenceSettleMs: 0 } })
  const commits: BatchCommit[] = []
  const store = engine.app.ops.engine
  const commit = store.commit.bind(store)
  store.commit = (batch) => {
    commits.push(batch)
    return commit(batch)
  }
  return { engine, commits }
}

// One engine (one chDB per process): the reference runs under other shopper ids and partitions.
let split: Recorded
beforeAll(async () => {
  split = await recordingEngine()
})
afterAll(async () => {
  await split?.engine.app.stop()
})

type Kind = 'view' | 'long-view' | 'add' | 'checkout' | 'identify'
const kinds: Kind[] = ['view', 'long-view', 'add', 'checkout', 'identify']

function value(kind: Kind, userId: string, i: number, ts: number): Record<string, unknown> {
  const base = { messageId: `${userId}-${i}-${kind}`, userId, timestamp: new Date(ts).toISOString() }
  switch (kind) {
    case 'identify':
      return { ...base, type: 'identify', traits: { email: `${userId}@shop.test` } }
    case 'view':
      return { ...base, type: 'track', event: 'Product Viewed', properties: { product_id: `p${i % 7}` } }
    case 'long-view':
      return { ...base, type: 'track', event: 'Product Viewed', properties: { product_id: `p${i % 7}`, dwell_ms: 150_000 } }
    case 'add':
      return { ...base, type: 'track', event: 'Product Added', properties: { product_id: `p${i % 7}`, quantity: 1, price: 20 } }
    case 'checkout':
      return { ...base, type: 'track', event: 'Checkout Started', properties: { checkout_id: `c-${userId}-${i}`, value: 40 } }
  }
}

const record = (partition: number, offset: number, v: Record<string, unknown>): SourceRecord => ({ partition, offset, key: v.userId as string, value: v, receivedAt: T0 })

/** Arms a reminder for a shopper whose checkout began two hours ago: due at once (no settle). */
async function armDueTimer({ engine }: Recorded, partition: number, shopper: string): Promise<void> {
  const records = [value('identify', shopper, 0, T0 - 2 * HOUR), value('checkout', shopper, 1, T0 - 2 * HOUR)].map((v, i) => record(partition, i + 1, v))
  await engine.app.engine.handleBatch({ partition, records })
}

const outboxKeys = (commits: readonly BatchCommit[], tag: string) => commits.flatMap((c) => c.outbox.map((o) => o.idempotencyKey.replaceAll(tag, 'TAG'))).sort()
const timerWrites = (commits: readonly BatchCommit[], tag: string) => commits.flatMap((c) => c.timers.map((t) => `${t.op} ${t.id}`.replaceAll(tag, 'TAG'))).sort()
const fired = (c: BatchCommit) => c.timers.some((t) => t.op === 'fire')

describe('an event step facing a due timer', () => {
  let run = 0
  let splits = 0
  it('gives way at its next check: the timer fires before the rest of the batch, with the same decisions', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom(...kinds), fc.nat(5)), { minLength: 1, maxLength: 4 * CHECK_EVERY + 5, size: 'max' }),
        fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
        async (events, at) => {
          run++
          const partition = 8000 + 2 * run
          const refPartition = partition + 1
          const tag = randomUUID().slice(0, 8)
          const refTag = randomUUID().slice(0, 8)
          await armDueTimer(split, partition, `timer-${tag}`)
          await armDueTimer(split, refPartition, `timer-${refTag}`)
          const valuesOf = (t: string) => events.map(([kind, shopper], i) => value(kind, `s-${t}-${shopper}`, i, T0))
          const values = valuesOf(tag)
          const trigger = Math.floor(at * values.length)
          const batch = (p: number, vs: Record<string, unknown>[]) => ({ partition: p, records: vs.map((v, i) => record(p, i + 3, v)) })
          const refFrom = split.commits.length
          await split.engine.app.engine.handleBatch(batch(refPartition, valuesOf(refTag)))
          expect(await split.engine.app.engine.fireDueTimers([refPartition])).toBe(1)
          const reference = split.commits.slice(refFrom)
          const splitFrom = split.commits.length

          // The timer's wake-up comes while the step applies the trigger-th event.
          const rules = split.engine.app.rules.ruleSet
          const matchEvent = rules.matchEvent
          let firing: Promise<number> | undefined
          rules.matchEvent = function (ctx) {
            if (firing === undefined && ctx.event.messageId === values[trigger]?.messageId) firing = split.engine.app.engine.fireDueTimers([partition])
            return matchEvent.call(this, ctx)
          }
          try {
            await split.engine.app.engine.handleBatch(batch(partition, values))
          } finally {
            rules.matchEvent = matchEvent
          }
          expect(await firing).toBe(1)

          const steps = split.commits.slice(splitFrom)
          const last = values.length + 2
          const firstCheckAfter = Math.ceil((trigger + 1) / CHECK_EVERY) * CHECK_EVERY
          if (firstCheckAfter < values.length) {
            splits++
            // events up to the check, the firing, the rest
            expect(steps.map((c) => (fired(c) ? 'fire' : c.positions.get(partition)))).toEqual([firstCheckAfter + 2, 'fire', last])
          } else {
            expect(steps.map((c) => (fired(c) ? 'fire' : c.positions.get(partition)))).toEqual([last, 'fire'])
          }
          expect(outboxKeys(steps, tag)).toEqual(outboxKeys(reference, refTag))
          expect(timerWrites(steps, tag)).toEqual(timerWrites(reference, refTag))
          expect(outboxKeys(steps, tag).some((k) => k.includes('timer-TAG'))).toBe(true)
        },
      ),
      // The first run is a longest batch with the wake-up at its first event: it is split whatever the seed.
      { numRuns: 16, examples: [[Array.from({ length: 4 * CHECK_EVERY + 5 }, (_, i): [Kind, number] => [kinds[i % kinds.length] as Kind, i % 6]), 0]] },
    )
    // Batches long enough to be split were run (the property is not vacuous).
    expect(splits).toBeGreaterThan(0)
  })

  it('takes a whole batch when nothing waits, or only a poll that can find no timer due', async () => {
    const partition = 7900
    const engine = split.engine.app.engine
    const batch = (tag: string) => ({ partition, records: Array.from({ length: 3 * CHECK_EVERY }, (_, i) => record(partition, i + 1, value('view', `w-${tag}-${i % 4}`, i, T0))) })
    const first = batch(randomUUID().slice(0, 6))
    const from = split.commits.length
    await engine.handleBatch(first)
    expect(split.commits.slice(from).map((c) => c.positions.get(partition))).toEqual([first.records.length])

    // The earliest pending timer is an hour away (read by this poll): the next poll does not split a step.
    expect(await engine.fireDueTimers([partition])).toBe(0)
    const second = batch(randomUUID().slice(0, 6))
    second.records = second.records.map((r) => ({ ...r, offset: r.offset + first.records.length }))
    const rules = split.engine.app.rules.ruleSet
    const matchEvent = rules.matchEvent
    let poll: Promise<number> | undefined
    rules.matchEvent = function (ctx) {
      poll ??= engine.fireDueTimers([partition])
      return matchEvent.call(this, ctx)
    }
    const before = split.commits.length
    try {
      await engine.handleBatch(second)
    } finally {
      rules.matchEvent = matchEvent
    }
    expect(await poll).toBe(0)
    expect(split.commits.slice(before).map((c) => c.positions.get(partition))).toEqual([2 * first.records.length])
  })
})

describe('an event step with a timer falling due within it', () => {
  it('takes only the records it can write by shortly after the timer is due, at the measured cost per record', async () => {
    const partition = 7950
    const engine = split.engine.app.engine
    const core = (engine as unknown as { core: EngineCore }).core
    expect(await engine.fireDueTimers([partition])).toBe(0)
    // A reminder due 100 ms (clock time) from now, and a cost of 1 ms a record: 100 records fit, and STEP_PAST_TIMER_MS more.
    const shopper = `soon-${randomUUID().slice(0, 6)}`
    await engine.handleBatch({ partition, records: [record(partition, 1, value('checkout', shopper, 0, T0 - HOUR + 100))] })
    const fit = 100 + STEP_PAST_TIMER_MS
    core.msPerRecord = 1
    const tag = randomUUID().slice(0, 6)
    const records = Array.from({ length: 6 * CHECK_EVERY }, (_, i) => record(partition, i + 2, value('view', `d-${tag}-${i % 4}`, i, T0)))
    const from = split.commits.length
    await engine.handleBatch({ partition, records })
    const positions = split.commits.slice(from).map((c) => c.positions.get(partition))
    // The step ends at its first check past them; the rest follows (in steps sized by the cost then measured).
    expect(positions[0]).toBe(1 + Math.ceil(fit / CHECK_EVERY) * CHECK_EVERY)
    expect(positions.at(-1)).toBe(1 + records.length)
  })
})
