// "Talk to a person" makes one task per message however often it is asked for, also when two
// requests race (the loser's unique violation is an 'exists' from the store, not an error).
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { talkToPerson, TALK_MESSAGE_MAX, type TalkToPersonDeps } from '../../src/care/talkToPerson.ts'
import { ManualClock } from '../../src/lib/clock.ts'
import type { HistoryBatch } from '../../src/store/history/HistoryStore.ts'
import { openOperationalStore, type OperationalStore } from '../../src/store/operational/OperationalStore.ts'
import { freshDataDir } from '../support/stores.ts'

const T0 = Date.UTC(2026, 6, 1, 10)
const clock = new ManualClock(T0)
let ops: OperationalStore
const appended: HistoryBatch[] = []
let deps: TalkToPersonDeps

beforeAll(async () => {
  ops = await openOperationalStore({ dataDir: join(freshDataDir(), 'ops') })
  deps = { ops, history: { append: async (batch) => void appended.push(batch) }, clock, talk: { queue: 'care', priority: 'high', slaMs: 3_600_000 } }
  await ops.outbox.insert([
    { id: 'ob-1', idempotencyKey: 'k-1', customerId: 'ann', channel: 'email', template: 'delayed-shipment', topic: 'care', priority: 0, urgent: false, ruleId: 'late', ruleVersion: 2, payload: { locale: 'en', to: { email: 'ann@example.com' }, vars: { customer: { id: 'ann', locale: 'en', traits: {} }, event: { name: 'Order Shipped', ts: T0, properties: {} }, links: {}, shop: { name: 'Shop', url: 'https://shop.test' } } }, nextAttemptAt: T0, createdAt: T0 },
  ])
})
afterAll(async () => {
  await ops?.close()
})

describe('talkToPerson', () => {
  it('knows no message that was never sent', async () => {
    expect(await talkToPerson(deps, { outboxId: 'nope' })).toEqual({ status: 'unknown_message' })
  })

  it('creates one task with the message, then answers already asked; racing requests too', async () => {
    const first = await talkToPerson(deps, { outboxId: 'ob-1', message: `  ${'x'.repeat(TALK_MESSAGE_MAX + 10)}  ` })
    expect(first).toMatchObject({ status: 'created', task: { queue: 'care', priority: 'high', customerId: 'ann', ruleId: 'late', slaDueAt: T0 + 3_600_000 } })
    clock.advance(60_000)
    const [a, b] = await Promise.all([talkToPerson(deps, { outboxId: 'ob-1' }), talkToPerson(deps, { outboxId: 'ob-1' })])
    expect([a.status, b.status]).toEqual(['already_asked', 'already_asked'])
    const tasks = await ops.tasks.list({ customerId: 'ann' })
    expect(tasks).toHaveLength(1)
    expect((tasks[0]?.context as { message: string }).message).toHaveLength(TALK_MESSAGE_MAX)
    // Every request writes the same history rows (the first request's time), so history dedupes them.
    expect(new Set(appended.flatMap((batch) => (batch.taskEvents ?? []).map((e) => `${e.id}@${e.ts}`)))).toEqual(new Set([`${tasks[0]?.id}:created@${T0}`]))
  })

  it('the store reports a task whose id exists (a unique violation) instead of failing', async () => {
    const [task] = await ops.tasks.list({ customerId: 'ann' })
    if (!task) throw new Error('no task')
    expect(await ops.tasks.insertOnce({ ...task, idempotencyKey: 'another-key' })).toBe('exists')
  })
})
