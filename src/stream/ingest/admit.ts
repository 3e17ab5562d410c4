// The ingest path every shop message takes in: decoded by the shared decoder, the valid ones made
// durable through the sink, the invalid ones parked as dead letters with their field paths. HTTP
// ingest and resent dead letters both go through here, so both are judged the same way.
import type { FieldError } from '../../rules/index.ts'
import type { DeadLetterStore } from '../../store/operational/DeadLetterStore.ts'
import { decodeMessage, messageIdOf } from '../decode.ts'
import type { IngestMessage, IngestSink } from './IngestSink.ts'

export interface Arrival {
  message: unknown
  /** Prepended to error paths (e.g. /batch/3). */
  prefix: string
  /** What a dead letter keeps (default: the message as JSON); a function is called only for a refused message. */
  payload?: string | (() => string)
  /**
   * The log's duplicate key when it must differ from the messageId: a resent letter whose event
   * the log already holds must reach the engine again (which applies a messageId once).
   */
  logKey?: string
  /** The dead letter this arrival resends. */
  resentFrom?: number
  /** Source named on its dead letter, when not the options' one. */
  source?: string
}

export interface AdmitOptions {
  sink: IngestSink
  deadLetters: DeadLetterStore
  receivedAt: number
  /** Source named on dead letters. */
  source: string
}

export interface Admitted {
  stored: number
  duplicates: number
  /** Index into the arrivals, its errors and the dead letter that now holds it. */
  rejected: Array<{ index: number; errors: FieldError[]; letterId: number }>
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

export const reasonOf = (errors: readonly FieldError[]): string => errors.map((e) => `${e.path}: ${e.message}`).join('; ')

export async function admit(arrivals: readonly Arrival[], options: AdmitOptions): Promise<Admitted> {
  const { receivedAt } = options
  const accepted: IngestMessage[] = []
  const refused: Array<{ index: number; errors: FieldError[] }> = []
  arrivals.forEach((arrival, index) => {
    const message = arrival.message
    const result = decodeMessage(message, receivedAt, arrival.prefix)
    if (!result.ok) {
      refused.push({ index, errors: result.errors })
      return
    }
    // A derived messageId is written into the logged message, so every later reader sees it.
    const body = isObject(message) && messageIdOf(message) !== message.messageId ? { ...message, messageId: result.event.messageId } : message
    accepted.push({ messageId: arrival.logKey ?? result.event.messageId, customerId: result.event.customerId, receivedAt, body })
  })
  const { stored, duplicates } = await options.sink.accept(accepted)
  const letterIds = await options.deadLetters.add(
    refused.map((r) => {
      const arrival = arrivals[r.index] as Arrival
      return {
        source: arrival.source ?? options.source,
        receivedAt,
        reason: reasonOf(r.errors),
        errors: r.errors,
        payload: (typeof arrival.payload === 'function' ? arrival.payload() : arrival.payload) ?? JSON.stringify(arrival.message) ?? 'undefined',
        ...(arrival.resentFrom !== undefined ? { resentFrom: arrival.resentFrom } : {}),
      }
    }),
  )
  const rejected = refused.map((r, i) => ({ ...r, letterId: letterIds[i] as number }))
  return { stored, duplicates, rejected }
}
