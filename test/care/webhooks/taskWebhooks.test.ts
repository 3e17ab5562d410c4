// Task webhooks end to end against a real receiver on loopback that verifies every signature on its
// own: each transition made through the work-list use cases reaches it exactly once, signed, in
// order; a receiver answering 500 or not listening gets it after retries with the same webhook-id;
// a transition whose transaction rolls back sends nothing; N failures make a delivery dead with
// the reason. fast-check drives random sequences of transitions and receiver failures.
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { claimTask } from '../../../src/care/claimTask.ts'
import { releaseTask } from '../../../src/care/releaseTask.ts'
import { reassignTask } from '../../../src/care/reassignTask.ts'
import { resolveTask } from '../../../src/care/resolveTask.ts'
import { snoozeTask } from '../../../src/care/snoozeTask.ts'
import { putWebhookEndpoint } from '../../../src/care/webhooks/configureEndpoint.ts'
import { deliverAllDue, type DeliverTaskWebhooksDeps } from '../../../src/care/webhooks/deliverTaskWebhooks.ts'
import { ManualClock } from '../../../src/lib/clock.ts'
import { TASK_WEBHOOK_EVENTS, type TaskWebhookEvent } from '../../../src/model/taskWebhooks.ts'
import { openOperationalStore, type OperationalStore } from '../../../src/store/operational/OperationalStore.ts'
import { TaskEscalationStore } from '../../../src/store/operational/TaskEscalationStore.ts'
import type { TaskInsert } from '../../../src/store/operational/TaskStore.ts'
import { freshDataDir } from '../../support/stores.ts'
import { WebhookReceiver } from '../../support/providers/taskWebhookReceiver.ts'

const T0 = Date.UTC(2026, 6, 1, 10)
const clock = new ManualClock(T0)
const secret = `whsec_${randomBytes(32).toString('base64')}`
const receiver = new WebhookReceiver(secret)
const history = { append: async () => {} }
const shop = { name: 'Test Shop', url: 'https://shop.test' }
let ops: OperationalStore
let escalations: TaskEscalationStore
let seq = 0

const deliveryDeps = (maxAttempts = 1000): DeliverTaskWebhooksDeps => ({
  ops,
  clock,
  logger: { warn: () => {} },
  policy: { baseDelayMs: 1_000, maxDelayMs: 8_000, maxAttempts },
  random: () => 0.5,
})
const work = () => ({ ops, history, clock })

async function newTask(): Promise<string> {
  const id = `t${++seq}-${randomBytes(3).toString('hex')}`
  const task: TaskInsert = {
    id, idempotencyKey: `key-${id}`, customerId: `c-${id}`, queue: 'care', priority: 'normal', priorityRank: 20, title: 'Late parcel', ruleId: 'late', ruleVersion: 1,
    signal: {}, context: { customer: { locale: 'en', traits: { name: 'Ann' } } }, slaDueAt: clock.now() + 3_600_000, createdAt: clock.now(),
  }
  expect((await ops.tasks.insert([task])).has(id)).toBe(true)
  return id
}

/** Sends until nothing is pending: with the receiver up, each due retry goes out after a clock step. */
async function drain(maxSteps = 50): Promise<void> {
  for (let step = 0; step < maxSteps; step++) {
    await deliverAllDue(deliveryDeps())
    const pending = await ops.webhooks.deliveries('receiver', { status: 'pending' })
    if (pending.length === 0) return
    clock.advance(10_000)
  }
  throw new Error('deliveries still pending')
}

const acceptedFor = (taskId: string) => receiver.accepted.filter((r) => (r.body.data as { task: { id: string } }).task.id === taskId)
const typesFor = (taskId: string) => acceptedFor(taskId).map((r) => r.type)

beforeAll(async () => {
  ops = await openOperationalStore({ dataDir: join(freshDataDir(), 'ops') })
  escalations = new TaskEscalationStore(ops.db)
  await receiver.start()
  const put = await putWebhookEndpoint({ ops, clock }, { id: 'receiver', kind: 'standard', url: receiver.url, secret, events: [...TASK_WEBHOOK_EVENTS], enabled: true }, 'admin')
  expect(put.ok).toBe(true)
})
afterAll(async () => {
  await receiver.stop()
  await ops?.close()
})
beforeEach(() => {
  receiver.answer = 200
})

