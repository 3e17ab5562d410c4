// The contact record: one row per automated message or human touch, read back per shopper and
// time window; the per-shopper lock makes check-then-record safe across dispatcher processes.
import { describe, expect, it } from 'vitest'
import type { Contact } from '../../../../src/store/operational/ContactStore.ts'
import { MIN, T0, type ContractContext } from './fixtures.ts'

const contact = (id: string, at: number, over: Partial<Contact> = {}): Contact => ({
  id,
  customerId: 'c-1',
  channel: 'email',
  kind: 'automated',
  topic: 'care',
  sourceId: `key:${id}`,
  actor: 'delayed-shipment',
  priority: 70,
  at,
  ...over,
})

export function contactsContract({ freshStore, processes }: ContractContext): void {
  describe('contacts', () => {
    const store = freshStore()

    it('records a contact once per id; since() reads one shopper from a time on, oldest first', async () => {
      const { contacts } = store()
      expect(await contacts.record(contact('o-2', T0 + 2 * MIN))).toBe(true)
      expect(await contacts.record(contact('o-2', T0 + 9 * MIN, { channel: 'sms' }))).toBe(false)
      await contacts.record(contact('t-1:1', T0 + MIN, { channel: 'voice', kind: 'human', sourceId: 't-1', actor: 'ana', priority: 0 }))
      await contacts.record(contact('o-1b', T0 + 3 * MIN))
      await contacts.record(contact('o-1a', T0 + 3 * MIN))
      await contacts.record(contact('o-other', T0 + 2 * MIN, { customerId: 'c-2' }))
      expect((await contacts.since('c-1', T0)).map((c) => c.id)).toEqual(['t-1:1', 'o-2', 'o-1a', 'o-1b'])
      expect((await contacts.since('c-1', T0 + 2 * MIN)).map((c) => c.id)).toEqual(['o-2', 'o-1a', 'o-1b'])
      expect(await contacts.since('c-1', T0 + 3 * MIN + 1)).toEqual([])
      expect(await contacts.since('nobody', 0)).toEqual([])
      const [human, automated] = await contacts.since('c-1', T0)
      expect(human).toEqual(contact('t-1:1', T0 + MIN, { channel: 'voice', kind: 'human', sourceId: 't-1', actor: 'ana', priority: 0 }))
      expect(automated).toEqual(contact('o-2', T0 + 2 * MIN))
    })

    it('remove drops a shopper\'s reservation (unknown ids are fine); a rolled-back transaction leaves nothing', async () => {
      const s = store()
      await s.contacts.record(contact('r-1', T0, { customerId: 'c-r' }))
      // Another shopper's id removes nothing.
      await s.contacts.remove('r-1', 'c-other')
      expect((await s.contacts.since('c-r', 0)).map((c) => c.id)).toEqual(['r-1'])
      await s.contacts.remove('r-1', 'c-r')
      await s.contacts.remove('no-such-contact', 'c-r')
      expect(await s.contacts.since('c-r', 0)).toEqual([])
      // The same id may be recorded again once removed (a retried send reserves anew).
      expect(await s.contacts.record(contact('r-1', T0 + 1, { customerId: 'c-r' }))).toBe(true)
      await expect(
        s.db.transaction(async (tx) => {
          await s.contacts.record(contact('r-2', T0, { customerId: 'c-r' }), tx)
          await s.contacts.remove('r-1', 'c-r', tx)
          expect((await s.contacts.since('c-r', 0, tx)).map((c) => c.id)).toEqual(['r-2'])
          throw new Error('send failed')
        }),
      ).rejects.toThrow('send failed')
      expect((await s.contacts.since('c-r', 0)).map((c) => c.id)).toEqual(['r-1'])
    })

    it('lockCustomer serializes check-then-record per shopper: a cap of 2 holds under 12 concurrent senders', async () => {
      const s = store()
      const { stores, close } = await processes(s, 3)
      const CAP = 2
      try {
        const attempt = (p: (typeof stores)[number], i: number) =>
          p.db.transaction(async (tx) => {
            await p.contacts.lockCustomer(tx, 'c-cap')
            const recent = await p.contacts.since('c-cap', T0, tx)
            // Give a concurrent sender every chance to read the same count before this one writes.
            await new Promise((resolve) => setTimeout(resolve, 5))
            return recent.length < CAP ? p.contacts.record(contact(`cap-${i}`, T0 + i, { customerId: 'c-cap' }), tx) : false
          })
        const sent = await Promise.all(Array.from({ length: 12 }, (_, i) => attempt(stores[i % stores.length]!, i)))
        expect(sent.filter(Boolean)).toHaveLength(CAP)
        expect(await s.contacts.since('c-cap', 0)).toHaveLength(CAP)
      } finally {
        await close()
      }
    })
  })
}
