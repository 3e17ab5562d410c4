// Erasure and suppression (docs/privacy.md): one transaction removes a shopper's rows, keeps tasks,
// notes and audit rows under a pseudonymous reference, and leaves other shoppers alone.
import { describe, expect, it } from 'vitest'
import { erasedReference } from '../../../../src/lib/pseudonym.ts'
import { outboxRow, T0, taskRow, type ContractContext } from './fixtures.ts'

export function privacyContract({ freshStore }: ContractContext): void {
  describe('privacy', () => {
    const store = freshStore('test')

    it('erases one shopper and their anonymous id from every table; tasks, notes and audit rows keep only the reference', async () => {
      const ops = store()
      const gone = 'c-gone'
      const anon = 'anon:a-gone'
      const ref = erasedReference(gone)
      for (const c of [gone, anon, 'c-kept']) {
        await ops.consent.set(c, 'email', 'marketing', 'opted_in', T0, 'preferences')
        await ops.outbox.insert([outboxRow(`o-${c}`, { customerId: c })])
        await ops.tasks.insert([taskRow(`t-${c}`, { customerId: c, context: { email: 'ana@example.com' } })])
        await ops.notes.add({ id: `n-${c}`, taskId: `t-${c}`, customerId: c, author: 'alice', body: 'ana@example.com called', createdAt: T0 })
        await ops.rules.audit.record({ at: T0, actor: 'admin', action: 'customer.export', entityType: 'customer', entityId: c })
      }
      await ops.identity.write({ links: [{ anonymousId: 'a-gone', userId: gone, at: T0 }], conflicts: [] })
      await ops.deadLetters.add([{ source: 'http', receivedAt: T0, reason: 'bad', errors: [], payload: '{"userId":"c-gone"}' }, { source: 'http', receivedAt: T0, reason: 'bad', errors: [], payload: '{"userId":"c-kept"}' }])

      const result = await ops.db.transaction((tx) =>
        ops.erasures.erase([{ customerId: gone, reference: ref }, { customerId: anon, reference: erasedReference(anon) }], ['"c-gone"', '"a-gone"', 'ana@example.com'], tx),
      )
      expect(result.emailKeys.sort()).toEqual([`key:o-${anon}`, `key:o-${gone}`])
      expect(await ops.consent.list(gone)).toEqual([])
      expect(await ops.outbox.list({ customerId: gone })).toEqual([])
      expect(await ops.identity.anonymousIdsOf(gone)).toEqual([])
      const [task] = await ops.tasks.list({ customerId: ref })
      expect(task).toMatchObject({ id: `t-${gone}`, customerId: ref, context: {}, signal: {} })
      expect(task?.title).not.toContain(gone)
      expect((await ops.notes.forTask(`t-${gone}`)).map((n) => [n.customerId, n.body])).toEqual([[ref, '[erased]']])
      expect((await ops.rules.audit.list({ entityId: ref })).map((a) => a.action)).toEqual(['customer.export'])
      expect((await ops.deadLetters.list()).map((d) => d.payload)).toEqual(['{"userId":"c-kept"}'])
      // The other shopper is untouched.
      expect(await ops.consent.list('c-kept')).toHaveLength(1)
      expect((await ops.tasks.list({ customerId: 'c-kept' }))[0]?.context).toEqual({ email: 'ana@example.com' })
    })

    it("erasure removes the shopper's task webhook deliveries (they carry the task's columns), not others'", async () => {
      const ops = store()
      await ops.webhooks.putEndpoint({ id: 'hook', kind: 'standard', url: 'http://127.0.0.1:9/', secret: 'whsec_x', events: ['task.created'], enabled: true, settings: {} }, 'admin', T0)
      for (const c of ['c-hook-gone', 'c-hook-kept']) await ops.tasks.insert([taskRow(`t-${c}`, { customerId: c })])
      expect((await ops.webhooks.deliveries('hook')).map((d) => d.customerId).sort()).toEqual(['c-hook-gone', 'c-hook-kept'])
      await ops.db.transaction((tx) => ops.erasures.erase([{ customerId: 'c-hook-gone', reference: erasedReference('c-hook-gone') }], [], tx))
      expect((await ops.webhooks.deliveries('hook')).map((d) => d.customerId)).toEqual(['c-hook-kept'])
    })

    it('suppressions: added once, found among references, listed, lifted once with an audit row', async () => {
      const ops = store()
      const ref = erasedReference('c-1')
      await ops.db.transaction((tx) => ops.suppressions.add([ref, ref], T0, 'admin', tx))
      expect(await ops.suppressions.among([ref, erasedReference('c-2')])).toEqual(new Set([ref]))
      expect(await ops.suppressions.list()).toEqual([{ reference: ref, createdAt: T0, createdBy: 'admin' }])
      expect(await ops.suppressions.lift(ref, T0 + 1, 'admin')).toBe(true)
      expect(await ops.suppressions.lift(ref, T0 + 2, 'admin')).toBe(false)
      expect(await ops.suppressions.among([ref])).toEqual(new Set())
      expect((await ops.rules.audit.list({ action: 'suppression.lift' })).map((a) => a.entityId)).toEqual([ref])
    })
  })
}
