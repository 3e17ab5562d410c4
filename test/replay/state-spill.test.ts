// The state spill gives back what was written to it, as a JSON round trip would: whatever the text
// (non-ASCII, lone surrogates, NUL, records far larger than its scratch buffer), whether a state is
// rewritten in its slot, moved to a larger one, or read alone, with its ledger, or as a record.
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { getOwn, type CustomerState } from '../../src/model/customer.ts'
import { StateSpill } from '../../src/replay/memory/StateSpill.ts'
import { FUZZ_SEED as SEED } from '../support/replayTraces.ts'

const text = fc.oneof(fc.string({ maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 20 }), fc.constantFrom('\u0000', '\ud800', 'a\udc00', '\ud83d\ude00', 'é'))
/** Now and then a state far larger than the spill's 64 KiB scratch buffer. */
const big = fc.oneof({ weight: 5, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.integer({ min: 20_000, max: 90_000 }).map((n) => '\u20ac'.repeat(n)) })

const stateOf = (customerId: string, note: string, padding: string, version: number): CustomerState =>
  ({ customerId, traits: { note, padding }, orders: {}, checkouts: {}, counts: {}, recent: [], firings: {}, timers: {}, seen: [note], version, updatedAt: version }) as unknown as CustomerState

describe('the state spill', () => {
  let spill: StateSpill | undefined
  afterEach(() => spill?.close())

  it('reads back what was last written for each id, state and ledger alike', () => {
    const op = fc.oneof(
      fc.record({ write: fc.integer({ min: 0, max: 6 }), note: text, padding: big, ids: fc.array(text, { maxLength: 3 }), link: fc.option(text, { nil: undefined }), partition: fc.integer({ min: 0, max: 15 }) }),
      fc.record({ read: fc.integer({ min: 0, max: 7 }) }),
    )
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        spill?.close()
        const s = new StateSpill()
        spill = s
        const written = new Map<string, { partition: number; state: CustomerState; ids: string[]; link: string | undefined }>()
        let version = 0
        let records = 0
        for (const o of ops) {
          if ('write' in o) {
            const id = `c${o.write}`
            const state = stateOf(id, o.note, o.padding, ++version)
            s.write(id, o.partition, state, { remembered: new Set(o.ids), ...(o.link === undefined ? {} : { link: o.link }) })
            written.set(id, { partition: o.partition, state: JSON.parse(JSON.stringify(state)) as CustomerState, ids: [...new Set(o.ids)], link: o.link })
            continue
          }
          const id = `c${o.read}`
          const expected = written.get(id)
          expect(s.has(id)).toBe(expected !== undefined)
          expect(s.read(id)).toEqual(expected?.state)
          expect(s.partitionOf(id)).toBe(expected?.partition)
          const ledger = s.ledger(id)
          expect(ledger.ids).toEqual(expected?.ids ?? [])
          expect(ledger.link).toBe(expected?.link)
          const record = s.record(id)
          if (record !== undefined) records++
          expect(record?.state).toEqual(expected?.state)
          expect(record?.ledger.ids).toEqual(expected?.ids)
        }
        expect(s.size).toBe(written.size)
        expect(s.traffic).toEqual({ writes: version, reads: records })
      }),
      { seed: SEED, numRuns: 60 },
    )
  })

  it('keeps ids that Object.prototype has as ordinary keys of a state read back', () => {
    const s = new StateSpill()
    spill = s
    const state = stateOf('c', '', '', 1)
    state.orders = JSON.parse('{"__proto__":{"order_id":"__proto__"},"constructor":{"order_id":"constructor"}}') as CustomerState['orders']
    s.write('c', 0, state)
    const back = s.read('c') as CustomerState
    expect(Object.keys(back.orders)).toEqual(['__proto__', 'constructor'])
    expect(getOwn(back.orders, '__proto__')?.order_id).toBe('__proto__')
    expect(getOwn(back.orders, 'toString')).toBeUndefined()
  })
})
