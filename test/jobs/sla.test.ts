// The SLA job against a real engine: tasks made by rules, time from a manual clock. Near the SLA
// the priority goes up once; past it the task is escalated once (also with two jobs racing), the
// breach is in the history and the rule's fallback nudge is queued once. Claimed tasks and tasks
// not yet on the work list are left alone.
import { randomUUID } from 'node:crypto'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SlaJob } from '../../src/jobs/SlaJob.ts'
import { ManualClock } from '../../src/lib/clock.ts'
import { Metrics } from '../../src/lib/metrics.ts'
import type { TaskRecord } from '../../src/store/operational/TaskStore.ts'
import { KEYS, startEngine, type TestEngine } from '../support/careloop.ts'

const MIN = 60_000
const t0 = Date.parse('2026-03-25T11:00:00Z') // a Wednesday
const clock = new ManualClock(t0)
const logger = pino({ level: 'silent' })
const metrics = new Metrics({}, { defaultMetrics: false })
let engine: TestEngine
let job: SlaJob

function taskRule(id: string, event: string, queue: string, fallback = false) {
  return {
    id,
    name: id,
    triggers: [{ event }],
    actions: [{ task: { queue, priority: 'normal', sla: '30m', ...(fallback ? { fallback: { nudge: { channel: 'email', template: 'long-dwell' } } } : {}) } }],
  }
}

beforeAll(async () => {
  engine = await startEngine({ clock })
  for (const doc of [taskRule('help-fallback', 'Needs Help', 'care', true), taskRule('help', 'Needs Agent', 'care'), taskRule('weekend-help', 'Weekend Help', 'weekend', true)]) {
    const res = await engine.api('POST', '/api/rules', doc, KEYS.ops)
    expect(res.status, JSON.stringify(res.body)).toBe(201)
  }
  // Open on Saturdays only: a task made on a Wednesday waits for Saturday 10:00 UTC.
  await engine.app.ops.queues.putQueue(
    { id: 'weekend', name: 'Weekend', timezone: 'UTC', hours: { sat: [['10:00', '14:00']] }, capacityPerAgent: 5, skills: [], escalateTo: 'weekend-leads' },
    clock.now(),
  )
  job = new SlaJob({ ops: engine.app.ops, history: engine.app.history, clock, logger, metrics })
})
afterAll(async () => {
  await engine?.app.stop()
})

async function shopperWith(event: string): Promise<{ id: string; task: TaskRecord }> {
  const id = `s-${randomUUID().slice(0, 8)}`
  const ts = new Date(clock.now()).toISOString()
  const res = await engine.ingest([
    { type: 'identify', messageId: randomUUID(), userId: id, traits: { email: `${id}@example.com`, locale: 'en' }, timestamp: ts },
    { type: 'track', messageId: randomUUID(), userId: id, event, properties: {}, timestamp: ts },
  ])
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  await engine.app.tick()
  const [task] = await engine.app.ops.tasks.list({ customerId: id })
  expect(task, `a task for ${event}`).toBeDefined()
  return { id, task: task as TaskRecord }
}

const task = async (id: string) => (await engine.app.ops.tasks.get(id)) as TaskRecord
const escalation = async (id: string) =>
  (await engine.app.ops.db.query<{ escalated_at: string | null; escalated_from: string | null; sla_warned_at: string | null }>('SELECT escalated_at, escalated_from, sla_warned_at FROM tasks WHERE id = $1', [id])).rows[0]
const fallbackMessages = async (customerId: string, taskId: string) => (await engine.app.ops.outbox.list({ customerId })).filter((m) => m.idempotencyKey === `escalation:${taskId}`)
const escalatedEvents = async (customerId: string) =>
  (await engine.app.history.timeline(customerId)).filter((e) => e.kind === 'task' && e.title === 'escalated').map((e) => e.data.details as Record<string, unknown>)

