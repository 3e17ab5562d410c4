// Ids joined from input parts (idempotency keys, timer ids, hand-off log ids) name one shopper's
// one thing: any other reading of the same parts' raw join gives another id. Ids whose parts could
// not be misread stay what they always were. Then a real engine: two shoppers whose raw ids were
// equal each get their own task and their own wait.
import { randomUUID } from 'node:crypto'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { emptyCustomerState } from '../../src/model/customer.ts'
import { edgePart, partBefore, separatorWords } from '../../src/model/idParts.ts'
import { forwardedEvent, mergeRecord, mergeRequest } from '../../src/model/identity.ts'
import { signalIdOf, type CompiledRule, type Moment } from '../../src/rules/index.ts'
import { dwellTimerIdOf } from '../../src/stream/engine/dwellMoments.ts'
import { pendingTimerId, timerIdOf } from '../../src/stream/engine/timers.ts'
import { startEngine, type TestEngine } from '../support/careloop.ts'

const seed = Number(process.env.CARELOOP_FUZZ_SEED ?? 4242)
const numRuns = Number(process.env.CARELOOP_FUZZ_RUNS ?? 300)
const KINDS = ['event', 'timer', 'schedule'] as const
type Kind = (typeof KINDS)[number]

/** Parts built from separators, escape-like runs and the kinds, so misreadings are common. */
const part = fc
  .array(fc.constantFrom(':', '%', '%3A', '%25', '3A', '25', 'event', 'timer', 'schedule', 'anon:', 'a', 'b', '\u0000', '\ud800'), { maxLength: 8 })
  .map((tokens) => tokens.join(''))
const kind = fc.constantFrom(...KINDS)

const rule = { id: 'care-rule', version: 3 } as CompiledRule
const signal = (customerId: string, k: Kind, trigger: string) =>
  signalIdOf({ rule, customerId, trigger: { kind: k, id: trigger }, entity: undefined, at: 0 } as Moment)

/** Every (customer, kind, trigger) whose raw join `customer:kind:trigger` equals `joined`. */
function signalReadings(joined: string): Array<[string, Kind, string]> {
  const readings: Array<[string, Kind, string]> = []
  for (let i = joined.indexOf(':'); i >= 0; i = joined.indexOf(':', i + 1)) {
    const rest = joined.slice(i + 1)
    for (const k of KINDS) if (rest.startsWith(`${k}:`)) readings.push([joined.slice(0, i), k, rest.slice(k.length + 1)])
  }
  return readings
}

/** Every (left, right) whose raw join `left:right` equals `joined`. */
function pairReadings(joined: string): Array<[string, string]> {
  const readings: Array<[string, string]> = []
  for (let i = joined.indexOf(':'); i >= 0; i = joined.indexOf(':', i + 1)) readings.push([joined.slice(0, i), joined.slice(i + 1)])
  return readings
}

/** An id of two parts is one-to-one if no other reading of their raw join gives the same id. */
function expectPairsApart(idOf: (left: string, right: string) => string, left: string, right: string): void {
  const id = idOf(left, right)
  for (const [l, r] of pairReadings(`${left}:${right}`)) if (l !== left) expect(idOf(l, r), `${l} | ${r}`).not.toBe(id)
}

