// What the in-memory sandbox store must remember for ever — finished timer ids, idempotency keys,
// open tasks and identity links — and pending timers' records (their arming events) and contacts are
// kept with each customer's state, in memory only while the state is held (RememberedIds.ts,
// MemoryTasks.ts, PendingTimers.ts, MemoryContacts, MemoryIdentity). On long generated traces whose
// shoppers are known, anonymous (`anon:` ids) or have a colon in their id (their ids cannot be kept
// with their state), a sandbox holding a few states gives the lines of one holding every state, and
// at every progress report and contact holds remembered ids, open tasks, pending timers' records and
// contacts of at most as many customers as states. The ledger alone, against one global set, on generated ids and evictions; the task
// counts, against a scan of every open task; pending timers, against a map of every pending timer,
// through the engine store's commits and evictions; links (a replay writes none: its hand-offs are
// not replayed), against a map, through the engine store's commits and evictions.
// Runs: CARELOOP_FUZZ_RUNS (default 3); seed: CARELOOP_FUZZ_SEED.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { emptyCustomerState } from '../../src/model/customer.ts'
import type { Contact } from '../../src/store/operational/ContactStore.ts'
import type { TimerRecord, TimerWrite } from '../../src/store/operational/EngineStore.ts'
import { textCompare } from '../../src/replay/memory/values.ts'
import type { MemoryEngineStore } from '../../src/replay/memory/MemoryEngineStore.ts'
import { MemoryOperationalStore } from '../../src/replay/memory/MemoryOperationalStore.ts'
import type { MemoryContacts } from '../../src/replay/memory/MemoryStores.ts'
import { MemoryTasks, type OpenTask } from '../../src/replay/memory/MemoryTasks.ts'
import type { TaskInsert } from '../../src/store/operational/TaskStore.ts'
import { ownerOf, RememberedIds, type IdKind } from '../../src/replay/memory/RememberedIds.ts'
import { drive, prepareTrace, toJsonl } from '../../src/replay/replay.ts'
import { Sandbox, type SandboxOptions } from '../../src/replay/Sandbox.ts'
import { starterRules } from '../../src/rules/index.ts'

import { birthdayRule as birthday, birthdaysOf, DAY, lateParcelDelivered, FUZZ_RUNS as RUNS, FUZZ_SEED as SEED, roundedTrace } from '../support/replayTraces.ts'

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

interface Stores {
  engine: MemoryEngineStore
  contacts: MemoryContacts
  tasksInMemory: MemoryTasks
}
const storesOf = (sandbox: Sandbox): Stores => sandbox.ops as unknown as Stores

