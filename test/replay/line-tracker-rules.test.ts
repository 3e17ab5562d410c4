// A skipped nudge's line names the rule of the message it lost to (`suppressedBy`) for as long as
// the send-time guards can read that message's contact: the tracker keeps an outbox id's rule from
// its last use (decided, sent) until it falls behind the contact horizon, and keeps it while the
// message still waits (it may yet win a conflict). Checked against a model that applies that rule
// literally, on random sequences of decisions, sends, skips and clock steps.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { stableHash } from '../../src/lib/hash.ts'
import { LineTracker } from '../../src/replay/lineTracker.ts'
import type { DecisionLine } from '../../src/replay/lines.ts'
import type { SortedLines } from '../../src/replay/lineSort.ts'
import type { DecisionRow, DeliveryRow } from '../../src/store/history/HistoryStore.ts'
import { FUZZ_SEED as SEED } from '../support/replayTraces.ts'

const HORIZON = 100

const decision = (id: string, rule: string, ts: number): DecisionRow => ({ id, signal_id: `s-${id}`, customer_id: 'c', rule_id: rule, rule_version: 1, action: 'nudge', channel: 'email', template: 't', queue: '', priority: 'normal', outcome: 'planned', reason: '', ts })
const delivery = (outboxId: string, status: 'sent' | 'skipped', detail: string, ts: number): DeliveryRow => ({ id: `${outboxId}:${status}:1`, outbox_id: outboxId, customer_id: 'c', channel: 'email', template: 't', status, attempt: 1, detail, ts })

describe('the line tracker', () => {
  it('names the winning rule of a skip while the winner is within the horizon or still waiting', async () => {
    const op = fc.oneof(
      { weight: 3, arbitrary: fc.record({ decide: fc.constantFrom('r1', 'r2', 'r3') }) },
      { weight: 2, arbitrary: fc.record({ send: fc.nat(40) }) },
      { weight: 3, arbitrary: fc.record({ skip: fc.nat(40), by: fc.nat(40) }) },
      { weight: 2, arbitrary: fc.record({ wait: fc.integer({ min: 1, max: 80 }) }) },
    )
    // Short sequences, and long ones that make the tracker drop its used-up entries (past 1,024).
    const ops = fc.oneof({ weight: 9, arbitrary: fc.array(op, { minLength: 20, maxLength: 150 }) }, { weight: 1, arbitrary: fc.array(op, { minLength: 4000, maxLength: 5000 }) })
    await fc.assert(
      fc.asyncProperty(ops, async (ops) => {
        let now = 0
        const lines: DecisionLine[] = []
        const sink = { add: (line: DecisionLine) => lines.push(line) } as unknown as SortedLines
        const tracker = new LineTracker(sink, () => now, (at) => at - HORIZON)
        // The model: outbox id → rule and last use; ids whose message still waits.
        const known = new Map<string, { rule: string; at: number }>()
        const waiting = new Set<string>()
        const decided: Array<{ outboxId: string; rule: string }> = []
        const forget = (): void => {
          for (const [id, use] of known) if (use.at < now - HORIZON) waiting.has(id) ? known.set(id, { rule: use.rule, at: now }) : known.delete(id)
        }
        for (const o of ops) {
          if ('wait' in o) {
            now += o.wait
            continue
          }
          if ('decide' in o) {
            const id = `d${decided.length}`
            const outboxId = stableHash(id)
            decided.push({ outboxId, rule: o.decide })
            await tracker.append({ decisions: [decision(id, o.decide, now)] })
            known.set(outboxId, { rule: o.decide, at: now })
            waiting.add(outboxId)
            forget()
            continue
          }
          const open = decided.filter((d) => waiting.has(d.outboxId))
          const target = open[('send' in o ? o.send : o.skip) % Math.max(1, open.length)]
          if (target === undefined) continue
          if ('send' in o) {
            await tracker.append({ deliveries: [delivery(target.outboxId, 'sent', '', now)] })
            waiting.delete(target.outboxId)
            known.set(target.outboxId, { rule: target.rule, at: now })
          } else {
            const by = decided[o.by % decided.length] as { outboxId: string; rule: string }
            const expected = known.get(by.outboxId)?.rule ?? by.outboxId
            await tracker.append({ deliveries: [delivery(target.outboxId, 'skipped', `frequency: too many messages [by ${by.outboxId}]`, now)] })
            waiting.delete(target.outboxId)
            expect(lines.at(-1)?.suppressedBy).toBe(expected)
          }
          forget()
        }
      }),
      { numRuns: 300, ...(SEED === undefined ? {} : { seed: SEED }) },
    )
  })
})
