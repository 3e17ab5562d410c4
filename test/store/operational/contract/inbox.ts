// The in-app inbox: one row per outbox id, newest first, every read and change scoped to the
// message's own shopper.
import { describe, expect, it } from 'vitest'
import type { InboxInsert } from '../../../../src/store/operational/InboxStore.ts'
import { T0, type ContractContext } from './fixtures.ts'

const message = (id: string, customerId: string, createdAt: number, over: Partial<InboxInsert> = {}): InboxInsert => ({
  id,
  customerId,
  template: 't',
  title: `title ${id}`,
  body: 'body',
  link: null,
  data: { n: 1 },
  createdAt,
  ...over,
})

export function inboxContract({ freshStore, processes }: ContractContext): void {
  describe('inbox', () => {
    const store = freshStore()

    it('stores a message once per id and lists newest first, per customer', async () => {
      const { inbox } = store()
      expect(await inbox.deliver(message('m1', 'c1', T0))).toBe(true)
      expect(await inbox.deliver(message('m1', 'c1', T0 + 5, { title: 'again' }))).toBe(false)
      await inbox.deliver(message('m2', 'c1', T0 + 10))
      await inbox.deliver(message('m3', 'c2', T0 + 20))
      const list = await inbox.list('c1')
      expect(list.map((m) => m.id)).toEqual(['m2', 'm1'])
      expect(list[1]).toEqual({ ...message('m1', 'c1', T0), readAt: null, dismissedAt: null })
      expect((await inbox.list('c1', { before: T0 + 10 })).map((m) => m.id)).toEqual(['m1'])
      expect((await inbox.list('c1', { limit: 1 })).map((m) => m.id)).toEqual(['m2'])
      expect(await inbox.unreadCount('c1')).toBe(2)
      expect((await inbox.list(['c1', 'c2'])).map((m) => m.id)).toEqual(['m3', 'm2', 'm1'])
      expect(await inbox.unreadCount(['c2', 'nobody'])).toBe(1)
      expect(await inbox.list([])).toEqual([])
      expect(await inbox.list('nobody')).toEqual([])
      expect(await inbox.unreadCount('nobody')).toBe(0)
    })

    it('read and dismiss only touch the owner’s message and keep the first time', async () => {
      const { inbox } = store()
      expect(await inbox.markRead('c2', 'm1', T0 + 100)).toBe(false)
      expect(await inbox.dismiss('c2', 'm1', T0 + 100)).toBe(false)
      expect(await inbox.markRead('c1', 'nope', T0 + 100)).toBe(false)
      expect((await inbox.get('c1', 'm1'))?.readAt).toBeNull()

      expect(await inbox.markRead('c1', 'm1', T0 + 100)).toBe(true)
      expect(await inbox.markRead('c1', 'm1', T0 + 200)).toBe(true)
      expect((await inbox.get('c1', 'm1'))?.readAt).toBe(T0 + 100)
      expect(await inbox.unreadCount('c1')).toBe(1)

      expect(await inbox.dismiss('c1', 'm2', T0 + 300)).toBe(true)
      expect(await inbox.dismiss('c1', 'm2', T0 + 400)).toBe(true)
      expect((await inbox.get('c1', 'm2'))?.dismissedAt).toBe(T0 + 300)
      expect(await inbox.unreadCount('c1')).toBe(0)
      expect((await inbox.list('c1')).map((m) => m.id)).toEqual(['m1'])
      expect((await inbox.list('c1', { includeDismissed: true })).map((m) => m.id)).toEqual(['m2', 'm1'])
      expect(await inbox.get('c2', 'm1')).toBeUndefined()
      expect((await inbox.get('c2', 'm3'))?.readAt).toBeNull()
    })

    it('orders equal times by id, pages strictly before a time, keeps text and data as given, clamps the limit', async () => {
      const { inbox } = store()
      const text = { title: 'Ihre Bestellung — 您的订单 \u{1F4E6}', body: 'line 1\nline "2" \\ \'', link: 'https://shop.test/o?id=1&x=ü', data: { cta: 'Track', links: { order: 'https://x' }, list: [1, null, 'größer'] } }
      for (const id of ['p-b', 'p-c', 'p-a']) await inbox.deliver(message(id, 'c3', T0, text))
      await inbox.deliver(message('p-new', 'c3', T0 + 1))
      expect((await inbox.list('c3')).map((m) => m.id)).toEqual(['p-new', 'p-c', 'p-b', 'p-a'])
      expect((await inbox.list('c3', { before: T0 + 1 })).map((m) => m.id)).toEqual(['p-c', 'p-b', 'p-a'])
      expect(await inbox.list('c3', { before: T0 })).toEqual([])
      expect(await inbox.get('c3', 'p-a')).toMatchObject(text)
      expect(await inbox.list('c3', { limit: 0 })).toHaveLength(1)
      expect(await inbox.list('c3', { limit: 2.9 })).toHaveLength(2)
      // A dismissed message is gone from the list but can still be read (and counts as neither).
      await inbox.dismiss('c3', 'p-new', T0 + 2)
      expect(await inbox.markRead('c3', 'p-new', T0 + 3)).toBe(true)
      expect(await inbox.unreadCount('c3')).toBe(3)
    })

    it('a message delivered by several senders at once is stored once', async () => {
      const s = store()
      const { stores, close } = await processes(s, 2)
      try {
        const results = await Promise.all(Array.from({ length: 8 }, (_, i) => stores[i % 2]!.inbox.deliver(message('race', 'c4', T0 + i))))
        expect(results.filter(Boolean)).toHaveLength(1)
        expect(await s.inbox.list('c4')).toHaveLength(1)
      } finally {
        await close()
      }
    })
  })
}
