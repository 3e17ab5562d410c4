// Resending dead letters after a fix (ops): input letters go back through the ingest path as new
// events would, with their original messageId so the engine applies each once; one refused again
// becomes a new letter with the new reason (nothing is lost). Dead messages go back to the outbox
// as pending, where consent, caps and quiet hours are checked at send time as always. Each resend
// is marked on the letter and written to the audit log.
import type { Clock } from '../../lib/clock.ts'
import { HISTORY_LETTER_SOURCE, letterId, MAX_RESEND, NOT_RESENDABLE_SOURCES, parseLetterId, type DeadLetterFilter, type ResendOutcome, type ResendResult } from '../../model/deadLetter.ts'
import { RESERVED_MESSAGE_ID_PREFIX } from '../../model/identity.ts'
import { actorName, type Actor } from '../../store/operational/AuditStore.ts'
import type { OperationalStore } from '../../store/operational/OperationalStore.ts'
import { admit, type Arrival } from '../../stream/ingest/admit.ts'
import type { IngestSink } from '../../stream/ingest/IngestSink.ts'
import { listDeadLetters } from './listDeadLetters.ts'

export interface ResendDeps {
  ops: Pick<OperationalStore, 'deadLetters' | 'deadMessages' | 'rules'>
  sink: IngestSink
  clock: Clock
}

export type ResendRequest = { ids: readonly string[] } | { filter: DeadLetterFilter }

export interface ResendReport {
  results: ResendResult[]
  /** Resend by filter: more letters matched than one call resends. */
  more: boolean
}

/** The log's duplicate key of a letter's resend: one per letter, never a shop's messageId. */
const resendKey = (id: number): string => `${RESERVED_MESSAGE_ID_PREFIX}resend:${id}`

function parsed(payload: string): unknown {
  try {
    return JSON.parse(payload)
  } catch {
    return payload
  }
}

function notResendable(source: string): string {
  return source === HISTORY_LETTER_SOURCE
    ? 'a history letter holds rows the history store refused, not a shop message; the letter keeps them for inspection'
    : `a ${source} letter is not a shop message; its work is redone by the engine, not by a resend`
}

async function resendInput(deps: ResendDeps, ids: readonly number[], actor: string, now: number): Promise<ResendResult[]> {
  const letters = new Map((await deps.ops.deadLetters.get(ids)).map((l) => [l.id, l]))
  const results = new Map<number, ResendResult>()
  const arrivals: Arrival[] = []
  for (const id of ids) {
    const letter = letters.get(id)
    const shown = letterId({ kind: 'input', id })
    if (!letter) results.set(id, { id: shown, outcome: 'not-found' })
    else if (NOT_RESENDABLE_SOURCES.has(letter.source)) results.set(id, { id: shown, outcome: 'not-resendable', reason: notResendable(letter.source) })
    else arrivals.push({ message: parsed(letter.payload), prefix: '', payload: letter.payload, logKey: resendKey(id), resentFrom: id, source: letter.source })
  }
  const { rejected } = await admit(arrivals, { sink: deps.sink, deadLetters: deps.ops.deadLetters, receivedAt: now, source: 'resend' })
  const refused = new Map(rejected.map((r) => [r.index, r]))
  arrivals.forEach((arrival, index) => {
    const id = arrival.resentFrom as number
    const again = refused.get(index)
    results.set(
      id,
      again
        ? { id: letterId({ kind: 'input', id }), outcome: 'dead-again', reason: again.errors.map((e) => `${e.path}: ${e.message}`).join('; '), newId: letterId({ kind: 'input', id: again.letterId }) }
        : { id: letterId({ kind: 'input', id }), outcome: 'accepted' },
    )
  })
  const marks = arrivals.map((a) => ({ id: a.resentFrom as number, outcome: (results.get(a.resentFrom as number) as ResendResult).outcome }))
  await deps.ops.deadLetters.markResent(marks, actor, now)
  return ids.map((id) => results.get(id) as ResendResult)
}

async function resendMessages(deps: ResendDeps, ids: readonly string[], actor: string, now: number): Promise<ResendResult[]> {
  const requeued = await deps.ops.deadMessages.requeue(ids, actor, now)
  const rest = ids.filter((id) => !requeued.has(id))
  const known = new Map((await deps.ops.deadMessages.get(rest)).map((m) => [m.id, m]))
  return ids.map((id): ResendResult => {
    const shown = letterId({ kind: 'message', id })
    if (requeued.has(id)) return { id: shown, outcome: 'requeued' }
    const message = known.get(id)
    return message ? { id: shown, outcome: 'not-dead', reason: `the message is ${message.status}` } : { id: shown, outcome: 'not-found' }
  })
}

export async function resendDeadLetters(deps: ResendDeps, request: ResendRequest, actor: Actor): Promise<ResendReport> {
  const now = deps.clock.now()
  let ids: string[]
  let more = false
  if ('ids' in request) ids = [...new Set(request.ids)]
  else {
    const page = await listDeadLetters(deps, request.filter, undefined, MAX_RESEND)
    ids = page.letters.map((l) => l.id)
    more = page.next !== undefined
  }
  const refs = ids.map((id) => ({ id, ref: parseLetterId(id) }))
  const inputIds = refs.flatMap((r) => (r.ref?.kind === 'input' ? [r.ref.id] : []))
  const messageIds = refs.flatMap((r) => (r.ref?.kind === 'message' ? [r.ref.id] : []))
  const name = actorName(actor)
  const byId = new Map<string, ResendResult>()
  for (const r of await resendInput(deps, inputIds, name, now)) byId.set(r.id, r)
  for (const r of await resendMessages(deps, messageIds, name, now)) byId.set(r.id, r)
  const results = ids.map((id) => byId.get(id) ?? { id, outcome: 'not-found' as ResendOutcome })
  if (results.length > 0) {
    const outcomes: Record<string, number> = Object.create(null)
    for (const r of results) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1
    await deps.ops.rules.audit.record({
      at: now,
      actor,
      action: 'deadLetter.resend',
      entityType: 'dead_letter',
      entityId: results.length === 1 ? (results[0] as ResendResult).id : `${results.length} letters`,
      details: { outcomes, letters: results.map((r) => ({ id: r.id, outcome: r.outcome, ...(r.newId ? { newId: r.newId } : {}) })), ...('filter' in request ? { filter: request.filter } : {}) },
    })
  }
  return { results, more }
}
