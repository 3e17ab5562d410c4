// Backtest: a hand-built trace is stored through a real engine (so it is in the history store),
// then the candidate "repeat returns ≥ 2 in 60 days" is backtested next to the starter pack. Every
// number in the report is worked out by hand below. The API routes return the same.
import { randomUUID } from 'node:crypto'
import Fastify, { type FastifyInstance } from 'fastify'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerErrorHandler } from '../../src/api/errors.ts'
import { authPlugin, parseApiKeys } from '../../src/api/plugins/auth.ts'
import { replayRoutes } from '../../src/api/routes/replay.ts'
import { createClient } from '@clickhouse/client'
import { ManualClock } from '../../src/lib/clock.ts'
import { backtest, type BacktestReport } from '../../src/replay/backtest.ts'
import { replayTrace } from '../../src/replay/replay.ts'
import { starterRules } from '../../src/rules/index.ts'
import { openHistoryStore } from '../../src/store/history/openHistoryStore.ts'
import { startEngine, type TestEngine } from '../support/careloop.ts'

const MIN = 60_000
const HOUR = 60 * MIN
const DAY = 24 * HOUR
const P0 = Date.UTC(2026, 2, 2)
const FROM = P0
const TO = P0 + 100 * DAY
const at = (day: number, hour = 12, minute = 0): number => P0 + day * DAY + hour * HOUR + minute * MIN

const track = (userId: string, event: string, properties: Record<string, unknown>, ts: number) => ({
  type: 'track',
  messageId: `m-${randomUUID()}`,
  userId,
  event,
  properties,
  timestamp: new Date(ts).toISOString(),
})
const returned = (userId: string, ts: number) => track(userId, 'Return Requested', { order_id: `o-${userId}-${ts}` }, ts)

// A: 2 returns 19 days apart                 → candidate fires day 20 (A opted out of care emails: skipped)
// B: days 1, 10, 10 +2 h                      → candidate day 10 (then cooldown); starter (3 in 90 d) day 10 +2 h: overlap
// C: 74 days apart                            → nothing
// D: days 1, 5, 40, 45                        → candidate days 5 and 40 (cooldown 30 d), 45 held; starter day 40: overlap
// E: one return                               → nothing
// G: delayed parcel email (priority 70) day 30, 2nd return 2 min later → candidate email skipped (conflict)
// H: 2nd return day 60, a long product view 3 min later → long-dwell email skipped in favour of the candidate
const trace = [
  returned('A', at(1)), returned('A', at(20)),
  returned('B', at(1)), returned('B', at(10)), returned('B', at(10, 14)),
  returned('C', at(1)), returned('C', at(75)),
  returned('D', at(1)), returned('D', at(5)), returned('D', at(40)), returned('D', at(45)),
  returned('E', at(3)),
  returned('G', at(2)), track('G', 'Shipment Updated', { order_id: 'G-1', status: 'delayed' }, at(30)), returned('G', at(30, 12, 2)),
  returned('H', at(50)), returned('H', at(60)), track('H', 'Product Viewed', { product_id: 'P1', dwell_ms: 150_000 }, at(60, 12, 3)),
]

const candidate = {
  id: 'returns-twice',
  name: 'Second return in 60 days',
  priority: 65,
  triggers: [{ event: 'Return Requested', entity: 'order_id' }],
  when: { count: { event: 'Return Requested', within: '60d' }, gte: 2 },
  actions: [{ nudge: { channel: 'email', template: 'returns-help', topic: 'care' } }, { task: { queue: 'returns-care', priority: 'normal', sla: '24h' } }],
  guards: { cooldown: '30d', per: 'customer' },
}

const clock = new ManualClock(TO + DAY)
let engine: TestEngine
let api: FastifyInstance
let report: BacktestReport

beforeAll(async () => {
  engine = await startEngine({ clock })
  const { ops, history } = engine.app
  await ops.queues.putQueue({ id: 'returns-care', name: 'Returns care', timezone: 'UTC', hours: null, capacityPerAgent: 1, skills: [], escalateTo: null }, clock.now())
  await ops.queues.putAgent({ id: 'rita', displayName: 'Rita', queues: ['returns-care'], skills: [], onShift: false, capacity: null }, clock.now())
  const res = await engine.ingest(trace)
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  await engine.app.tick()
  await ops.consent.set('A', 'email', 'care', 'opted_out', clock.now())
  api = Fastify()
  registerErrorHandler(api)
  await api.register(authPlugin, { configured: parseApiKeys('ops-key:ops:olivia,agent-key:agent:alice'), settings: ops.settings })
  await api.register(replayRoutes, { ops, history, clock, logger: pino({ level: 'silent' }) })
  await api.ready()
  report = await backtest({ ops, history, rule: candidate, from: FROM, to: TO, sample: 2 })
}, 300_000)

