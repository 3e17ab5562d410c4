// Behaviour every HistoryStore backend must show; run against chDB and (when configured) a server.
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClickHouseHistoryStore } from '../../../src/store/history/ClickHouseHistoryStore.ts'
import type { HistoryBatch } from '../../../src/store/history/HistoryStore.ts'
import { stableHash } from '../../../src/lib/hash.ts'
import { T0, decision, delivery, event, signal, taskEvent } from './fixtures.ts'

export function historyStoreContract(name: string, open: () => Promise<ClickHouseHistoryStore>): void {
  describe(`HistoryStore contract: ${name}`, () => {
    let store: ClickHouseHistoryStore
    beforeAll(async () => {
      store = await open()
    })
    afterAll(async () => {
      await store?.close()
    })

    it('answers ping', async () => {
      expect(await store.ping()).toBe(true)
    })

    it('reports its own memory accounting (what bench/memory.bench.ts splits RSS by)', async () => {
      const metrics = await store.memoryMetrics()
      expect(metrics.get('MemoryTracking')).toBeGreaterThan(0)
      for (const [name, bytes] of metrics) {
        expect(name === 'MemoryTracking' || name.includes('CacheBytes')).toBe(true)
        expect(Number.isFinite(bytes)).toBe(true)
      }
    })

    it('merges all five kinds newest first, with numbers as numbers and JSON parsed', async () => {
      const c = 'cust-merge'
      await store.append({
        events: [event(c, 'm-1', T0)],
        signals: [signal(c, 's-1', T0 + 1)],
        decisions: [decision(c, 'd-1', T0 + 2)],
        deliveries: [delivery(c, 'o-1:sent:1', T0 + 4)],
        taskEvents: [taskEvent(c, 'te-1', T0 + 3)],
      })
      const entries = await store.timeline(c)
      expect(entries.map((e) => [e.kind, e.id, e.ts, e.title])).toEqual([
        ['delivery', 'o-1:sent:1', T0 + 4, 'sent'],
        ['task', 'te-1', T0 + 3, 'created'],
        ['decision', 'd-1', T0 + 2, 'hesitation'],
        ['signal', 's-1', T0 + 1, 'hesitation'],
        ['event', 'm-1', T0, 'Product Viewed'],
      ])
      const byKind = Object.fromEntries(entries.map((e) => [e.kind, e.data]))
      expect(byKind['event']).toEqual({
        customer_id: c,
        name: 'Product Viewed',
        type: 'track',
        received_at: T0 + 50,
        properties: { product_id: 'p-1', dwell_ms: 95_000 },
        context: { timezone: 'Europe/Berlin' },
      })
      expect(byKind['signal']).toMatchObject({ rule_version: 3, details: { event: 'Product Viewed' } })
      expect(byKind['delivery']).toMatchObject({ attempt: 1, detail: '250 OK', outbox_id: 'o-1' })
      expect(byKind['task']).toMatchObject({ details: { reason: 'late parcel' }, queue: 'care' })
    })

    it('removes replayed rows: same batch again, duplicates inside one batch', async () => {
      const c = 'cust-replay'
      const batch: HistoryBatch = {
        events: [event(c, 'm-1', T0), event(c, 'm-2', T0 + 10)],
        signals: [signal(c, 's-1', T0 + 10, { rule_id: 'replay-rule' })],
        decisions: [decision(c, 'd-1', T0 + 11, { rule_id: 'replay-rule' })],
        deliveries: [delivery(c, 'o-1:sent:1', T0 + 12)],
        taskEvents: [taskEvent(c, 'te-1', T0 + 13)],
      }
      await store.append(batch)
      await store.append(batch) // a crashed worker replays the whole batch
      await store.append({ events: [event(c, 'm-3', T0 + 20), event(c, 'm-3', T0 + 20)] })
      const entries = await store.timeline(c)
      expect(entries.map((e) => e.id)).toEqual(['m-3', 'te-1', 'o-1:sent:1', 'd-1', 's-1', 'm-2', 'm-1'])
      const activity = await store.ruleActivity(0)
      expect(activity.find((a) => a.rule_id === 'replay-rule')).toEqual({
        rule_id: 'replay-rule', signals: 1, planned: 1, suppressed: 0,
      })
    })

    it('pages with limit and before, and keeps customers apart', async () => {
      const c = 'cust-paging'
      const events = Array.from({ length: 25 }, (_, i) => event(c, `m-${String(i).padStart(2, '0')}`, T0 + i * 1000))
      await store.append({ events })
      await store.append({ events: [event('cust-paging-other', 'x-1', T0 + 999_999)] })
      const first = await store.timeline(c, { limit: 10 })
      expect(first.map((e) => e.id)).toEqual(events.slice(15).reverse().map((e) => e.message_id))
      const second = await store.timeline(c, { limit: 10, before: first.at(-1)!.ts })
      expect(second.map((e) => e.id)).toEqual(events.slice(5, 15).reverse().map((e) => e.message_id))
      const rest = await store.timeline(c, { limit: 10, before: second.at(-1)!.ts })
      expect(rest).toHaveLength(5)
      expect(await store.timeline(c, { before: 0 })).toEqual([])
      expect(await store.timeline('nobody')).toEqual([])
    })

    it('keeps every Segment call type: page, screen, alias and group rows read back as written', async () => {
      const c = 'cust-calls'
      const rows = [
        event(c, 'call-page', T0, { type: 'page', name: 'Page Viewed', properties: JSON.stringify({ name: 'Pricing', path: '/pricing' }) }),
        event(c, 'call-screen', T0 + 1, { type: 'screen', name: 'Screen Viewed', properties: JSON.stringify({ name: 'Basket' }) }),
        event(c, 'call-alias', T0 + 2, { type: 'alias', name: 'Alias', properties: JSON.stringify({ previousId: 'anon-1' }) }),
        event(c, 'call-group', T0 + 3, { type: 'group', name: 'Group', properties: JSON.stringify({ groupId: 'acme', traits: { plan: 'enterprise' } }) }),
      ]
      await store.append({ events: rows })
      const entries = await store.timeline(c)
      expect(entries.map((e) => [e.id, e.data['type'], e.title])).toEqual([
        ['call-group', 'group', 'Group'],
        ['call-alias', 'alias', 'Alias'],
        ['call-screen', 'screen', 'Screen Viewed'],
        ['call-page', 'page', 'Page Viewed'],
      ])
      const read = (await store.eventsBetween(T0, T0 + 4, 1000)).filter((r) => r.customer_id === c)
      expect(read).toEqual(rows)
    })

    it('erases customers with mutations: every kind of row of those ids goes, others stay, and pendingErasures reaches 0', async () => {
      const gone = "erase-'gone\\"
      const kept = 'erase-kept'
      for (const c of [gone, kept, 'anon:erase-anon']) {
        await store.append({ events: [event(c, `${c}-m`, T0)], signals: [signal(c, `${c}-s`, T0 + 1)], decisions: [decision(c, `${c}-d`, T0 + 2)], deliveries: [delivery(c, `${c}-o`, T0 + 3)], taskEvents: [taskEvent(c, `${c}-t`, T0 + 4)] })
      }
      await store.eraseCustomers([gone, 'anon:erase-anon'], ['erase-anon'])
      for (let i = 0; i < 600 && (await store.pendingErasures()) > 0; i++) await new Promise((r) => setTimeout(r, 50))
      expect(await store.pendingErasures()).toBe(0)
      expect(await store.timeline(gone)).toEqual([])
      expect(await store.timeline('anon:erase-anon')).toEqual([])
      expect((await store.timeline(kept)).map((e) => e.kind).sort()).toEqual(['decision', 'delivery', 'event', 'signal', 'task'])
    })

    it('names the events seen since a time, most frequent first, and the properties of the latest of one name', async () => {
      const t1 = T0 + 500 * 86_400_000
      const hostile = "it's \u0000 'x' \\ 中"
      await store.append({
        events: [
          event('cust-seen', 'seen-0', t1 - 10, { name: 'Payment Failed', properties: JSON.stringify({ stale: 1 }) }),
          event('cust-seen', 'seen-1', t1, { name: 'Payment Failed', properties: JSON.stringify({ order_id: 'o-1', amount: 5 }) }),
          event('cust-seen', 'seen-2', t1 + 1, { name: 'Payment Failed', properties: JSON.stringify({ order_id: 'o-2' }) }),
          event('cust-seen', 'seen-3', t1 + 2, { name: 'Order Completed', properties: JSON.stringify({ total: 9 }) }),
          event('cust-seen', 'seen-4', t1 + 3, { name: hostile, properties: 'not json' }),
        ],
      })
      const seen = await store.seenEvents(t1, 10)
      expect(seen.filter((e) => e.name !== 'Product Viewed')).toEqual([
        { name: 'Payment Failed', count: 2 },
        { name: 'Order Completed', count: 1 },
        { name: hostile, count: 1 },
      ])
      expect(await store.seenEvents(t1, 1)).toEqual([{ name: 'Payment Failed', count: 2 }])
      expect(await store.seenProperties('Payment Failed', t1, 200)).toEqual(['amount', 'order_id'])
      expect(await store.seenProperties('Payment Failed', t1 - 10, 1)).toEqual(['order_id'])
      expect(await store.seenProperties(hostile, t1, 5)).toEqual([])
    })

    it('treats customer ids as data, never as SQL', async () => {
      const tricky = ["x' OR 1=1 --", 'back\\slash\\', "\\'; DROP TABLE events; --", 'nul\u0000byte', 'ünï😀']
      for (const [i, c] of tricky.entries()) await store.append({ events: [event(c, `inj-${i}`, T0)] })
      for (const [i, c] of tricky.entries()) {
        expect((await store.timeline(c)).map((e) => e.id)).toEqual([`inj-${i}`])
      }
    })

    it('round-trips arbitrary strings through insert and timeline', async () => {
      let n = 0
      await fc.assert(
        fc.asyncProperty(
          fc.string({ unit: 'binary', maxLength: 40 }),
          fc.string({ unit: 'binary', maxLength: 200 }),
          async (customerSuffix, text) => {
            const c = `fuzz-${n++}-${customerSuffix}`
            const properties = JSON.stringify({ text })
            await store.append({ events: [event(c, 'm', T0, { name: text, properties })] })
            const [entry, ...more] = await store.timeline(c)
            expect(more).toEqual([])
            expect(entry?.title).toBe(text)
            expect(entry?.data['properties']).toEqual({ text })
            expect(entry?.data['customer_id']).toBe(c)
          },
        ),
        { numRuns: 40 },
      )
    })

    it('counts signals and planned / suppressed decisions per rule since a time', async () => {
      const c = 'cust-activity'
      const since = T0 + 86_400_000 * 40 // a later month, so partition pruning is exercised too
      await store.append({
        signals: [
          signal(c, 'ra-s-old', since - 1, { rule_id: 'ra-late' }),
          signal(c, 'ra-s-1', since, { rule_id: 'ra-late' }),
          signal(c, 'ra-s-2', since + 5, { rule_id: 'ra-late' }),
          signal(c, 'ra-s-3', since + 6, { rule_id: 'ra-payment' }),
        ],
        decisions: [
          decision(c, 'ra-d-old', since - 1, { rule_id: 'ra-late' }),
          decision(c, 'ra-d-1', since, { rule_id: 'ra-late' }),
          decision(c, 'ra-d-2', since + 5, { rule_id: 'ra-late', outcome: 'suppressed', reason: 'cooldown' }),
          decision(c, 'ra-d-3', since + 6, { rule_id: 'ra-payment', action: 'task', outcome: 'suppressed' }),
          decision(c, 'ra-d-4', since + 7, { rule_id: 'ra-only-decisions' }),
        ],
      })
      const activity = (await store.ruleActivity(since)).filter((a) => a.rule_id.startsWith('ra-'))
      expect(activity).toEqual([
        { rule_id: 'ra-late', signals: 2, planned: 1, suppressed: 1 },
        { rule_id: 'ra-only-decisions', signals: 0, planned: 1, suppressed: 0 },
        { rule_id: 'ra-payment', signals: 1, planned: 0, suppressed: 1 },
      ])
      const all = (await store.ruleActivity(0)).find((a) => a.rule_id === 'ra-late')
      expect(all).toEqual({ rule_id: 'ra-late', signals: 3, planned: 2, suppressed: 1 })
    })

    it('lift rows: each shopper once (first decision), held out or contacted, with their outcome events; replays deduped', async () => {
      const from = T0 + 50_000_000
      const rows = {
        decisions: [
          decision('lift-a', 'lift-d1', from + 10, { rule_id: 'lift-rule', outcome: 'planned', reason: '' }),
          decision('lift-a', 'lift-d2', from + 20, { rule_id: 'lift-rule', outcome: 'planned', reason: '' }),
          decision('lift-b', 'lift-d3', from + 30, { rule_id: 'lift-rule', outcome: 'suppressed', reason: 'holdout' }),
          decision('lift-c', 'lift-d4', from + 40, { rule_id: 'lift-rule', outcome: 'suppressed', reason: 'cooldown' }),
          decision('lift-d', 'lift-d5', from + 50, { rule_id: 'other-rule', outcome: 'planned', reason: '' }),
        ],
        events: [
          event('lift-a', 'lift-e1', from + 100, { name: 'Complaint Filed' }),
          event('lift-b', 'lift-e2', from + 100, { name: 'Complaint Filed' }),
          event('lift-b', 'lift-e3', from + 100, { name: 'Page Viewed' }),
          event('lift-d', 'lift-e4', from + 100, { name: 'Complaint Filed' }),
        ],
      }
      await store.append(rows)
      await store.append(rows)
      const lift = await store.liftRows('lift-rule', from, from + 1000, from + 2000, ['Complaint Filed'])
      expect(lift.cohort).toEqual([
        { customerId: 'lift-a', firstTs: from + 10, heldOut: false },
        { customerId: 'lift-b', firstTs: from + 30, heldOut: true },
      ])
      expect(lift.outcomes.map((o) => o.customerId).sort()).toEqual(['lift-a', 'lift-b'])
      await expect(store.liftRows('lift-rule', from, from + 1000, from + 2000, [])).rejects.toThrow(RangeError)
    })

    it('guarded messages: one row per message queued in the window, with its guard outcome and the rule that planned it', async () => {
      const from = Date.parse('2031-05-01T00:00:00Z')
      const hour = 3_600_000
      const outbox = (decisionId: string) => stableHash(decisionId)
      const d1 = 'gm-rule:3:gm-a:m-1:a0'
      const rows: HistoryBatch = {
        decisions: [decision('gm-a', d1, from - 2 * hour, { rule_id: 'gm-rule' }), decision('gm-b', 'gm-rule:3:gm-b:m-2:a0', from - hour, { rule_id: 'gm-rule', outcome: 'suppressed' })],
        deliveries: [
          delivery('gm-a', `${outbox(d1)}:queued:0`, from + hour, { outbox_id: outbox(d1), status: 'queued', attempt: 0, detail: '' }),
          delivery('gm-a', `${outbox(d1)}:deferred:1`, from + hour, { outbox_id: outbox(d1), status: 'deferred', detail: 'quiet_hours: until 08:00' }),
          delivery('gm-a', `${outbox(d1)}:sent:1`, from + 9 * hour, { outbox_id: outbox(d1), status: 'sent' }),
          delivery('gm-b', 'o-gm-b:queued:0', from + 2 * hour, { outbox_id: 'o-gm-b', channel: 'sms', template: "it's", status: 'queued', detail: '' }),
          delivery('gm-b', 'o-gm-b:skipped:0', from + 2 * hour, { outbox_id: 'o-gm-b', channel: 'sms', template: "it's", status: 'skipped', detail: 'cap_day: 3 contact(s) today' }),
          // Queued before the window: not one of its messages, though it was sent inside it.
          delivery('gm-c', 'o-gm-c:queued:0', from - 1, { outbox_id: 'o-gm-c', status: 'queued', detail: '' }),
          delivery('gm-c', 'o-gm-c:sent:1', from + 1, { outbox_id: 'o-gm-c' }),
        ],
      }
      await store.append(rows)
      await store.append(rows)
      const messages = await store.guardedMessages(from, from + 86_400_000, 10)
      expect(messages).toEqual([
        { outboxId: outbox(d1), customerId: 'gm-a', channel: 'email', template: 'help-choosing', queuedAt: from + hour, sent: true, deferred: true, skippedBy: '', ruleId: 'gm-rule', ruleVersion: 3 },
        { outboxId: 'o-gm-b', customerId: 'gm-b', channel: 'sms', template: "it's", queuedAt: from + 2 * hour, sent: false, deferred: false, skippedBy: 'cap_day', ruleId: '', ruleVersion: 0 },
      ])
      expect(await store.guardedMessages(from, from + 86_400_000, 1)).toHaveLength(1)
      await expect(store.guardedMessages(from, from + 1, 0)).rejects.toThrow(RangeError)
    })

    it('rejects invalid rows with their path and writes nothing of that batch', async () => {
      const c = 'cust-invalid'
      const bad = { signals: [signal(c, 's-ok', T0), signal(c, 's-bad', T0, { ts: -1 })] }
      await expect(store.append({ events: [event(c, 'm-1', T0)], ...bad })).rejects.toThrow(/signals\[1\]\.ts/)
      await expect(store.append({ decisions: [decision(c, 'd', 1.5)] })).rejects.toThrow(/decisions\[0\]\.ts/)
      const missing = { ...delivery(c, 'x', T0), detail: undefined as unknown as string }
      await expect(store.append({ deliveries: [missing] })).rejects.toThrow(/deliveries\[0\]\.detail/)
      expect(await store.timeline(c)).toEqual([])
      await store.append({}) // an empty batch is a no-op
      await expect(store.timeline(c, { limit: 0 })).rejects.toThrow(RangeError)
      await expect(store.ruleActivity(Number.NaN)).rejects.toThrow(RangeError)
    })
  })
}
