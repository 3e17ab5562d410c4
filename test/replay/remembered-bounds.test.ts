// What the in-memory sandbox store must remember for ever — finished timer ids and idempotency keys —
// is kept with each customer's state, in memory only while the state is held (RememberedIds.ts), and
// contacts older than the send guard's horizon are swept (MemoryContacts). On long generated traces
// whose shoppers are known, anonymous (`anon:` ids) or have a colon in their id (their ids cannot be
// kept with their state), a sandbox holding a few states gives the lines of one holding every state,
// and at every progress report holds remembered ids of at most as many customers as states, and at
// most the contact bound. The ledger alone, against one global set, on generated ids and evictions.
// Runs: CARELOOP_FUZZ_RUNS (default 3); seed: CARELOOP_FUZZ_SEED.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { MemoryEngineStore } from '../../src/replay/memory/MemoryEngineStore.ts'
import type { MemoryContacts } from '../../src/replay/memory/MemoryStores.ts'
import { ownerOf, RememberedIds, type IdKind } from '../../src/replay/memory/RememberedIds.ts'
import { drive, prepareTrace, toJsonl } from '../../src/replay/replay.ts'
import { Sandbox, type SandboxOptions } from '../../src/replay/Sandbox.ts'
import { starterRules } from '../../src/rules/index.ts'

import { birthdayRule as birthday, birthdaysOf, DAY, FUZZ_RUNS as RUNS, FUZZ_SEED as SEED, roundedTrace } from '../support/replayTraces.ts'

type Shape = 'known' | 'anonymous' | 'colon'

/** The trace's shoppers as `shapes` says, by the number their generated id ends with. */
function reshaped(messages: readonly Record<string, unknown>[], shapes: readonly Shape[]): Record<string, unknown>[] {
  return messages.map((m) => {
    const userId = m.userId as string
    const shape = shapes[Number(/_(\d+)$/.exec(userId)?.[1] ?? 0) % shapes.length]
    if (shape === 'anonymous') {
      const { userId: _known, ...rest } = m
      return { ...rest, anonymousId: userId }
    }
    return shape === 'colon' ? { ...m, userId: `${userId}:event:x` } : m
  })
}

const storesOf = (sandbox: Sandbox): { engine: MemoryEngineStore; contacts: MemoryContacts } => sandbox.ops as unknown as { engine: MemoryEngineStore; contacts: MemoryContacts }