afterAll(async () => {
  await api?.close()
  await engine?.app.stop()
})

describe('backtest of "repeat returns ≥ 2 in 60 days"', () => {
  it('reads the period back from the history store', async () => {
    const rows = await engine.app.history.eventsBetween(FROM, TO, 1_000)
    expect(rows.map((r) => r.message_id).sort()).toEqual(trace.map((m) => m.messageId).sort())
    expect(rows.map((r) => r.ts)).toEqual([...rows.map((r) => r.ts)].sort((a, b) => a - b))
    expect(await engine.app.history.eventsBetween(at(10), at(10, 14), 1_000)).toHaveLength(1) // [from, to)
    expect(await engine.app.history.eventsBetween(FROM, TO, 3)).toHaveLength(3)
    expect(report.events).toBe(trace.length)
    expect(report.truncated).toBe(false)
  })

  it('counts the fires per day, channel and queue', () => {
    expect(report.rule).toEqual({ id: 'returns-twice', version: 1, replaces: null })
    expect(report.fires.total).toBe(6)
    expect(report.fires.byChannel).toEqual({ email: 6 })
    expect(report.fires.byQueue).toEqual({ 'returns-care': 6 })
    expect(report.fires.outcomes).toEqual({ sent: 4, skipped: 2, task: 6, suppressed: 4 })
    expect(report.fires.suppressedByRuleGuards).toEqual({ cooldown: 2 })
    const days = report.fires.byDay.filter((d) => d.fires > 0).map((d) => [d.date, d.fires])
    expect(days).toEqual([5, 10, 20, 30, 40, 60].map((d) => [new Date(at(d)).toISOString().slice(0, 10), 1]))
    expect(report.period.days).toBe(100)
    expect(report.baseline).toBeNull()
  })

  it('reports overlap with other rules and what the guards would suppress', () => {
    expect(report.overlap).toEqual({
      shoppers: 5,
      withOtherRules: 4,
      byRule: { 'delayed-shipment': 1, 'long-dwell': 1, 'repeat-returns': 2 },
      candidateSuppressed: { total: 2, byGuard: { conflict: 1, consent: 1 }, byRule: { 'delayed-shipment': 1 } },
      othersSuppressed: { total: 1, byGuard: { conflict: 1 }, byRule: { 'long-dwell': 1 } },
    })
  })

  it('projects the queue workload against its capacity, and samples shoppers', () => {
    expect(report.workload).toHaveLength(1)
    const q = report.workload[0]
    expect(q).toMatchObject({ queue: 'returns-care', agents: 1, capacity: 1, peak: 2 })
    const busy = q?.days.filter((d) => d.tasks > 0).map((d) => [d.date.slice(8), d.tasks, d.candidate, d.overCapacity])
    const dd = (day: number) => new Date(at(day)).toISOString().slice(8, 10)
    expect(busy).toEqual([
      [dd(5), 1, 1, false],
      [dd(10), 2, 1, true],
      [dd(20), 1, 1, false],
      [dd(30), 1, 1, false],
      [dd(40), 2, 1, true],
      [dd(60), 1, 1, false],
    ])
    expect(report.samples.map((s) => s.customer)).toEqual(['D', 'B'])
    expect(report.samples[0]?.decisions.map((l) => `${l.action}:${l.outcome}`)).toEqual(['nudge:sent', 'task:task', 'nudge:sent', 'task:task', 'nudge:suppressed', 'task:suppressed'])
  })

  it('names the condition that never held when the candidate never fires, with counts per condition', async () => {
    expect(report.conditions).toBeUndefined() // it fired
    const never = { ...candidate, id: 'returns-damaged', when: { all: [candidate.when, { fact: 'properties.reason', eq: 'damaged' }] } }
    const r = await backtest({ ops: engine.app.ops, history: engine.app.history, rule: never, from: FROM, to: TO })
    expect(r.fires.total).toBe(0)
    // 16 returns of 18 events; 8 of them a second return within 60 days (A 1, B 2, D 3, G 1, H 1); none damaged.
    expect(r.conditions).toEqual({
      neverHeld: '/when/all/1',
      counts: [
        { path: '/triggers/0/event', held: 16, of: 18 },
        { path: '/when/all/0', held: 8, of: 16 },
        { path: '/when/all/1', held: 0, of: 16 },
      ],
    })
  }, 120_000)

  it('compares an edited live rule with its live version', async () => {
    const starter = starterRules.find((r) => r.id === 'repeat-returns')
    const edited = { ...starter, when: { count: { event: 'Return Requested', within: '60d' }, gte: 2 } }
    const r = await backtest({ ops: engine.app.ops, history: engine.app.history, rule: edited, from: FROM, to: TO })
    expect(r.rule).toEqual({ id: 'repeat-returns', version: 2, replaces: 1 })
    expect(r.fires.total).toBe(6)
    expect(r.baseline?.total).toBe(2) // the live version: B and D
    expect(r.overlap.byRule).toEqual({ 'delayed-shipment': 1, 'long-dwell': 1 })
  }, 120_000)
})

