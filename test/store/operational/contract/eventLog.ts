// The event log (SQL table or segment files): idempotent appends by messageId, reads in order per
// partition, erasure by shopper, retention of what was consumed.
import { describe, expect, it } from 'vitest'
import { MIN, T0, type ContractContext } from './fixtures.ts'

export function eventLogContract({ freshStore }: ContractContext): void {
  describe('event log', () => {
    const store = freshStore()

    it('appends, ignores a messageId already stored or repeated in the same batch, reads in order', async () => {
      const log = store().log
      const first = await log.append([
        { partition: 0, messageId: 'm-1', customerId: 'c-1', receivedAt: T0, body: { event: 'Product Viewed', properties: { dwell_ms: 95_000 } } },
        { partition: 1, messageId: 'm-2', customerId: 'c-2', receivedAt: T0 + 1, body: { event: 'Order Completed' } },
        { partition: 0, messageId: 'm-3', customerId: 'c-1', receivedAt: T0 + 2, body: { text: 'größer — 大 \u{1F4E6} "q" \\ \'' } },
      ])
      expect([...first].sort()).toEqual(['m-1', 'm-2', 'm-3'])
      const second = await log.append([
        { partition: 0, messageId: 'm-1', customerId: 'c-1', receivedAt: T0 + 9, body: { replayed: true } },
        { partition: 0, messageId: 'm-4', customerId: 'c-1', receivedAt: T0 + 3, body: { n: 4 } },
        { partition: 0, messageId: 'm-4', customerId: 'c-1', receivedAt: T0 + 3, body: { n: 4 } },
      ])
      expect([...second]).toEqual(['m-4'])
      expect(await log.append([])).toEqual(new Set())

      const p0 = await log.read(0, 0, 100)
      expect(p0.map((r) => r.messageId)).toEqual(['m-1', 'm-3', 'm-4'])
      expect(p0[0]).toMatchObject({ partition: 0, customerId: 'c-1', receivedAt: T0, body: { event: 'Product Viewed', properties: { dwell_ms: 95_000 } } })
      expect(p0[1]?.body).toEqual({ text: 'größer — 大 \u{1F4E6} "q" \\ \'' })
      for (const r of p0) expect(typeof r.seq).toBe('number')
      expect(p0.map((r) => r.seq)).toEqual([...p0.map((r) => r.seq)].sort((a, b) => a - b))

      expect((await log.read(1, 0, 100)).map((r) => r.messageId)).toEqual(['m-2'])
      expect((await log.read(0, p0[0]!.seq, 100)).map((r) => r.messageId)).toEqual(['m-3', 'm-4'])
      expect((await log.read(0, 0, 2)).map((r) => r.messageId)).toEqual(['m-1', 'm-3'])
      expect(await log.read(0, p0[2]!.seq, 100)).toEqual([])
      expect(await log.head(0)).toBe(p0[2]!.seq)
      expect(await log.head(7)).toBe(0)
    })

    it('appends big batches in chunks and keeps order', async () => {
      const log = store().log
      const events = Array.from({ length: 7_000 }, (_, i) => ({ partition: 3, messageId: `bulk-${i}`, customerId: `c-${i % 50}`, receivedAt: T0 + i, body: { i } }))
      expect((await log.append(events)).size).toBe(7_000)
      const records = await log.read(3, 0, 10_000)
      expect(records.map((r) => (r.body as { i: number }).i)).toEqual(events.map((_, i) => i))
    })

    it('erases every record of the given shoppers and nobody else\'s', async () => {
      const log = store().log
      await log.append(['erin', 'olga', 'erin', 'anon:e1'].map((customerId, i) => ({ partition: 5, messageId: `er-${i}`, customerId, receivedAt: T0 + i, body: { i } })))
      expect(await log.eraseCustomers(['erin', 'anon:e1'])).toBe(3)
      expect((await log.read(5, 0, 100)).map((r) => r.customerId)).toEqual(['olga'])
      expect(await log.eraseCustomers(['erin'])).toBe(0)
    })

  })

  describe('event log retention', () => {
    const store = freshStore()

    it('removes consumed records received before the cutoff, never unread ones', async () => {
      const log = store().log
      const day = 24 * 60 * MIN
      await log.append([0, 1].map((d) => ({ partition: 6, messageId: `rt-${d}`, customerId: 'c', receivedAt: T0 + d * day, body: { d } })))
      const [first, second] = await log.read(6, 0, 10)
      expect(await log.deleteConsumed(T0 + 3 * day, new Map([[6, first!.seq - 1]]))).toBe(0)
      expect(await log.deleteConsumed(T0 + day, new Map([[6, second!.seq]]))).toBe(1)
      expect((await log.read(6, 0, 10)).map((r) => r.messageId)).toEqual(['rt-1'])
    })
  })
}
