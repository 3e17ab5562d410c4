// A shop history for the reports, feedback, audit and keys pages and their API: a rule with a
// holdout and its decided / held-out shoppers with complaints after; two tasks resolved by an agent
// through the API with feedback; surveys answered per queue and agent; task histories for the SLA
// report (slaReportFixture.ts) two days back; a managed key. The clock stands at NOW.
import { expect } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { KEYS, startEngine, type TestEngine } from '../support/careloop.ts'
import { slaReportBatch } from '../store/history/slaReportFixture.ts'
import { decision, event } from '../store/history/fixtures.ts'
import { taskRow } from '../store/operational/contract/fixtures.ts'

export const NOW = Date.UTC(2026, 10, 20, 12, 0)
const HOUR = 3_600_000
const DAY = 24 * HOUR
export const LIFT_RULE = 'rp-lift'
/** Contacted: 2 of 10 complained; held out: 4 of 10. */
export const LIFT = { contacted: { n: 10, outcomes: 2 }, heldOut: { n: 10, outcomes: 4 } }
export const SLA_BASE = Math.floor(NOW / DAY) * DAY - 2 * DAY

export async function startReportsShop(): Promise<TestEngine> {
  const engine = await startEngine({ clock: new ManualClock(NOW) })
  const rule = { id: LIFT_RULE, name: 'Late parcel help', triggers: [{ event: 'RP Late' }], actions: [{ nudge: { channel: 'email', template: 'long-dwell' } }], holdout: 0.5 }
  const created = await engine.api('POST', '/api/rules', rule, KEYS.ops)
  expect(created.status, JSON.stringify(created.body)).toBe(201)

  const decisions = []
  const events = []
  for (let i = 0; i < 20; i++) {
    const held = i % 2 === 1
    decisions.push(decision(`rp-c${i}`, `rp-d${i}`, NOW - 5 * DAY, { rule_id: LIFT_RULE, rule_version: 1, ...(held ? { outcome: 'suppressed', reason: 'holdout' } : {}) }))
    if ([0, 2, 1, 3, 5, 7].includes(i)) events.push(event(`rp-c${i}`, `rp-e${i}`, NOW - 4 * DAY, { name: 'Complaint Filed' }))
  }
  await engine.app.history.append({ decisions, events, ...slaReportBatch(SLA_BASE) })

  const { tasks, surveys } = engine.app.ops
  await tasks.insert([
    taskRow('rp-t1', { queue: 'care', ruleId: LIFT_RULE, createdAt: NOW - 3 * HOUR, slaDueAt: NOW + HOUR }),
    taskRow('rp-t2', { queue: 'care', ruleId: LIFT_RULE, createdAt: NOW - 2 * HOUR, slaDueAt: NOW + HOUR, idempotencyKey: 'key:rp-t2' }),
    taskRow('rp-t3', { queue: 'returns', ruleId: 'repeat-returns', createdAt: NOW - 2 * HOUR, slaDueAt: NOW + HOUR, idempotencyKey: 'key:rp-t3' }),
  ])
  const resolve = async (id: string, key: string, body: Record<string, unknown>) => {
    expect((await engine.api('POST', `/api/tasks/${id}/claim`, {}, key)).status).toBe(200)
    const res = await engine.api('POST', `/api/tasks/${id}/resolve`, body, key)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
  }
  await resolve('rp-t1', KEYS.alice, { outcome: 'should_be_automated', note: 'They only wanted the tracking link', suggestion: 'Put the tracking link in the first email' })
  await resolve('rp-t2', KEYS.alice, { outcome: 'resolved', suggestion: 'The template says "soon": give a date' })
  await resolve('rp-t3', KEYS.bob, { outcome: 'resolved' })
  // Surveys: alice's care tasks score 5 and 2; bob's returns task 4; one after a nudge (no task) unanswered.
  for (const [id, taskId, ruleId, score] of [['rp-s1', 'rp-t1', LIFT_RULE, 5], ['rp-s2', 'rp-t2', LIFT_RULE, 2], ['rp-s3', 'rp-t3', 'repeat-returns', 4], ['rp-s4', null, LIFT_RULE, null]] as const) {
    await surveys.create({ id, customerId: 'c-1', taskId, outboxId: null, ruleId, createdAt: NOW - HOUR })
    if (score !== null) await surveys.answer(id, score, null, NOW - HOUR / 2)
  }
  const key = await engine.api('POST', '/api/keys', { name: 'warehouse sync', role: 'ops' }, KEYS.admin)
  expect(key.status).toBe(201)
  return engine
}