describe('SLA warnings and escalation', () => {
  let helped: { id: string; task: TaskRecord }
  let claimed: { id: string; task: TaskRecord }
  let later: { id: string; task: TaskRecord }

  it('creates the tasks through rules', async () => {
    helped = await shopperWith('Needs Help')
    claimed = await shopperWith('Needs Agent')
    later = await shopperWith('Weekend Help')
    expect(helped.task).toMatchObject({ queue: 'care', priority: 'normal', status: 'open', slaDueAt: t0 + 30 * MIN })
    expect((await engine.app.ops.tasks.claim(claimed.task.id, 'alice', clock.now())).ok).toBe(true)
    // The weekend queue is closed: the bot answered now, a person follows up on Saturday.
    expect(later.task.slaDueAt).toBe(Date.parse('2026-03-28T10:30:00Z'))
  })

  it('does nothing with 16 minutes left', async () => {
    clock.set(t0 + 14 * MIN)
    expect(await job.run()).toEqual({ warned: 0, escalated: 0 })
  })

  it('with 14 minutes left raises the priority one level, once', async () => {
    clock.set(t0 + 16 * MIN)
    expect(await job.run()).toEqual({ warned: 1, escalated: 0 })
    expect(await task(helped.task.id)).toMatchObject({ priority: 'high', priorityRank: 30, queue: 'care', status: 'open' })
    expect(Number((await escalation(helped.task.id))?.sla_warned_at)).toBe(t0 + 16 * MIN)
    clock.set(t0 + 20 * MIN)
    expect(await job.run()).toEqual({ warned: 0, escalated: 0 })
    expect((await task(helped.task.id)).priority).toBe('high')
    expect(await escalatedEvents(helped.id)).toEqual([expect.objectContaining({ stage: 'warning', from: 'normal', to: 'high' })])
  })

  it('at the SLA itself is not yet breached', async () => {
    clock.set(t0 + 30 * MIN)
    expect(await job.run()).toEqual({ warned: 0, escalated: 0 })
  })

  it('past the SLA escalates once to the supervisor queue, records the breach and queues the fallback nudge once', async () => {
    clock.set(t0 + 31 * MIN)
    // Two processes running the job at the same moment: one escalation between them.
    const other = new SlaJob({ ops: engine.app.ops, history: engine.app.history, clock, logger })
    const [a, b] = await Promise.all([job.run(), other.run()])
    expect(a.escalated + b.escalated).toBe(1)
    expect(await task(helped.task.id)).toMatchObject({ queue: 'supervisor', priority: 'urgent', priorityRank: 40, status: 'open' })
    expect(await escalation(helped.task.id)).toMatchObject({ escalated_from: 'care' })
    expect(Number((await escalation(helped.task.id))?.escalated_at)).toBe(t0 + 31 * MIN)

    const breach = (await escalatedEvents(helped.id)).find((d) => d.stage === 'breach')
    expect(breach).toMatchObject({ stage: 'breach', from_queue: 'care', to_queue: 'supervisor', overdue_ms: MIN })
    const [message, ...more] = await fallbackMessages(helped.id, helped.task.id)
    expect(more).toHaveLength(0)
    expect(message).toMatchObject({ channel: 'email', template: 'long-dwell', topic: 'care', priority: 0, urgent: false, ruleId: 'help-fallback', ruleVersion: 1 })
    expect((message?.payload as { to: { email: string } }).to.email).toBe(`${helped.id}@example.com`)
    expect(await metrics.registry.getSingleMetricAsString('careloop_sla_breaches_total')).toContain('queue="care"} 1')

    clock.set(t0 + 90 * MIN)
    expect(await job.run()).toEqual({ warned: 0, escalated: 0 })
    expect(await fallbackMessages(helped.id, helped.task.id)).toHaveLength(1)
    expect((await escalatedEvents(helped.id)).filter((d) => d.stage === 'breach')).toHaveLength(1)
  })

  it('never touches a claimed task', async () => {
    expect(await task(claimed.task.id)).toMatchObject({ queue: 'care', priority: 'normal', status: 'claimed' })
    expect(await escalation(claimed.task.id)).toEqual({ escalated_at: null, escalated_from: null, sla_warned_at: null })
    expect(await escalatedEvents(claimed.id)).toEqual([])
  })

  it('leaves a task alone until it is available, then runs its SLA from there', async () => {
    expect(await task(later.task.id)).toMatchObject({ queue: 'weekend', priority: 'normal' })
    expect(await escalation(later.task.id)).toEqual({ escalated_at: null, escalated_from: null, sla_warned_at: null })
    clock.set(Date.parse('2026-03-28T09:59:00Z'))
    expect(await job.run()).toEqual({ warned: 0, escalated: 0 })
    clock.set(Date.parse('2026-03-28T10:16:00Z'))
    expect(await job.run()).toEqual({ warned: 1, escalated: 0 })
    clock.set(Date.parse('2026-03-28T10:31:00Z'))
    expect(await job.run()).toEqual({ warned: 0, escalated: 1 })
    expect(await task(later.task.id)).toMatchObject({ queue: 'weekend-leads', priority: 'urgent', status: 'open' })
    expect(await fallbackMessages(later.id, later.task.id)).toHaveLength(1)
  })
})