describe('remembered ids and contacts in the in-memory sandbox store', () => {
  it('are bounded by the states held and the contact horizon, with the lines of an unbounded store', async () => {
    let lines = 0
    let spilledIds = 0
    let spilledContacts = 0
    let spilledTasks = 0
    let closedTasks = 0
    let spilledTimers = 0
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
          const trace = reshaped([...generated, ...birthdaysOf(known, generated[0]?.timestamp, 3), ...lateParcelDelivered(generated[0]?.timestamp)] as unknown as Record<string, unknown>[], t.shapes)
          const { events } = prepareTrace(trace)
          const end = (events[events.length - 1]?.ts as number) + DAY
          const common: SandboxOptions = { start: events[0]?.ts as number, rules: [...starterRules, birthday].map((document) => ({ document })) }
          const every = await Sandbox.open(common)
          const few = await Sandbox.open({ ...common, statesHeld: t.statesHeld })
          try {
            await drive(every, events, end)
            const { engine, contacts, tasksInMemory } = storesOf(few)
            const checkContacts = (): void => {
              const held = engine.heldLedgerCounts
              expect(held.contactCustomers).toBeLessThanOrEqual(t.statesHeld)
              expect(contacts.counts.unowned).toBe(0)
              spilledContacts += contacts.counts.recorded - held.contacts
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
              const held = engine.heldLedgerCounts
              expect(held.taskCustomers).toBeLessThanOrEqual(t.statesHeld)
              expect(tasksInMemory.unownedCount).toBe(0)
              expect(held.timerCustomers).toBeLessThanOrEqual(t.statesHeld)
              expect(engine.timers.unownedCounts.timers).toBe(0)
              spilledTimers += engine.timers.size - held.timers
              // Counted at every report: at the end the few open tasks are often all the last shoppers' (held).
              spilledTasks += tasksInMemory.openCount - held.tasks
              checkContacts()
            }
            await drive(few, events, end, check)
            check()
            expect(toJsonl(few.lines())).toBe(toJsonl(every.lines()))
            lines += every.lines().length
            const allIds = storesOf(every).engine.rememberedCounts
            spilledIds += allIds.ids + allIds.unowned - (engine.rememberedCounts.ids + engine.rememberedCounts.unowned)
            const all = storesOf(every)
            closedTasks += all.tasksInMemory.closedCount
          } finally {
            await few.close()
            await every.close()
          }
        },
      ),
      // A fixed trace first, with every shape of id (a random one may have only ids that cannot be kept
      // with their state, so none spill), then RUNS random ones.
      { numRuns: RUNS + 1, examples: [[{ seed: 20261205, shoppers: 30, days: 21, roundTo: 60_000, shapes: ['known', 'anonymous', 'colon'], statesHeld: 2 }]], ...(SEED === undefined ? {} : { seed: SEED }) },
    )
    // The property only says something when the runs decided, spilled ids, tasks, timers and contacts.
    expect(lines).toBeGreaterThan(0)
    expect(spilledIds).toBeGreaterThan(0)
    expect(spilledContacts).toBeGreaterThan(0)
    expect(spilledTasks).toBeGreaterThan(0)
    expect(closedTasks).toBeGreaterThan(0)
    expect(spilledTimers).toBeGreaterThan(0)
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

  it('closes the tasks and counts the loads a scan of every open task gives, whatever the evictions', () => {
    const customer = fc.constantFrom('c1', 'c2', 'anon:a', 'gone')
    const op = fc.oneof(
      fc.record({ op: fc.constant('create' as const), customerId: customer, ruleId: fc.constantFrom('r1', 'r2'), entity: fc.constantFrom('e1', 'e2', undefined), queue: fc.constantFrom('q1', 'q2'), later: fc.constantFrom(0, 0, 5, 30) }),
      fc.record({ op: fc.constant('close' as const), moot: fc.array(fc.record({ customerId: customer, ruleId: fc.constantFrom('r1', 'r2'), entity: fc.constantFrom('e1', 'e2', undefined), note: fc.constantFrom('n1', 'n2') }), { minLength: 1, maxLength: 3 }) }),
      fc.record({ op: fc.constant('advance' as const), by: fc.integer({ min: 0, max: 20 }) }),
      fc.record({ op: fc.constant('loads' as const) }),
      fc.record({ op: fc.constant('evict' as const), customerId: customer }),
    )
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        // A home like the engine store's: stored customers ('gone' never is), held (tasks in memory) or spilled (a JSON copy in the "file").
        const held = new Map<string, OpenTask[]>([['c1', []], ['c2', []], ['anon:a', []]])
        const file = new Map<string, string>()
        const home = {
          openTasksOf(c: string, write: boolean): OpenTask[] | undefined {
            const h = held.get(c)
            if (h !== undefined) return h
            const spilled = file.get(c)
            if (spilled === undefined) return undefined
            const back = JSON.parse(spilled) as OpenTask[]
            if (write) {
              held.set(c, back)
              file.delete(c)
            }
            return back
          },
        }
        const tasks = new MemoryTasks(new RememberedIds({ ledgerOf: () => undefined }), home)
        const reference: Array<{ id: string; customerId: string; ruleId: string; entity: string | undefined; queue: string; availableAt: number; open: boolean }> = []
        let now = 0
        let counted = -Infinity
        for (const o of ops) {
          if (o.op === 'create') {
            const id = `t${reference.length}`
            const insert: TaskInsert = { id, idempotencyKey: `k${id}`, customerId: o.customerId, queue: o.queue, priority: 'normal', priorityRank: 1, title: 't', ruleId: o.ruleId, ruleVersion: 1, signal: { entity: o.entity ?? null }, context: {}, slaDueAt: now, createdAt: now, availableAt: now + o.later }
            expect(tasks.apply(tasks.prepare([insert]))).toEqual(new Set([id]))
            reference.push({ id, customerId: o.customerId, ruleId: o.ruleId, entity: o.entity, queue: o.queue, availableAt: now + o.later, open: true })
            counted = Math.max(counted, now)
          } else if (o.op === 'close') {
            const expected = reference.filter((t) => t.open && o.moot.some((m) => m.customerId === t.customerId && m.ruleId === t.ruleId && (m.entity === undefined || t.entity === m.entity)))
            const closed = tasks.closeMoot(o.moot, now)
            expect(closed.map((t) => t.id)).toEqual(expected.map((t) => t.id))
            for (const t of expected) t.open = false
          } else if (o.op === 'advance') now += o.by
          else if (o.op === 'loads') {
            const expected = new Map<string, number>()
            for (const t of reference) if (t.open && t.availableAt <= now) expected.set(t.queue, (expected.get(t.queue) ?? 0) + 1)
            expect(new Map([...tasks.openBy(now)].sort())).toEqual(new Map([...expected].sort()))
            counted = Math.max(counted, now)
          } else {
            const h = held.get(o.customerId)
            if (h !== undefined) {
              file.set(o.customerId, JSON.stringify(h))
              held.delete(o.customerId)
            }
          }
          // What is in memory: held customers' tasks, tasks of no stored customer, and tasks not yet available when last counted.
          expect(tasks.unownedCount).toBe(reference.filter((t) => t.open && t.customerId === 'gone').length)
          expect(tasks.laterCount).toBe(reference.filter((t) => t.availableAt > counted).length)
          expect(tasks.openCount).toBe(reference.filter((t) => t.open).length)
        }
      }),
      { numRuns: 500, ...(SEED === undefined ? {} : { seed: SEED }) },
    )
  })

  it('keeps pending timers with their customers\' states, and answers as a map of every pending timer', async () => {
    // 'gone' never has a stored state: its timers are the only ones allowed outside the states held.
    const customer = fc.constantFrom('c1', 'c2', 'c3', 'anon:a1', 'gone')
    const timerOf = fc.tuple(customer, fc.constantFrom('e1', 'e2'))
    const op = fc.oneof(
      fc.record({ op: fc.constant('arm' as const), timer: timerOf, at: fc.integer({ min: 0, max: 40 }), payload: fc.integer({ min: 0, max: 9 }) }),
      fc.record({ op: fc.constantFrom('cancel' as const, 'fire' as const), timer: timerOf }),
      // Another customer's step: its state is stored (held), the least recently used may be spilled.
      fc.record({ op: fc.constant('touch' as const), customerId: customer }),
      fc.record({ op: fc.constant('due' as const), now: fc.integer({ min: 0, max: 40 }), limit: fc.integer({ min: 1, max: 4 }) }),
      fc.record({ op: fc.constant('of' as const), customers: fc.array(customer.map((c): string => c), { maxLength: 3 }) }),
    )
    const idOf = ([c, e]: [string, string]): string => `r#0:${c}:${e}`
    const inOrder = (timers: TimerRecord[]): TimerRecord[] => timers.sort((a, b) => a.dueAt - b.dueAt || textCompare(a.id, b.id))
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 60 }), fc.integer({ min: 1, max: 3 }), async (ops, statesHeld) => {
        const store = new MemoryOperationalStore(statesHeld)
        const pending = new Map<string, TimerRecord>()
        const finished = new Set<string>()
        let now = 0
        const commit = (customerId: string | undefined, timers: TimerWrite[]) =>
          store.engine.commit({ source: 's', positions: new Map(), states: customerId === undefined || customerId === 'gone' ? [] : [{ partition: 0, state: emptyCustomerState(customerId) }], timers, outbox: [], tasks: [], deadLetters: [], now: now++ })
        try {
          for (const o of ops) {
            if (o.op === 'arm') {
              const id = idOf(o.timer)
              const armedBy = { name: 'Checkout Started', b: o.payload, a: { z: 1, y: [o.payload] } }
              const write = { op: 'arm' as const, id, customerId: o.timer[0], partition: 0, ruleId: 'r', triggerIndex: 0, entity: o.timer[1], dueAt: o.at, momentAt: o.at - 1, armedBy }
              await commit(o.timer[0], [write])
              const kept = pending.get(id)
              if (kept !== undefined) Object.assign(kept, { dueAt: o.at, momentAt: o.at - 1, armedBy })
              else if (!finished.has(id)) pending.set(id, { id, customerId: o.timer[0], partition: 0, ruleId: 'r', triggerIndex: 0, entity: o.timer[1], dueAt: o.at, momentAt: o.at - 1, armedBy })
            } else if (o.op === 'cancel' || o.op === 'fire') {
              const id = idOf(o.timer)
              await commit(o.timer[0], [{ op: o.op, id }])
              if (pending.delete(id)) finished.add(id)
            } else if (o.op === 'touch') await commit(o.customerId, [])
            else if (o.op === 'due') {
              const expected = inOrder([...pending.values()].filter((t) => t.dueAt <= o.now)).slice(0, o.limit)
              expect(await store.engine.dueTimers([0], o.now, o.limit)).toEqual(expected)
            } else if (o.op === 'of') {
              const expected = inOrder([...pending.values()].filter((t) => o.customers.includes(t.customerId)))
              expect(await store.engine.pendingTimersOf(o.customers)).toEqual(expected)
            }
            // Counted at every step: records in memory are the held customers' and those of 'gone'.
            expect(store.engine.heldLedgerCounts.timerCustomers).toBeLessThanOrEqual(statesHeld)
            expect(store.engine.timers.unownedCounts.timers).toBe([...pending.values()].filter((t) => t.customerId === 'gone').length)
            expect(await store.engine.pendingTimerCount()).toBe(pending.size)
            const next = Math.min(...[...pending.values()].map((t) => t.dueAt))
            expect(await store.engine.nextTimerDue([0])).toBe(Number.isFinite(next) ? next : undefined)
          }
          expect(await store.engine.pendingTimersOf(['c1', 'c2', 'c3', 'anon:a1', 'gone'])).toEqual(inOrder([...pending.values()]))
        } finally {
          await store.close()
        }
      }),
      { numRuns: 300, ...(SEED === undefined ? {} : { seed: SEED }) },
    )
  })

  it('keeps contacts with their customers\' states, and answers as a table of every contact within the horizon', async () => {
    // 'gone' never has a stored state: its contacts are the only ones allowed outside the states held.
    const customer = fc.constantFrom('c1', 'c2', 'c3', 'anon:a1', 'gone')
    const op = fc.oneof(
      { weight: 4, arbitrary: fc.record({ op: fc.constant('record' as const), customerId: customer, n: fc.integer({ min: 0, max: 3 }), at: fc.integer({ min: 0, max: 30 }), channel: fc.constantFrom('email', 'sms') }) },
      fc.record({ op: fc.constant('remove' as const), customerId: customer, n: fc.integer({ min: 0, max: 3 }) }),
      // The send guard's question: the horizon only moves forward.
      fc.record({ op: fc.constant('since' as const), customerId: customer, ahead: fc.integer({ min: 0, max: 6 }) }),
      fc.record({ op: fc.constant('touch' as const), customerId: customer }),
    )
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 60 }), fc.integer({ min: 1, max: 3 }), async (ops, statesHeld) => {
        const store = new MemoryOperationalStore(statesHeld)
        // SQL's table, less what lies before the horizon: a shopper's older contacts go when it is contacted again.
        const table = new Map<string, Contact[]>()
        let horizon = 0
        let now = 0
        const rowsOf = (c: string): Contact[] => table.get(c) ?? []
        try {
          for (const o of ops) {
            if (o.op === 'record') {
              // As in a replay: the engine stored the shopper's state when it queued the message.
              if (o.customerId !== 'gone') await store.engine.commit({ source: 's', positions: new Map(), states: [{ partition: 0, state: emptyCustomerState(o.customerId) }], timers: [], outbox: [], tasks: [], deadLetters: [], now: now++ })
              const c: Contact = { id: `${o.customerId}#${o.n}`, customerId: o.customerId, channel: o.channel, kind: 'automated', topic: 'care', sourceId: `k${o.n}`, actor: 'r', priority: 5, at: o.at }
              const kept = rowsOf(o.customerId).filter((r) => r.at >= horizon)
              const fresh = !kept.some((r) => r.id === c.id)
              expect(await store.contacts.record(c)).toBe(fresh)
              table.set(o.customerId, fresh ? [...kept, c] : kept)
            } else if (o.op === 'remove') {
              await store.contacts.remove(`${o.customerId}#${o.n}`, o.customerId)
              table.set(o.customerId, rowsOf(o.customerId).filter((r) => r.id !== `${o.customerId}#${o.n}`))
            } else if (o.op === 'since') {
              horizon += o.ahead
              const expected = rowsOf(o.customerId)
                .filter((r) => r.at >= horizon)
                .sort((a, b) => a.at - b.at || textCompare(a.id, b.id))
              expect(await store.contacts.since(o.customerId, horizon)).toEqual(expected)
            } else if (o.customerId !== 'gone') await store.engine.commit({ source: 's', positions: new Map(), states: [{ partition: 0, state: emptyCustomerState(o.customerId) }], timers: [], outbox: [], tasks: [], deadLetters: [], now: now++ })
            expect(store.engine.heldLedgerCounts.contactCustomers).toBeLessThanOrEqual(statesHeld)
            expect(store.contacts.counts.unowned).toBe(rowsOf('gone').length)
          }
        } finally {
          await store.close()
        }
      }),
      { numRuns: 300, ...(SEED === undefined ? {} : { seed: SEED }) },
    )
  })

  it('keeps identity links with the states of the anonymous profiles, and answers as a map of first claims', async () => {
    const anon = fc.constantFrom('a1', 'a2', 'a3', 'a4')
    const op = fc.oneof(
      fc.record({ op: fc.constant('store' as const), customerId: fc.constantFrom('k1', 'k2', 'anon:a1', 'anon:a2', 'anon:a3') }),
      // As the engine seals a profile: its state and the link in one commit ('anon:a4' never has a state).
      fc.record({ op: fc.constant('link' as const), anonymousId: anon, userId: fc.constantFrom('k1', 'k2'), withState: fc.boolean() }),
      fc.record({ op: fc.constant('ask' as const), anonymousId: anon }),
    )
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), fc.integer({ min: 1, max: 3 }), async (ops, statesHeld) => {
        const store = new MemoryOperationalStore(statesHeld)
        const reference = new Map<string, string>()
        let now = 0
        const commit = (states: string[], links: Array<{ anonymousId: string; userId: string }>) =>
          store.engine.commit({ source: 's', positions: new Map(), states: states.map((id) => ({ partition: 0, state: emptyCustomerState(id) })), timers: [], outbox: [], tasks: [], deadLetters: [], identity: { links: links.map((l) => ({ ...l, at: now })), conflicts: [] }, now: now++ })
        try {
          for (const o of ops) {
            if (o.op === 'store') await commit([o.customerId], [])
            else if (o.op === 'link') {
              const state = o.withState && o.anonymousId !== 'a4' ? [`anon:${o.anonymousId}`] : []
              await commit(state, [{ anonymousId: o.anonymousId, userId: o.userId }])
              if (!reference.has(o.anonymousId)) reference.set(o.anonymousId, o.userId)
            } else expect(await store.identity.knownIdOf(o.anonymousId)).toBe(reference.get(o.anonymousId))
            expect(store.engine.heldLedgerCounts.links).toBeLessThanOrEqual(statesHeld)
          }
          for (const [anonymousId, userId] of reference) expect(await store.identity.knownIdOf(anonymousId)).toBe(userId)
          // In memory, beyond held states: only links whose profile has no stored state.
          expect(store.identity.unowned.size).toBeLessThanOrEqual(reference.size)
          if (!reference.has('a4')) expect(store.identity.unowned.has('a4')).toBe(false)
        } finally {
          await store.close()
        }
      }),
      { numRuns: 300, ...(SEED === undefined ? {} : { seed: SEED }) },
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
