// The sandbox's outbox finds due messages through per-channel heaps; what it leases, which channels
// it says have work and its next due time must be what a scan of every row gives (the SQL outbox's
// semantics: pending and due, or sending with an expired lease, in (next attempt, id) order). Random
// sequences of inserts, leases, retries, deferrals, address wake-ups, withdrawals and final marks.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Channel } from '../../src/model/channel.ts'
import { ADDRESS_GUARD } from '../../src/model/outbox.ts'
import { MemoryOutbox } from '../../src/replay/memory/MemoryOutbox.ts'
import { RememberedIds } from '../../src/replay/memory/RememberedIds.ts'
import type { OutboxInsert } from '../../src/store/operational/OutboxStore.ts'

const CHANNELS: Channel[] = ['email', 'sms', 'push']
const CUSTOMERS = ['c0', 'c1', 'c2']
const RULES = ['r0', 'r1']

interface ModelRow {
  id: string
  channel: Channel
  customerId: string
  ruleId: string
  entity: string | undefined
  status: 'pending' | 'sending'
  nextAttemptAt: number
  leaseUntil: number | null
  attempts: number
  lastError: string | null
}

/** The outbox as a plain scan over every row not yet final. */
class Model {
  readonly rows = new Map<string, ModelRow>()
  private due(r: ModelRow, now: number): boolean {
    return (r.status === 'pending' && r.nextAttemptAt <= now) || (r.status === 'sending' && r.leaseUntil !== null && r.leaseUntil < now)
  }
  lease(now: number, leaseMs: number, limit: number, channel: Channel | undefined): string[] {
    const due = [...this.rows.values()]
      .filter((r) => this.due(r, now) && (channel === undefined || r.channel === channel))
      .sort((a, b) => a.nextAttemptAt - b.nextAttemptAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .slice(0, limit)
    for (const r of due) Object.assign(r, { status: 'sending', attempts: r.attempts + 1, leaseUntil: now + leaseMs })
    return due.map((r) => r.id)
  }
  dueChannels(now: number): Channel[] {
    return [...new Set([...this.rows.values()].filter((r) => this.due(r, now)).map((r) => r.channel))].sort()
  }
  nextDue(): number | undefined {
    const times = [...this.rows.values()].filter((r) => r.status === 'pending').map((r) => r.nextAttemptAt)
    return times.length === 0 ? undefined : Math.min(...times)
  }
}

const op = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), channel: fc.constantFrom(...CHANNELS), customer: fc.constantFrom(...CUSTOMERS), rule: fc.constantFrom(...RULES), entity: fc.constantFrom(undefined, 'e0', 'e1'), at: fc.integer({ min: 0, max: 60 }) }),
  fc.record({ kind: fc.constant('lease' as const), now: fc.integer({ min: 0, max: 80 }), leaseMs: fc.integer({ min: 1, max: 20 }), limit: fc.integer({ min: 0, max: 4 }), channel: fc.constantFrom(undefined, ...CHANNELS) }),
  fc.record({ kind: fc.constantFrom('retry' as const, 'defer' as const, 'address' as const), pick: fc.nat(), at: fc.integer({ min: 0, max: 80 }) }),
  fc.record({ kind: fc.constantFrom('sent' as const, 'final' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('wake' as const), customer: fc.constantFrom(...CUSTOMERS), now: fc.integer({ min: 0, max: 80 }) }),
  fc.record({ kind: fc.constant('withdraw' as const), customer: fc.constantFrom(...CUSTOMERS), rule: fc.constantFrom(...RULES), entity: fc.constantFrom(undefined, 'e0', 'e1') }),
  fc.record({ kind: fc.constant('check' as const), now: fc.integer({ min: 0, max: 80 }) }),
)

describe('in-memory outbox', () => {
  it('leases, finds due channels and the next due time as a scan of every row does', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 30, maxLength: 150, size: 'max' }), async (ops) => {
        const outbox = new MemoryOutbox(new RememberedIds({ ledgerOf: () => undefined }))
        const model = new Model()
        let n = 0
        const picked = (pick: number): ModelRow | undefined => {
          const rows = [...model.rows.values()]
          return rows.length === 0 ? undefined : rows[pick % rows.length]
        }
        for (const o of ops) {
          switch (o.kind) {
            case 'insert': {
              const id = `m${String(n++).padStart(3, '0')}`
              const row: OutboxInsert = { id, idempotencyKey: `k-${id}`, customerId: o.customer, channel: o.channel, template: 't', topic: 'care', priority: 0, urgent: false, ruleId: o.rule, ruleVersion: 1, entity: o.entity, payload: { locale: 'en', to: {}, vars: {} } as never, nextAttemptAt: o.at, createdAt: 0 }
              await outbox.insert([row])
              model.rows.set(id, { id, channel: o.channel, customerId: o.customer, ruleId: o.rule, entity: o.entity, status: 'pending', nextAttemptAt: o.at, leaseUntil: null, attempts: 0, lastError: null })
              break
            }
            case 'lease': {
              const leased = await outbox.lease(o.now, o.leaseMs, o.limit, o.channel)
              const expected = model.lease(o.now, o.leaseMs, o.limit, o.channel)
              expect(leased.map((m) => m.id)).toEqual(expected)
              expect(leased.map((m) => m.attempts)).toEqual(expected.map((id) => model.rows.get(id)?.attempts))
              break
            }
            case 'retry':
            case 'defer':
            case 'address': {
              const row = picked(o.pick)
              if (row === undefined) break
              const reason = o.kind === 'address' ? `${ADDRESS_GUARD}: no address yet` : 'later'
              if (o.kind === 'retry') await outbox.markRetry(row.id, 0, o.at, reason)
              else await outbox.markDeferred(row.id, 0, o.at, reason)
              Object.assign(row, { status: 'pending', nextAttemptAt: o.at, leaseUntil: null, lastError: reason, attempts: o.kind === 'retry' ? row.attempts : Math.max(row.attempts - 1, 0) })
              break
            }
            case 'sent':
            case 'final': {
              const row = picked(o.pick)
              if (row === undefined) break
              await (o.kind === 'sent' ? outbox.markSent(row.id) : outbox.markFinal(row.id))
              model.rows.delete(row.id)
              break
            }
            case 'wake': {
              const woken = await outbox.wakeAddressWaits([o.customer], o.now)
              let expected = 0
              for (const r of model.rows.values()) {
                if (r.customerId === o.customer && r.status === 'pending' && r.nextAttemptAt > o.now && r.lastError?.startsWith(`${ADDRESS_GUARD}:`)) {
                  r.nextAttemptAt = o.now
                  expected++
                }
              }
              expect(woken).toBe(expected)
              break
            }
            case 'withdraw': {
              const withdrawn = await outbox.withdraw([{ customerId: o.customer, ruleId: o.rule, entity: o.entity, reason: 'withdrawn', planned: [] }], [], 0)
              const expected = [...model.rows.values()].filter((r) => r.customerId === o.customer && r.ruleId === o.rule && r.status === 'pending' && (o.entity === undefined || r.entity === o.entity)).map((r) => r.id).sort()
              expect(withdrawn.map((m) => m.id)).toEqual(expected)
              for (const id of expected) model.rows.delete(id)
              break
            }
            case 'check':
              expect([...(await outbox.dueChannels(o.now))].sort()).toEqual(model.dueChannels(o.now))
              expect(await outbox.nextDue()).toBe(model.nextDue())
              break
          }
        }
        expect(outbox.backlog).toBe(model.rows.size)
      }),
      { numRuns: 300 },
    )
  })
})
