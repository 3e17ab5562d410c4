// Browsing dead letters: input letters and dead messages newest first, filtered, a page at a time
// (keyset: each page starts after the last letter of the one before, however many arrive meanwhile).
import { encodeCursor, letterId, type DeadLetterCursor, type DeadLetterFilter, type DeadLetterSummary } from '../../model/deadLetter.ts'
import type { StoredDeadLetter } from '../../store/operational/DeadLetterStore.ts'
import type { DeadMessage } from '../../store/operational/DeadMessageStore.ts'
import type { OperationalStore } from '../../store/operational/OperationalStore.ts'

export interface DeadLetterDeps {
  ops: Pick<OperationalStore, 'deadLetters' | 'deadMessages'>
}

export function inputSummary(l: StoredDeadLetter): DeadLetterSummary {
  return {
    id: letterId({ kind: 'input', id: l.id }),
    kind: 'input',
    at: l.receivedAt,
    source: l.source,
    reason: l.reason,
    status: l.resentAt === null ? 'open' : 'resent',
    resentAt: l.resentAt,
    resentBy: l.resentBy,
    resendOutcome: l.resendOutcome,
    customerId: null,
    ruleId: null,
    template: null,
  }
}

export function messageSummary(m: DeadMessage): DeadLetterSummary {
  return {
    id: letterId({ kind: 'message', id: m.id }),
    kind: 'message',
    at: m.updatedAt,
    source: m.channel,
    reason: m.lastError ?? '',
    status: m.status,
    resentAt: m.resentAt,
    resentBy: m.resentBy,
    resendOutcome: null,
    customerId: m.customerId,
    ruleId: m.ruleId,
    template: m.template,
  }
}

/**
 * Newest first: time, then messages before input letters, then id, as the stores order them (an
 * input letter's id is a number: "input:10" follows "input:9"; compared as text, a page crossing
 * from 9 to 10 at one time repeated a letter and skipped another).
 */
function newerFirst(a: DeadLetterSummary, b: DeadLetterSummary): number {
  if (a.at !== b.at) return b.at - a.at
  if (a.kind !== b.kind) return a.kind === 'message' ? -1 : 1
  if (a.kind === 'input') return inputNumber(b) - inputNumber(a)
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0
}

const inputNumber = (s: DeadLetterSummary): number => Number(s.id.slice('input:'.length))

function cursorOf(s: DeadLetterSummary): DeadLetterCursor {
  return s.kind === 'input' ? { at: s.at, kind: 'input', id: inputNumber(s) } : { at: s.at, kind: 'message', id: s.id.slice('message:'.length) }
}

export interface DeadLetterPage {
  letters: DeadLetterSummary[]
  /** Pass as cursor for the next page; absent on the last one. */
  next?: string
}

export async function listDeadLetters(deps: DeadLetterDeps, filter: DeadLetterFilter, after: DeadLetterCursor | undefined, limit: number): Promise<DeadLetterPage> {
  const wantInput = filter.kind !== 'message' && filter.rule === undefined
  const wantMessages = filter.kind !== 'input'
  // One more than a page from each kind tells whether another page follows.
  const [inputs, messages] = await Promise.all([
    wantInput ? deps.ops.deadLetters.browse(filter, after, limit + 1) : Promise.resolve([]),
    wantMessages ? deps.ops.deadMessages.browse(filter, after, limit + 1) : Promise.resolve([]),
  ])
  const merged = [...inputs.map(inputSummary), ...messages.map(messageSummary)].sort(newerFirst)
  const letters = merged.slice(0, limit)
  const last = letters.at(-1)
  return merged.length > limit && last ? { letters, next: encodeCursor(cursorOf(last)) } : { letters }
}
