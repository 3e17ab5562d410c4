// The outbox: leases, retries and final states, never one row to two senders.
import { describe, expect, it } from 'vitest'
import { T0, MIN, outboxRow, type ContractContext } from './fixtures.ts'

export function outboxContract({ freshStore, processes }: ContractContext): void {
  describe('outbox', () => {
    // Leasing looks at every due row: each test starts from an empty store.
    const store = freshStore('test')
    const ids = (rows: Array<{ id: string }>) => rows.map((r) => r.id)

    it('leases due pending rows (earliest first), once, and again only after the lease expired', async () => {
      const { outbox } = store()
      await outbox.insert([
        outboxRow('o-b', { nextAttemptAt: T0 }),
        outboxRow('o-a', { nextAttemptAt: T0 }),
        outboxRow('o-early', { nextAttemptAt: T0 - MIN }),
        outboxRow('o-later', { nextAttemptAt: T0 + 10_000 }),
      ])
      const leased = await outbox.lease(T0, 30_000, 10)
      expect(ids(leased)).toEqual(['o-early', 'o-a', 'o-b'])
      expect(leased[0]).toMatchObject({ status: 'sending', attempts: 1, updatedAt: T0, customerId: 'c-1', payload: outboxRow('x').payload })
      expect(ids(await outbox.lease(T0 + 1000, 30_000, 10))).toEqual([])
      // At expiry + 1 ms the sender is presumed dead; o-later is due by then as well.
      const again = await outbox.lease(T0 + 30_001, 30_000, 2)
      expect(ids(again)).toEqual(['o-early', 'o-a'])
      expect(again.map((r) => r.attempts)).toEqual([2, 2])
      expect(ids(await outbox.lease(T0 + 30_001, 30_000, 10))).toEqual(['o-b', 'o-later'])
      expect((await outbox.get('o-later'))?.attempts).toBe(1)
    })

    it('dueChannels names exactly the channels lease would take rows from', async () => {
      const { outbox } = store()
      expect(await outbox.dueChannels(T0)).toEqual(new Set())
      await outbox.insert([
        outboxRow('o-email', { nextAttemptAt: T0 }),
        outboxRow('o-sms-later', { channel: 'sms', nextAttemptAt: T0 + MIN }),
        outboxRow('o-push', { channel: 'push', nextAttemptAt: T0 - MIN }),
        outboxRow('o-voice-done', { channel: 'voice', nextAttemptAt: T0 - MIN }),
      ])
      await outbox.markSent('o-voice-done', T0 - 1, undefined)
      const channelsLeased = async (now: number) => new Set((await outbox.lease(now, 5 * MIN, 100)).map((r) => r.channel))
      expect(await outbox.dueChannels(T0)).toEqual(new Set(['email', 'push']))
      expect(await channelsLeased(T0)).toEqual(new Set(['email', 'push']))
      // Leased rows are in flight until their lease expires; then they are due again.
      expect(await outbox.dueChannels(T0 + MIN)).toEqual(new Set(['sms']))
      expect(await channelsLeased(T0 + MIN)).toEqual(new Set(['sms']))
      expect(await outbox.dueChannels(T0 + 5 * MIN)).toEqual(new Set())
      expect(await outbox.dueChannels(T0 + 5 * MIN + 1)).toEqual(new Set(['email', 'push']))
      expect(await outbox.dueChannels(T0 + 6 * MIN + 1)).toEqual(new Set(['email', 'push', 'sms']))
      expect(await channelsLeased(T0 + 6 * MIN + 1)).toEqual(new Set(['email', 'push', 'sms']))
    })

    it('releaseLeases makes every in-flight row due again at once', async () => {
      const { outbox } = store()
      await outbox.insert([outboxRow('o-1'), outboxRow('o-2'), outboxRow('o-3', { nextAttemptAt: T0 + 60 * MIN })])
      expect(ids(await outbox.lease(T0, 60 * MIN, 10))).toEqual(['o-1', 'o-2'])
      expect(await outbox.nextDue()).toBe(T0 + 60 * MIN) // in-flight rows are not pending
      expect(await outbox.releaseLeases(T0 + 1)).toBe(2)
      expect(await outbox.releaseLeases(T0 + 2)).toBe(0)
      expect(await outbox.get('o-1')).toMatchObject({ status: 'pending', attempts: 1, updatedAt: T0 + 1 })
      expect(await outbox.nextDue()).toBe(T0)
      expect(ids(await outbox.lease(T0 + 2, 60_000, 10))).toEqual(['o-1', 'o-2'])
    })

    it('wakeAddressWaits makes only the named shoppers\' address waits due now', async () => {
      const { outbox } = store()
      await outbox.insert([
        outboxRow('o-wait', { customerId: 'anon:a1' }),
        outboxRow('o-other-reason', { customerId: 'anon:a1' }),
        outboxRow('o-someone-else', { customerId: 'anon:a2' }),
      ])
      expect(await outbox.lease(T0, 30_000, 10)).toHaveLength(3)
      await outbox.markDeferred('o-wait', T0, T0 + 5 * MIN, 'address: no email address for this shopper yet')
      await outbox.markRetry('o-other-reason', T0, T0 + 5 * MIN, '421 try later')
      await outbox.markDeferred('o-someone-else', T0, T0 + 5 * MIN, 'address: no email address for this shopper yet')
      expect(await outbox.wakeAddressWaits([], T0 + 1)).toBe(0)
      expect(await outbox.wakeAddressWaits(['anon:a1', 'nobody'], T0 + 1)).toBe(1)
      expect(ids(await outbox.lease(T0 + 1, 30_000, 10))).toEqual(['o-wait'])
      expect((await outbox.get('o-other-reason'))?.nextAttemptAt).toBe(T0 + 5 * MIN)
      expect((await outbox.get('o-someone-else'))?.nextAttemptAt).toBe(T0 + 5 * MIN)
    })

    it('markRetry reschedules with the error; markSent and markFinal are final', async () => {
      const { outbox } = store()
      await outbox.insert([outboxRow('o-retry'), outboxRow('o-sent'), outboxRow('o-dead'), outboxRow('o-skip')])
      expect(await outbox.lease(T0, 30_000, 10)).toHaveLength(4)
      await outbox.markRetry('o-retry', T0 + 1, T0 + 5 * MIN, '421 try later')
      await outbox.markSent('o-sent', T0 + 1, '<key@careloop>')
      await outbox.markFinal('o-dead', 'dead', T0 + 1, '550 no such user')
      await outbox.markFinal('o-skip', 'skipped', T0 + 1, 'opted out')
      expect(await outbox.get('o-retry')).toMatchObject({ status: 'pending', nextAttemptAt: T0 + 5 * MIN, lastError: '421 try later', attempts: 1, updatedAt: T0 + 1 })
      expect(await outbox.get('o-sent')).toMatchObject({ status: 'sent', providerMessageId: '<key@careloop>', lastError: null })
      expect(await outbox.get('o-dead')).toMatchObject({ status: 'dead', lastError: '550 no such user' })
      expect(await outbox.get('o-skip')).toMatchObject({ status: 'skipped', lastError: 'opted out' })
      expect(await outbox.nextDue()).toBe(T0 + 5 * MIN)
      // Final rows are never leased again, not even long after their lease would have expired.
      expect(ids(await outbox.lease(T0 + 5 * MIN - 1, 30_000, 10))).toEqual([])
      expect(ids(await outbox.lease(T0 + 24 * 60 * MIN, 30_000, 10))).toEqual(['o-retry'])
      expect((await outbox.get('o-retry'))?.attempts).toBe(2)
      await outbox.markSent('o-retry', T0 + 24 * 60 * MIN, undefined)
      expect(await outbox.get('o-retry')).toMatchObject({ status: 'sent', providerMessageId: null, lastError: null })
      expect(await outbox.nextDue()).toBeUndefined()
      expect(ids(await outbox.list({ status: 'sent' }))).toEqual(['o-retry', 'o-sent'])
    })

    it('lists by customer and status in creation order; unknown ids are undefined', async () => {
      const { outbox } = store()
      expect(await outbox.nextDue()).toBeUndefined()
      await outbox.insert([
        outboxRow('o-3', { customerId: 'c-a', createdAt: T0 + 2 }),
        outboxRow('o-1', { customerId: 'c-a', createdAt: T0 }),
        outboxRow('o-2', { customerId: 'c-b', createdAt: T0 + 1 }),
      ])
      expect(ids(await outbox.list())).toEqual(['o-1', 'o-2', 'o-3'])
      expect(ids(await outbox.list({ customerId: 'c-a' }))).toEqual(['o-1', 'o-3'])
      expect(ids(await outbox.list({ customerId: 'c-a', limit: 1 }))).toEqual(['o-1'])
      expect(ids(await outbox.list({ status: 'sent' }))).toEqual([])
      expect(await outbox.get('nope')).toBeUndefined()
      expect(await outbox.insert([])).toEqual(new Set())
    })

    it('concurrent senders never lease the same row twice', async () => {
      const s = store()
      await s.outbox.insert(Array.from({ length: 60 }, (_, i) => outboxRow(`o-${String(i).padStart(2, '0')}`)))
      const { stores, close } = await processes(s, 3)
      try {
        const rounds = await Promise.all(stores.flatMap((p) => [p.outbox.lease(T0, 60_000, 7), p.outbox.lease(T0, 60_000, 7)]))
        const leased = rounds.flat().map((r) => r.id)
        expect(new Set(leased).size).toBe(leased.length)
        expect(leased.length).toBe(42)
      } finally {
        await close()
      }
    })
  })
}