describe('task webhooks', () => {
  it('sends every transition of a task exactly once, signed, in order, with the task and what it was before', async () => {
    const id = await newTask()
    clock.advance(1_000)
    expect(await escalations.warn(id, clock.now(), 'normal', 'high', 30)).toBe(true)
    clock.advance(1_000)
    expect((await claimTask(work(), { taskId: id, agent: 'lisa' })).ok).toBe(true)
    expect((await snoozeTask(work(), { taskId: id, actor: 'lisa', asSupervisor: false, until: clock.now() + 60_000 })).ok).toBe(true)
    expect((await releaseTask(work(), { taskId: id, actor: 'lisa', asSupervisor: false })).ok).toBe(true)
    clock.advance(4 * 3_600_000)
    expect(await escalations.escalate(id, clock.now(), 'care', 'care-supervisors', 40)).toBeDefined()
    expect((await reassignTask(work(), { taskId: id, actor: 'sam', asSupervisor: true, to: { agent: 'mia', queue: 'care' } })).ok).toBe(true)
    expect((await resolveTask({ ops, history, clock, links: undefined, shop }, { taskId: id, agent: 'mia', asAdmin: false, outcome: 'compensated', note: 'voucher' })).ok).toBe(true)
    await drain()

    expect(typesFor(id)).toEqual(['task.created', 'task.escalated', 'task.claimed', 'task.snoozed', 'task.released', 'task.escalated', 'task.reassigned', 'task.resolved'])
    const got = acceptedFor(id)
    expect(new Set(got.map((r) => r.id)).size).toBe(got.length)
    expect(got.every((r) => /^msg_[0-9a-f]{32}$/.test(r.id))).toBe(true)
    const resolved = got.at(-1)?.body as { timestamp: string; data: { task: Record<string, unknown>; previous: Record<string, unknown> } }
    expect(resolved.data.task).toMatchObject({ id, status: 'resolved', outcome: 'compensated', note: 'voucher', resolved_by: 'mia', queue: 'care' })
    expect(resolved.data.task).not.toHaveProperty('context')
    expect(resolved.data.previous).toMatchObject({ status: 'claimed', claimed_by: 'mia' })
    expect(resolved.timestamp).toBe(new Date(clock.now()).toISOString())
    expect(receiver.received.filter((r) => !r.signatureValid)).toEqual([])
  })

  it('keeps retrying while the receiver answers 500 or is down, then delivers each transition once with the same webhook-id', async () => {
    receiver.answer = 500
    const id = await newTask()
    expect((await claimTask(work(), { taskId: id, agent: 'lisa' })).ok).toBe(true)
    await deliverAllDue(deliveryDeps())
    const failed = receiver.received.filter((r) => r.status === 500 && (r.body.data as { task: { id: string } }).task.id === id)
    expect(failed.map((r) => r.type)).toEqual(['task.created'])
    await receiver.stop()
    clock.advance(10_000)
    await deliverAllDue(deliveryDeps())
    const [created] = await ops.webhooks.deliveries('receiver').then((all) => all.filter((d) => d.taskId === id && d.event === 'task.created'))
    expect(created).toMatchObject({ status: 'pending', attempts: 2 })
    expect(created?.lastError).toMatch(/request failed/)
    await receiver.start()
    receiver.answer = 200
    await drain()
    expect(typesFor(id)).toEqual(['task.created', 'task.claimed'])
    expect(acceptedFor(id)[0]?.id).toBe(failed[0]?.id)
  })

  it('writes nothing for a transition whose transaction rolls back', async () => {
    const id = await newTask()
    expect((await claimTask(work(), { taskId: id, agent: 'lisa' })).ok).toBe(true)
    await expect(
      ops.db.transaction(async (tx) => {
        expect((await ops.tasks.resolve(id, 'lisa', 'resolved', undefined, clock.now(), false, tx)).ok).toBe(true)
        throw new Error('the rest of the resolve failed')
      }),
    ).rejects.toThrow('the rest of the resolve failed')
    await drain()
    expect(typesFor(id)).toEqual(['task.created', 'task.claimed'])
  })

  it('gives up after the last attempt with the reason; a refusal for good (410) is dead at once; redeliver sends it again', async () => {
    receiver.answer = 500
    const id = await newTask()
    for (let i = 0; i < 3; i++) {
      await deliverAllDue(deliveryDeps(3))
      clock.advance(10_000)
    }
    const [dead] = (await ops.webhooks.deliveries('receiver', { status: 'dead' })).filter((d) => d.taskId === id)
    expect(dead).toMatchObject({ attempts: 3, event: 'task.created' })
    expect(dead?.lastError).toMatch(/gave up after 3 attempts: task webhook: HTTP 500/)

    receiver.answer = 410
    expect((await claimTask(work(), { taskId: id, agent: 'lisa' })).ok).toBe(true)
    await deliverAllDue(deliveryDeps(3))
    const gone = (await ops.webhooks.deliveries('receiver', { status: 'dead' })).find((d) => d.taskId === id && d.event === 'task.claimed')
    expect(gone).toMatchObject({ attempts: 1 })
    expect(gone?.lastError).toMatch(/HTTP 410/)

    receiver.answer = 200
    expect(await ops.webhooks.redeliver('receiver', dead?.id ?? '', clock.now())).toBe(true)
    await drain()
    expect(typesFor(id)).toEqual(['task.created'])
  })

  it('sends only the subscribed transitions of enabled endpoints', async () => {
    const other = new WebhookReceiver(secret)
    await other.start()
    try {
      await putWebhookEndpoint({ ops, clock }, { id: 'resolved-only', kind: 'standard', url: other.url, secret, events: ['task.resolved'], enabled: true }, 'admin')
      await putWebhookEndpoint({ ops, clock }, { id: 'switched-off', kind: 'standard', url: other.url, secret, events: [...TASK_WEBHOOK_EVENTS], enabled: false }, 'admin')
      const id = await newTask()
      expect((await claimTask(work(), { taskId: id, agent: 'lisa' })).ok).toBe(true)
      expect((await resolveTask({ ops, history, clock, links: undefined, shop }, { taskId: id, agent: 'lisa', asAdmin: false, outcome: 'resolved' })).ok).toBe(true)
      await deliverAllDue(deliveryDeps())
      expect(other.accepted.map((r) => r.type)).toEqual(['task.resolved'])
    } finally {
      await ops.webhooks.deleteEndpoint('resolved-only', 'admin', clock.now())
      await ops.webhooks.deleteEndpoint('switched-off', 'admin', clock.now())
      await other.stop()
    }
  })

  type Step =
    | { op: 'claim'; agent: string }
    | { op: 'release' }
    | { op: 'snooze'; minutes: number }
    | { op: 'reassign'; agent: string | undefined }
    | { op: 'resolve' }
    | { op: 'warn' }
    | { op: 'deliver'; answer: 200 | 500 | 'down' }

  const agent = fc.constantFrom('lisa', 'mia', 'sam')
  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.record({ op: fc.constant('claim' as const), agent }),
    fc.constant({ op: 'release' as const }),
    fc.record({ op: fc.constant('snooze' as const), minutes: fc.integer({ min: 1, max: 600 }) }),
    fc.record({ op: fc.constant('reassign' as const), agent: fc.option(agent, { nil: undefined }) }),
    fc.constant({ op: 'resolve' as const }),
    fc.constant({ op: 'warn' as const }),
    fc.record({ op: fc.constant('deliver' as const), answer: fc.constantFrom(200 as const, 500 as const, 'down' as const) }),
  )

  it('over random sequences of transitions and receiver failures, each transition arrives exactly once and in order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
        const id = await newTask()
        const expected: TaskWebhookEvent[] = ['task.created']
        for (const s of steps) {
          clock.advance(1_000)
          const holder = (await ops.tasks.get(id))?.claimedBy ?? 'nobody'
          if (s.op === 'claim') {
            if ((await claimTask(work(), { taskId: id, agent: s.agent })).ok) expected.push('task.claimed')
          } else if (s.op === 'release') {
            if ((await releaseTask(work(), { taskId: id, actor: holder, asSupervisor: false })).ok) expected.push('task.released')
          } else if (s.op === 'snooze') {
            if ((await snoozeTask(work(), { taskId: id, actor: holder, asSupervisor: false, until: clock.now() + s.minutes * 60_000 })).ok) expected.push('task.snoozed')
          } else if (s.op === 'reassign') {
            // Always to the other queue, so each hand-over is a reassignment.
            const queue = (await ops.tasks.get(id))?.queue === 'care' ? 'care-b' : 'care'
            if ((await reassignTask(work(), { taskId: id, actor: 'sam', asSupervisor: true, to: { agent: s.agent, queue } })).ok) expected.push('task.reassigned')
          } else if (s.op === 'resolve') {
            if ((await resolveTask({ ops, history, clock, links: undefined, shop }, { taskId: id, agent: 'sam', asAdmin: true, outcome: 'resolved' })).ok) expected.push('task.resolved')
          } else if (s.op === 'warn') {
            const task = await ops.tasks.get(id)
            if (task && (await escalations.warn(id, clock.now(), task.priority, 'high', 30))) expected.push('task.escalated')
          } else {
            if (s.answer === 'down') await receiver.stop()
            else receiver.answer = s.answer
            await deliverAllDue(deliveryDeps())
            if (s.answer === 'down') await receiver.start()
            receiver.answer = 200
          }
        }
        await drain()
        expect(typesFor(id)).toEqual(expected)
        const ids = acceptedFor(id).map((r) => r.id)
        expect(new Set(ids).size).toBe(ids.length)
      }),
      { numRuns: 25 },
    )
    expect(receiver.received.filter((r) => !r.signatureValid)).toEqual([])
  })
})