describe('replay and backtest API', () => {
  const post = (url: string, payload: unknown, key = 'ops-key', type = 'application/json') =>
    api.inject({ method: 'POST', url, headers: { authorization: `Bearer ${key}`, 'content-type': type }, payload: typeof payload === 'string' ? payload : JSON.stringify(payload) })

  it('POST /api/rules/backtest returns the same report', async () => {
    const res = await post('/api/rules/backtest', { rule: candidate, from: new Date(FROM).toISOString(), to: TO, sample: 2 })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toEqual(JSON.parse(JSON.stringify(report)))
  }, 120_000)

  it('names the field of an invalid candidate, and is for ops only', async () => {
    const bad = await post('/api/rules/backtest', { rule: { ...candidate, when: { count: { event: 'Return Requested', within: '60d' }, gtee: 2 } } })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().errors.map((e: { path: string }) => e.path)).toContain('/rule/when/gtee')
    expect((await post('/api/rules/backtest', { rule: candidate }, 'agent-key')).statusCode).toBe(403)
  })

  it('POST /api/replay takes JSONL and runs the live rules and policy', async () => {
    const jsonl = trace.map((m) => JSON.stringify(m)).join('\n')
    const res = await post('/api/replay?horizon=1d', jsonl, 'ops-key', 'application/x-ndjson')
    expect(res.statusCode, res.body).toBe(200)
    const consent = await engine.app.ops.consent.list('A')
    const expected = await replayTrace(trace, { rules: starterRules.map((document) => ({ document })), policy: { quietHours: null }, consent, horizonMs: DAY })
    expect(res.json().decisions).toEqual(expected.lines)
    expect(res.json().summary.events).toBe(trace.length)
  }, 120_000)

  it('POST /api/replay takes rules in a JSON body and names the field of a bad one', async () => {
    const ok = await post('/api/replay', { trace, rules: [candidate] })
    expect(ok.statusCode, ok.body).toBe(200)
    expect(new Set(ok.json().decisions.map((l: { rule: string }) => l.rule))).toEqual(new Set(['returns-twice']))
    const bad = await post('/api/replay', { trace, rules: [candidate, { ...candidate, id: 'x', actions: [{ nudge: { channel: 'email' } }] }] })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().errors.map((e: { path: string }) => e.path)).toContain('/rules/1/actions/0/nudge/template')
  }, 120_000)
})

// The same read on a ClickHouse server (18.16 in the test setup), when one is configured.
const chUrl = process.env['CARELOOP_TEST_CLICKHOUSE_URL']
describe.runIf(chUrl)('eventsBetween on a ClickHouse server', () => {
  it('reads the period as chDB does, each replayed row once', async () => {
    const database = `careloop_replay_${Date.now()}_${process.pid}`
    const store = await openHistoryStore({ url: chUrl as string, database })
    try {
      const rows = await engine.app.history.eventsBetween(FROM, TO, 1_000)
      await store.append({ events: rows })
      await store.append({ events: rows.slice(0, 3) }) // a batch written again after a crash
      expect(await store.eventsBetween(FROM, TO, 1_000)).toEqual(rows)
      expect(await store.eventsBetween(at(10), at(10, 14), 1_000)).toHaveLength(1)
    } finally {
      await store.close()
      const admin = createClient({ url: chUrl as string })
      await admin.command({ query: `DROP DATABASE IF EXISTS ${database}` }) // our own [a-z0-9_] name
      await admin.close()
    }
  })
})