describe('ids joined from input parts', () => {
  it('an idempotency key names one shopper and trigger, whatever colons their ids hold', () => {
    fc.assert(
      fc.property(part, kind, part, (customerId, k, trigger) => {
        const id = signal(customerId, k, trigger)
        for (const [c, k2, t] of signalReadings(`${customerId}:${k}:${trigger}`)) {
          if (c !== customerId) expect(signal(c, k2, t), `${c} | ${k2} | ${t}`).not.toBe(id)
        }
      }),
      { seed, numRuns },
    )
  })

  it('a part written escaped is never the same as another part written raw', () => {
    const before = separatorWords(KINDS)
    for (const write of [edgePart, (p: string) => partBefore(p, before)]) {
      fc.assert(
        fc.property(part, part, (a, b) => {
          if (a !== b) expect(write(a)).not.toBe(write(b))
          // The escaped form, sent as a part itself, must not come out the same.
          const written = write(a)
          if (written !== a) expect(write(written)).not.toBe(written)
        }),
        { seed, numRuns },
      )
    }
  })

  it('timer, dwell and hand-off ids name one shopper and one thing', () => {
    fc.assert(
      fc.property(part, part, (left, right) => {
        expectPairsApart((customer, entity) => timerIdOf('care-rule', 0, customer, entity), left, right)
        expectPairsApart((customer, view) => dwellTimerIdOf(emptyCustomerState(customer), view), left, right)
        expectPairsApart((anonymousId, userId) => mergeRequest({ anonymousId, userId }, 0).logId, left, right)
        expectPairsApart((anonymousId, userId) => mergeRecord({ anonymousId, userId }, 0, {}, []).logId, left, right)
        expectPairsApart((userId, messageId) => forwardedEvent(userId, messageId, {}).logId, left, right)
      }),
      { seed, numRuns },
    )
  })

  it('ids whose parts cannot be misread are what they always were', () => {
    const plain = fc.string({ maxLength: 12 }).filter((s) => !s.includes(':') && !s.includes('%'))
    const customer = fc.oneof(plain, plain.map((s) => `anon:${s}`), plain.map((s) => `${s}:${s}x`))
    fc.assert(
      fc.property(customer, kind, fc.string({ maxLength: 12 }), plain, (customerId, k, trigger, entity) => {
        fc.pre(!/:(?:event|timer|schedule)(?::|$)/.test(customerId))
        expect(signal(customerId, k, trigger)).toBe(`care-rule:v3:${customerId}:${k}:${trigger}`)
        expect(timerIdOf('care-rule', 1, customerId, entity)).toBe(`care-rule#1:${customerId}:${entity}`)
        expect(mergeRequest({ anonymousId: entity, userId: customerId }, 0).logId).toBe(`careloop:merge-request:${entity}:${customerId}`)
      }),
      { seed, numRuns },
    )
  })

  it('a wait armed under its raw id before ids were escaped keeps that id when armed again', () => {
    const state = emptyCustomerState('shopper')
    const raw = 'care-rule#0:shopper:cart:7'
    state.timers[raw] = { ruleId: 'care-rule', triggerIndex: 0, entity: 'cart:7', dueAt: 1 }
    expect(pendingTimerId(state, 'care-rule', 0, 'cart:7')).toBe(raw)
    expect(pendingTimerId(state, 'care-rule', 0, 'cart:8')).toBe('care-rule#0:shopper:cart%3A8')
    expect(pendingTimerId(emptyCustomerState('shopper'), 'care-rule', 0, 'cart:7')).toBe('care-rule#0:shopper:cart%3A7')
    const view = emptyCustomerState('shopper')
    view.timers[':dwell:shopper:v:1'] = { ruleId: ':dwell', triggerIndex: 0, entity: 'v:1', dueAt: 1 }
    expect(dwellTimerIdOf(view, 'v:1')).toBe(':dwell:shopper:v:1')
    expect(dwellTimerIdOf(view, 'v:2')).toBe(':dwell:shopper:v%3A2')
  })
})

describe('shoppers whose raw ids were equal, through a real engine (PGlite, chDB)', () => {
  let engine: TestEngine
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 8, 0, 0))
  const at = () => new Date(clock.now()).toISOString()
  beforeAll(async () => {
    engine = await startEngine({ clock })
  })
  afterAll(async () => {
    await engine?.app.stop()
  })

  it('both get their task when customer "u" sends message "x:event:y" and customer "u:event:x" sends "y"', async () => {
    const help = {
      id: 'help-asked',
      name: 'Help asked',
      triggers: [{ event: 'Help Requested' }],
      actions: [{ task: { queue: 'care', priority: 'normal', sla: '4h' } }],
    }
    expect((await engine.api('POST', '/api/rules', help)).status).toBe(201)
    const asked = (userId: string, messageId: string) => ({ type: 'track', messageId, userId, event: 'Help Requested', timestamp: at() })
    expect((await engine.ingest([asked('u', 'x:event:y'), asked('u:event:x', 'y')])).status).toBe(200)
    await engine.app.tick()
    expect(await engine.app.ops.deadLetters.count()).toBe(0)
    for (const customerId of ['u', 'u:event:x']) {
      const tasks = await engine.app.ops.tasks.list({ customerId })
      expect(tasks.map((t) => t.ruleId), customerId).toEqual(['help-asked'])
    }
  })

  it('both get their reminder when customer "a" leaves checkout "b:c" and customer "a:b" leaves checkout "c"', async () => {
    const abandoned = {
      id: 'left-checkout',
      name: 'Left checkout',
      triggers: [{ absence: { start: ['Checkout Started'], awaited: ['Order Completed'], entity: 'checkout_id', after: '1h' } }],
      actions: [{ task: { queue: 'care', priority: 'normal', sla: '4h' } }],
    }
    expect((await engine.api('POST', '/api/rules', abandoned)).status).toBe(201)
    const started = (userId: string, checkout: string) => ({ type: 'track', messageId: randomUUID(), userId, event: 'Checkout Started', properties: { checkout_id: checkout, value: 40 }, timestamp: at() })
    expect((await engine.ingest([started('a', 'b:c'), started('a:b', 'c')])).status).toBe(200)
    await engine.app.tick()
    clock.advance(3 * 3_600_000)
    await engine.app.tick()
    for (const customerId of ['a', 'a:b']) {
      const tasks = await engine.app.ops.tasks.list({ customerId })
      expect(tasks.map((t) => t.ruleId), customerId).toEqual(['left-checkout'])
    }
  })

  it('a known id written as an anonymous one is refused with its field path', async () => {
    const refused = await engine.ingest([{ type: 'track', messageId: randomUUID(), userId: 'anon:visitor-1', event: 'Help Requested', timestamp: at() }])
    expect(refused.status).toBe(400)
    expect(JSON.stringify(refused.body)).toContain('/batch/0/userId')
  })
})
