// Poison isolation: one input (event, timer, scheduled customer) that throws while being
// processed becomes a dead letter, and the batch is built again without it. Store failures are
// not inputs' faults: they propagate, and the source retries the whole batch later.
import { BatchWork, describeError, PoisonError } from './BatchWork.ts'
import { decodeBytes, decodeMessage, type DecodeResult } from '../decode.ts'
import type { ShopEvent } from '../../model/event.ts'
import type { MergeRecord, MergeRequest } from '../../model/identity.ts'
import { readHandoff } from '../identity/handoff.ts'
import type { SourceRecord } from '../source/EventSource.ts'

/** Runs one input's processing; what it throws marks that input (by `key`) as poison. */
export function asInput(key: string | number, fn: () => void): void {
  try {
    fn()
  } catch (err) {
    throw new PoisonError(key, err)
  }
}

export interface IsolationHooks {
  /** Forget what a thrown-away build changed (cached customer states). */
  discard(work: BatchWork): void
  onPoison(key: string | number, cause: unknown): void
}

/**
 * Builds a batch's work; when one input throws, the half-built work is discarded and the batch
 * is built again with that input marked as poison (the builder turns it into a dead letter).
 * Each round marks one more input, so this ends; an input failing again after being marked, or
 * anything that is not an input's failure, propagates.
 */
export async function buildIsolated<K extends string | number>(build: (work: BatchWork, poison: ReadonlyMap<K, unknown>) => Promise<void>, hooks: IsolationHooks): Promise<BatchWork> {
  const poison = new Map<K, unknown>()
  for (;;) {
    const work = new BatchWork()
    try {
      await build(work, poison)
      return work
    } catch (err) {
      hooks.discard(work)
      if (!(err instanceof PoisonError) || poison.has(err.key as K)) throw err
      poison.set(err.key as K, err.cause)
      hooks.onPoison(err.key, err.cause)
    }
  }
}

/** A decoded source record: a shop event (forwarded ones already re-keyed), or a merge step. */
export type DecodedInput = { record: SourceRecord; event: ShopEvent; merge?: undefined } | { record: SourceRecord; merge: MergeRequest | MergeRecord; event?: undefined }

function decodeOne(record: SourceRecord): DecodeResult | { ok: true; merge: MergeRequest | MergeRecord } {
  if (record.decoded !== undefined) return { ok: true, event: record.decoded }
  const handoff = readHandoff(record.value)
  if (handoff === undefined) {
    // Kafka hands over raw text; the embedded log already holds parsed JSON.
    return typeof record.value === 'string' || Buffer.isBuffer(record.value) ? decodeBytes(record.value, record.receivedAt) : decodeMessage(record.value, record.receivedAt)
  }
  if (!handoff.ok) return handoff
  if (handoff.handoff.type !== 'careloop.forward') return { ok: true, merge: handoff.handoff }
  const inner = decodeMessage(handoff.handoff.message, record.receivedAt, '/message')
  return inner.ok ? { ok: true, event: { ...inner.event, customerId: handoff.handoff.userId } } : inner
}

/** Names a source record within a step that may hold several partitions' records. */
export function recordKey(record: SourceRecord): string {
  return `${record.partition}@${record.offset}`
}

/** Decodes records; poisoned and undecodable ones become dead letters in `work`. */
export function decodeRecords(records: readonly SourceRecord[], poison: ReadonlyMap<string, unknown>, work: BatchWork, source: string): DecodedInput[] {
  const decoded: DecodedInput[] = []
  for (const record of records) {
    const key = poison.size > 0 ? recordKey(record) : undefined
    if (key !== undefined && poison.has(key)) {
      addDeadLetter(work, record, source, `processing failed: ${describeError(poison.get(key))}`)
      continue
    }
    let result: ReturnType<typeof decodeOne>
    try {
      result = decodeOne(record)
    } catch (err) {
      result = { ok: false, errors: [{ path: '/', message: `could not be decoded: ${describeError(err)}` }] }
    }
    if ('repaired' in result && result.repaired) work.repairedText += result.repaired
    if (!result.ok) addDeadLetter(work, record, source, result.errors.map((e) => `${e.path}: ${e.message}`).join('; '), result.errors)
    else if ('merge' in result) decoded.push({ merge: result.merge, record })
    else decoded.push({ event: result.event, record })
  }
  return decoded
}

/** Parks a source record with its original bytes and the reason. */
export function addDeadLetter(work: BatchWork, record: SourceRecord, source: string, reason: string, errors: unknown = [{ path: '/', message: reason }]): void {
  const value = record.value
  work.deadLetters.push({
    source,
    receivedAt: record.receivedAt,
    reason,
    errors,
    payload: typeof value === 'string' ? value : Buffer.isBuffer(value) ? value.toString('utf8') : (JSON.stringify(value) ?? String(value)),
  })
  work.deadRecords.push(record)
}
