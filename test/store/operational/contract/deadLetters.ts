// Dead letters and dead messages as the dead-letter pages read them: newest-first keyset pages
// across both kinds, filters, resend marks, and requeueing a dead message exactly once.
import { describe, expect, it } from 'vitest'
import type { DeadLetterCursor, DeadLetterFilter } from '../../../../src/model/deadLetter.ts'
import { T0, outboxRow, type ContractContext } from './fixtures.ts'

export function deadLettersContract({ freshStore }: ContractContext): void {
  describe('dead letters', () => {
    const store = freshStore('test')
    const open: DeadLetterFilter = { state: 'open' }

    it('pages input letters newest first by (time, id), filtered by source, reason text and time range', async () => {
      const { deadLetters } = store()
      const letter = (at: number, source: string, reason: string) => ({ source, receivedAt: at, reason, errors: [], payload: `{"at":${at}}` })
      const ids = await deadLetters.add([letter(T0, 'http', 'Bad /Timestamp'), letter(T0, 'http', 'other'), letter(T0 + 1, 'embedded', 'processing failed: boom'), letter(T0 - 1, 'http', 'old')])
      expect(ids).toEqual([...ids].sort((a, b) => a - b))
      const all = await deadLetters.browse(open, undefined, 10)
      expect(all.map((l) => l.receivedAt)).toEqual([T0 + 1, T0, T0, T0 - 1])
      expect(all[1]!.id).toBeGreaterThan(all[2]!.id)
      // Keyset: after the second letter come exactly the rest.
      const cursor: DeadLetterCursor = { at: all[1]!.receivedAt, kind: 'input', id: all[1]!.id }
      expect((await deadLetters.browse(open, cursor, 10)).map((l) => l.id)).toEqual(all.slice(2).map((l) => l.id))
      // A cursor on a message of the same time keeps every input letter of that time.
      expect(await deadLetters.browse(open, { at: T0, kind: 'message', id: 'zzz' }, 10)).toHaveLength(3)
      expect((await deadLetters.browse({ ...open, source: 'http', reason: 'timestamp' }, undefined, 10)).map((l) => l.reason)).toEqual(['Bad /Timestamp'])
      expect((await deadLetters.browse({ ...open, from: T0, to: T0 + 1 }, undefined, 10)).map((l) => l.receivedAt)).toEqual([T0, T0])
      expect(await deadLetters.browse({ ...open, reason: '%' }, undefined, 10)).toEqual([])
    })

    it('marks resends and links a letter refused again to the one it was resent from', async () => {
      const { deadLetters } = store()
      const [first] = await deadLetters.add([{ source: 'http', receivedAt: T0, reason: 'bad', errors: [{ path: '/x', message: 'm' }], payload: 'p' }])
      const [again] = await deadLetters.add([{ source: 'http', receivedAt: T0 + 5, reason: 'bad', errors: [], payload: 'p', resentFrom: first! }])
      await deadLetters.markResent([{ id: first!, outcome: 'dead-again' }], 'olivia', T0 + 5)
      const [read] = await deadLetters.get([first!])
      expect(read).toMatchObject({ resentAt: T0 + 5, resentBy: 'olivia', resendOutcome: 'dead-again', errors: [{ path: '/x', message: 'm' }] })
      expect(await deadLetters.resentInto(first!)).toEqual([{ id: again!, reason: 'bad', receivedAt: T0 + 5 }])
      expect((await deadLetters.get([again!]))[0]?.resentFrom).toBe(first)
      expect((await deadLetters.browse(open, undefined, 10)).map((l) => l.id)).toEqual([again])
      expect((await deadLetters.browse({ state: 'resent' }, undefined, 10)).map((l) => l.id)).toEqual([first])
    })

    it('dead messages: listed by last change, requeued once as pending and due now, then listed as resent', async () => {
      const { outbox, deadMessages } = store()
      await outbox.insert([outboxRow('m-1', { ruleId: 'r-a' }), outboxRow('m-2', { ruleId: 'r-b' }), outboxRow('m-3')])
      await outbox.lease(T0, 60_000, 10)
      await outbox.markFinal('m-1', 'dead', T0 + 1, 'unknown email template "x"')
      await outbox.markFinal('m-2', 'dead', T0 + 2, 'no provider for sms')
      expect((await deadMessages.browse(open, undefined, 10)).map((m) => m.id)).toEqual(['m-2', 'm-1'])
      expect((await deadMessages.browse({ ...open, rule: 'r-a', reason: 'TEMPLATE' }, undefined, 10)).map((m) => m.id)).toEqual(['m-1'])
      expect((await deadMessages.browse(open, { at: T0 + 2, kind: 'message', id: 'm-2' }, 10)).map((m) => m.id)).toEqual(['m-1'])
      expect(await deadMessages.browse(open, { at: T0 + 2, kind: 'input', id: 1 }, 10)).toHaveLength(1)
      expect((await deadMessages.get(['m-1', 'm-3']))[0]).toMatchObject({ id: 'm-1', payload: outboxRow('x').payload })

      expect([...(await deadMessages.requeue(['m-1', 'm-3', 'nope'], 'olivia', T0 + 10))]).toEqual(['m-1'])
      expect([...(await deadMessages.requeue(['m-1'], 'olivia', T0 + 11))]).toEqual([])
      expect(await outbox.get('m-1')).toMatchObject({ status: 'pending', attempts: 0, nextAttemptAt: T0 + 10 })
      expect((await outbox.lease(T0 + 10, 60_000, 10)).map((r) => r.id)).toEqual(['m-1'])
      expect((await deadMessages.browse({ state: 'resent' }, undefined, 10)).map((m) => [m.id, m.status, m.resentBy])).toEqual([['m-1', 'sending', 'olivia']])
      expect((await deadMessages.browse(open, undefined, 10)).map((m) => m.id)).toEqual(['m-2'])
    })
  })
}
