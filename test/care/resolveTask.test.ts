// Resolving a task writes the task, its feedback, the survey and its email in one transaction: a
// failure part-way leaves nothing behind, and the retry does it all once. Refusals write nothing.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolveTask, SURVEY_DELAY_MS, type ResolveTaskDeps } from '../../src/care/resolveTask.ts'
import type { LinkSettings } from '../../src/channels/links.ts'
import { ManualClock } from '../../src/lib/clock.ts'
import { stableHash } from '../../src/lib/hash.ts'
import type { HistoryBatch } from '../../src/store/history/HistoryStore.ts'
import { openOperationalStore, type OperationalStore } from '../../src/store/operational/OperationalStore.ts'
import { OutboxStore, type OutboxInsert } from '../../src/store/operational/OutboxStore.ts'
import type { TaskInsert } from '../../src/store/operational/TaskStore.ts'
import { freshDataDir } from '../support/stores.ts'

const T0 = Date.UTC(2026, 6, 1, 10)
const clock = new ManualClock(T0)
const links: LinkSettings = { publicUrl: () => 'https://care.test/', secret: 'link-secret-for-tests' }
const shop = { name: 'Test Shop', url: 'https://shop.test' }
let ops: OperationalStore
const appended: HistoryBatch[] = []

/** An outbox whose insert fails, as a full disk or a lost connection would make it. */
class FailingOutbox extends OutboxStore {
  override async insert(_rows: readonly OutboxInsert[]): Promise<Set<string>> {
    throw new Error('outbox unavailable')
  }
}

const deps = (overrides: Partial<ResolveTaskDeps['ops']> = {}, withLinks = true): ResolveTaskDeps => ({
  ops: { db: ops.db, tasks: ops.tasks, feedback: ops.feedback, surveys: ops.surveys, outbox: ops.outbox, ...overrides },
  history: { append: async (batch) => void appended.push(batch) },
  clock,
  links: withLinks ? links : undefined,
  shop,
})

async function claimedTask(id: string, email: string | undefined): Promise<TaskInsert> {
  const task: TaskInsert = {
    id, idempotencyKey: `key-${id}`, customerId: `c-${id}`, queue: 'care', priority: 'normal', priorityRank: 20, title: 'Late parcel', ruleId: 'late', ruleVersion: 1,
    signal: { template: 'delayed-shipment' }, context: { customer: { locale: 'en', traits: { name: 'Ann', ...(email ? { email } : {}) } } }, slaDueAt: T0 + 3_600_000, createdAt: T0,
  }
  await ops.tasks.insert([task])
  expect((await ops.tasks.claim(id, 'alice', T0)).ok).toBe(true)
  return task
}

/** The kinds of feedback the task left for ops. */
const feedbackOf = async (taskId: string): Promise<string[]> =>
  (await ops.feedback.summary()).flatMap((g) => [
    ...g.shouldBeAutomated.items.filter((i) => i.taskId === taskId).map(() => 'should_be_automated'),
    ...g.suggestions.items.filter((i) => i.taskId === taskId).map(() => 'suggestion'),
  ])
const surveyMails = async (customerId: string) => (await ops.outbox.list({ customerId })).filter((o) => o.template === 'csat-survey')

beforeAll(async () => {
  ops = await openOperationalStore({ dataDir: join(freshDataDir(), 'ops') })
})
afterAll(async () => {
  await ops?.close()
})

describe('resolveTask', () => {
  it('rolls back the task and its feedback when the survey email cannot be queued; the retry does it all once', async () => {
    const task = await claimedTask('t-fail', 'ann@example.com')
    const input = { taskId: task.id, agent: 'alice', asAdmin: false, outcome: 'should_be_automated' as const, note: 'a bot could say this', suggestion: 'send the tracking link', survey: true }
    appended.length = 0
    await expect(resolveTask(deps({ outbox: new FailingOutbox(ops.db) }), input)).rejects.toThrow('outbox unavailable')
    expect(await ops.tasks.get(task.id)).toMatchObject({ status: 'claimed', outcome: null })
    expect(await feedbackOf(task.id)).toEqual([])
    expect(await surveyMails(task.customerId)).toEqual([])
    expect(await ops.surveys.get(stableHash(`survey:${task.id}`))).toBeUndefined()
    expect(appended).toEqual([])

    const result = await resolveTask(deps(), input)
    expect(result).toMatchObject({ ok: true, task: { status: 'resolved', outcome: 'should_be_automated', resolvedBy: 'alice' } })
    expect((await feedbackOf(task.id)).sort()).toEqual(['should_be_automated', 'suggestion'])
    const [mail] = await surveyMails(task.customerId)
    expect(mail).toMatchObject({ nextAttemptAt: T0 + SURVEY_DELAY_MS })
    expect(result.ok && result.survey).toEqual({ id: mail?.id, outboxId: mail?.id })
    expect(await ops.surveys.get(mail?.id ?? '')).toMatchObject({ taskId: task.id })
    expect(appended.flatMap((b) => b.taskEvents ?? []).map((e) => e.kind)).toEqual(['resolved'])
    expect(appended.flatMap((b) => b.deliveries ?? []).map((d) => d.status)).toEqual(['queued'])

    expect(await resolveTask(deps(), input)).toMatchObject({ ok: false, reason: 'already_resolved' })
    expect(await surveyMails(task.customerId)).toHaveLength(1)
  })

  it('refuses before writing anything: no such task, surveys without link settings, a shopper without email', async () => {
    const input = { agent: 'alice', asAdmin: false, outcome: 'resolved' as const, survey: true }
    expect(await resolveTask(deps(), { ...input, taskId: 'nope' })).toEqual({ ok: false, reason: 'not_found' })
    const noLinks = await claimedTask('t-links', 'bo@example.com')
    expect(await resolveTask(deps({}, false), { ...input, taskId: noLinks.id })).toEqual({ ok: false, reason: 'surveys_unavailable' })
    const noEmail = await claimedTask('t-mail', undefined)
    expect(await resolveTask(deps(), { ...input, taskId: noEmail.id })).toEqual({ ok: false, reason: 'no_email' })
    for (const id of [noLinks.id, noEmail.id]) expect(await ops.tasks.get(id)).toMatchObject({ status: 'claimed' })
  })

  it('only the holder resolves; an admin may resolve any unresolved task', async () => {
    const task = await claimedTask('t-admin', undefined)
    const input = { taskId: task.id, outcome: 'not_needed' as const }
    expect(await resolveTask(deps(), { ...input, agent: 'bob', asAdmin: false })).toMatchObject({ ok: false, reason: 'not_claimed_by_you', task: { claimedBy: 'alice' } })
    expect(await resolveTask(deps(), { ...input, agent: 'root', asAdmin: true })).toMatchObject({ ok: true, task: { resolvedBy: 'root' } })
  })
})