describe('remembered ids and contacts in the in-memory sandbox store', () => {
  it('are bounded by the states held and the contact horizon, with the lines of an unbounded store', async () => {
    let lines = 0
    let spilledIds = 0
    let sweptContacts = 0
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          seed: fc.integer({ min: 1, max: 1_000_000 }),
          shoppers: fc.integer({ min: 20, max: 40 }),
          days: fc.integer({ min: 14, max: 28 }),
          roundTo: fc.constantFrom(1, 60_000),
          shapes: fc.array(fc.constantFrom<Shape>('known', 'anonymous', 'colon'), { minLength: 1, maxLength: 4 }),
          statesHeld: fc.integer({ min: 1, max: 6 }),
        }),
        async (t) => {
          const generated = roundedTrace(t)
          const known = [...new Set(generated.map((m) => m.userId))].sort()
          const trace = reshaped([...generated, ...birthdaysOf(known, generated[0]?.timestamp, 3)] as unknown as Record<string, unknown>[], t.shapes)
          const { events } = prepareTrace(trace)
          const end = (events[events.length - 1]?.ts as number) + DAY
          const common: SandboxOptions = { start: events[0]?.ts as number, rules: [...starterRules, birthday].map((document) => ({ document })) }
          const every = await Sandbox.open(common)
          const few = await Sandbox.open({ ...common, statesHeld: t.statesHeld })
          try {
            await drive(every, events, end)
            const { engine, contacts } = storesOf(few)
            // Sweeps often, so that these small traces see several.
            contacts.sweepSlack = 1
            let mostContacts = 0
            let mostCurrent = 0
            const checkContacts = (): void => {
              const c = contacts.counts
              expect(c.held).toBeLessThanOrEqual(c.bound)
              mostContacts = Math.max(mostContacts, c.held)
              mostCurrent = Math.max(mostCurrent, c.current)
              // Apart from the sweep's own bookkeeping: at most twice the most ever within the horizon at once.
              expect(c.held).toBeLessThanOrEqual(2 * mostCurrent + contacts.sweepSlack)
            }
            const record = contacts.record.bind(contacts)
            contacts.record = async (c) => {
              const recorded = await record(c)
              checkContacts()
              return recorded
            }
            const check = (): void => {
              const remembered = engine.rememberedCounts
              expect(remembered.customers).toBeLessThanOrEqual(t.statesHeld)
              if (!t.shapes.includes('colon')) expect(remembered.unowned).toBe(0)
              checkContacts()
            }
            await drive(few, events, end, check)
            check()
            expect(toJsonl(few.lines())).toBe(toJsonl(every.lines()))
            lines += every.lines().length
            const all = storesOf(every).engine.rememberedCounts
            spilledIds += all.ids + all.unowned - (engine.rememberedCounts.ids + engine.rememberedCounts.unowned)
            sweptContacts += storesOf(every).contacts.counts.recorded - mostContacts
          } finally {
            await few.close()
            await every.close()
          }
        },
      ),
      { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) },
    )
    // The property only says something when the runs decided, spilled ids and swept contacts.
    expect(lines).toBeGreaterThan(0)
    expect(spilledIds).toBeGreaterThan(0)
    expect(sweptContacts).toBeGreaterThan(0)
  }, 600_000)

  it('answers as one global set, whatever the ids and evictions', () => {
    const customer = fc.constantFrom('c1', 'c2', 'c1:event', 'anon:a', 'anon:a:b', 'anon:', '')
    const id = fc.oneof(
      fc.tuple(customer, fc.constantFrom('e', 'x:e', 'event:m')).map(([c, e]) => ({ kind: 'T' as IdKind, id: `r#0:${c}:${e}` })),
      fc.tuple(customer, fc.constantFrom('m', 'x:m')).map(([c, m]) => ({ kind: 'T' as IdKind, id: `:dwell:${c}:${m}` })),
      fc.tuple(fc.constantFrom<IdKind>('O', 'K'), customer, fc.constantFrom('m', 'event:m', 'x')).map(([kind, c, m]) => ({ kind, id: `r:v1:${c}:event:${m}:a0` })),
      fc.tuple(fc.constantFrom<IdKind>('T', 'O', 'K'), fc.string({ maxLength: 8 })).map(([kind, s]) => ({ kind, id: s })),
    )
    const op = fc.oneof(
      fc.record({ op: fc.constant('add' as const), at: id, customerId: customer }),
      fc.record({ op: fc.constant('has' as const), at: id }),
      fc.record({ op: fc.constant('evict' as const), customerId: customer }),
      fc.record({ op: fc.constant('store' as const), customerId: customer }),
    )
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        // A home like the engine store's: customers with a stored state, held (ledger in memory) or spilled (a copy in the "file").
        const held = new Map<string, Set<string>>()
        const file = new Map<string, string[]>()
        const home = {
          ledgerOf(c: string, write: boolean): Set<string> | undefined {
            const h = held.get(c)
            if (h !== undefined) return h
            const spilled = file.get(c)
            if (spilled === undefined) return undefined
            if (!write) return new Set(spilled)
            const back = new Set(spilled)
            held.set(c, back)
            return back
          },
        }
        const remembered = new RememberedIds(home)
        const reference = new Set<string>()
        for (const o of ops) {
          if (o.op === 'store') {
            if (!held.has(o.customerId) && !file.has(o.customerId)) held.set(o.customerId, new Set())
          } else if (o.op === 'evict') {
            const h = held.get(o.customerId)
            if (h !== undefined) {
              file.set(o.customerId, [...h])
              held.delete(o.customerId)
            }
          } else if (o.op === 'add') {
            if (!remembered.has(o.at.kind, o.at.id)) remembered.add(o.at.kind, o.at.id, o.customerId)
            reference.add(o.at.kind + o.at.id)
          } else expect(remembered.has(o.at.kind, o.at.id)).toBe(reference.has(o.at.kind + o.at.id))
        }
        for (const entry of reference) expect(remembered.has(entry[0] as IdKind, entry.slice(1))).toBe(true)
      }),
      { numRuns: 500, ...(SEED === undefined ? {} : { seed: SEED }) },
    )
  })

  it('reads the owner a timer id or key names', () => {
    expect(ownerOf('T', 'cart#0:cust_1:cart_9')).toBe('cust_1')
    expect(ownerOf('T', 'cart#0:anon:a1:cart:9')).toBe('anon:a1')
    expect(ownerOf('T', ':dwell:cust_1:msg_4')).toBe('cust_1')
    expect(ownerOf('O', 'cart:v3:cust_1:timer:cart#0:cust_1:c:a0')).toBe('cust_1')
    expect(ownerOf('K', 'cart:v3:anon:a1:event:m1:a1:fallback')).toBe('anon:a1')
    expect(ownerOf('O', 'escalation:t1')).toBeUndefined()
  })
})
