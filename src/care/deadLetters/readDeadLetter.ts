// One dead letter in full: the reason, the errors with their field paths and the original bytes as
// stored (input), or the message's payload, status and last error (message); for an input letter
// also the letters its resends were refused into.
import { letterId, parseLetterId } from '../../model/deadLetter.ts'
import { inputSummary, messageSummary, type DeadLetterDeps } from './listDeadLetters.ts'

export async function readDeadLetter(deps: DeadLetterDeps, id: string) {
  const ref = parseLetterId(id)
  if (ref === undefined) return undefined
  if (ref.kind === 'input') {
    const [letter] = await deps.ops.deadLetters.get([ref.id])
    if (!letter) return undefined
    const resentInto = await deps.ops.deadLetters.resentInto(letter.id)
    return {
      ...inputSummary(letter),
      errors: letter.errors,
      payload: letter.payload,
      resentFrom: letter.resentFrom === undefined ? null : letterId({ kind: 'input', id: letter.resentFrom }),
      resentInto: resentInto.map((r) => ({ id: letterId({ kind: 'input', id: r.id }), reason: r.reason, at: r.receivedAt })),
    }
  }
  const [message] = await deps.ops.deadMessages.get([ref.id])
  if (!message) return undefined
  return {
    ...messageSummary(message),
    errors: [{ path: '/', message: message.lastError ?? '' }],
    payload: JSON.stringify(message.payload ?? null, null, 2),
    topic: message.topic,
    ruleVersion: message.ruleVersion,
    attempts: message.attempts,
    createdAt: message.createdAt,
    resentFrom: null,
    resentInto: [],
  }
}
