// The per-shopper redelivery memory (CustomerState.seen): a short list is scanned, a long one gets
// a Set beside it. Whatever the lengths, bounds, repeats and read-backs, "already applied" answers
// exactly as the stored list does, the list keeps the latest ids in order, and at most the bound.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { emptyCustomerState, reviveState, type CustomerState } from '../../src/model/customer.ts'
import { alreadyApplied, defaultRetention, rememberSeen } from '../../src/stream/state/reducer.ts'

const seed = process.env.CARELOOP_FUZZ_SEED === undefined ? undefined : Number(process.env.CARELOOP_FUZZ_SEED)
const numRuns = Number(process.env.CARELOOP_FUZZ_RUNS ?? 200)

// Few distinct ids, so repeats are common; hostile ones among them.
const id = fc.oneof(fc.integer({ min: 0, max: 120 }).map((n) => `m${n}`), fc.constantFrom('__proto__', 'constructor', '\u0000', '\ud800', ''))
const step = fc.oneof(
  { weight: 8, arbitrary: fc.array(id, { maxLength: 40, size: 'max' }).map((ids) => ({ kind: 'remember' as const, ids })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'read back' as const }) },
)

describe('the redelivery memory', () => {
  it('answers as its stored list, keeps the latest ids in order and at most the bound', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 80 }), fc.array(step, { maxLength: 30, size: 'max' }), fc.array(id, { minLength: 1, maxLength: 20 }), (bound, steps, probes) => {
        const policy = { ...defaultRetention, seenMessageIds: bound }
        let state: CustomerState = emptyCustomerState('c1')
        const reference: string[] = []
        for (const s of steps) {
          if (s.kind === 'read back') {
            state = reviveState(JSON.parse(JSON.stringify(state)))
            continue
          }
          // Each id checked first, as the engine does before applying an event.
          for (const m of s.ids) expect(alreadyApplied(state, m)).toBe(reference.includes(m))
          rememberSeen(state, s.ids, policy)
          for (const m of s.ids) if (!reference.includes(m)) reference.push(m)
          reference.splice(0, Math.max(0, reference.length - bound))
          expect(state.seen).toEqual(reference)
          for (const m of probes) expect(alreadyApplied(state, m)).toBe(reference.includes(m))
        }
      }),
      { numRuns, ...(seed === undefined ? {} : { seed }) },
    )
  })
})
