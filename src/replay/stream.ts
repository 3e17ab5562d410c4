// Streaming replay: the trace is read as it is replayed, so a month of a large shop never sits in
// memory whole. Messages pass a bounded reorder buffer (a trace written by several producers is
// nearly, not exactly, in time order); the order they are replayed in is the order prepareTrace's
// full sort gives, as long as no message is displaced by more than the buffer's size. A message
// displaced further is rejected with its index, as an invalid one is, and the replay goes on.
import { ReorderBuffer } from './ReorderBuffer.ts'
import { Sandbox } from './Sandbox.ts'
import type { DecisionLine } from './lines.ts'
import { countLine, drive, prepareMessage, summarize, type PreparedEvent, type RejectedMessage, type ReplayOptions, type ReplayResult } from './replay.ts'

import { DEFAULT_DEDUPE_WINDOW, DEFAULT_REORDER_WINDOW } from './windows.ts'

export { DEFAULT_DEDUPE_WINDOW, DEFAULT_REORDER_WINDOW }
/** Rejected messages kept with their errors (the rest are only counted). */
const KEPT_REJECTIONS = 100

export interface StreamCounts {
  events: number
  rejected: number
  duplicates: number
  /** The first rejected messages, with their errors. */
  rejections: RejectedMessage[]
  first: number | undefined
  last: number | undefined
}

/** A message waiting in the reorder buffer: its time and position in the stream, and the event. */
interface Held {
  ts: number
  index: number
  event: PreparedEvent
}

const before = (a: Held, b: Held): boolean => a.ts < b.ts || (a.ts === b.ts && a.index < b.index)

/**
 * Valid messages of a stream (read in batches, as a file is read in chunks) in replay order (time,
 * then position), duplicates dropped (the first in time order stays), as prepareTrace orders a
 * whole trace; `counts` is filled in as it goes. Yields the events released by each batch, so the
 * consumer awaits once a batch, not once an event.
 */
export async function* orderedEvents(batches: AsyncIterable<readonly unknown[]>, counts: StreamCounts, window = DEFAULT_REORDER_WINDOW, dedupeWindow = DEFAULT_DEDUPE_WINDOW): AsyncGenerator<PreparedEvent[]> {
  const held = new ReorderBuffer<Held>(before)
  const seen = new Set<string>()
  // The ids in `seen`, in the order they were replayed (a ring: the oldest is forgotten first).
  const remembered: string[] = []
  let oldest = 0
  let lastOut: Held | undefined
  const reject = (r: RejectedMessage): void => {
    counts.rejected++
    if (counts.rejections.length < KEPT_REJECTIONS) counts.rejections.push(r)
  }
  const release = (keep: number, out: PreparedEvent[]): void => {
    while (held.size > keep) {
      const e = held.pop() as Held
      lastOut = e
      const id = e.event.messageId
      if (seen.has(id)) {
        counts.duplicates++
        continue
      }
      seen.add(id)
      if (remembered.length < dedupeWindow) remembered.push(id)
      else if (dedupeWindow > 0) {
        seen.delete(remembered[oldest] as string)
        remembered[oldest] = id
        oldest = (oldest + 1) % dedupeWindow
      } else seen.delete(id)
      counts.events++
      counts.first ??= e.ts
      counts.last = e.ts
      out.push(e.event)
    }
  }
  let index = 0
  for await (const batch of batches) {
    const out: PreparedEvent[] = []
    for (const message of batch) {
      const prepared = prepareMessage(message, index)
      if ('errors' in prepared) reject(prepared)
      // A copy of a message already replayed: dropped, as the whole-trace replay drops later copies
      // (and as ingest does, whatever time the copy says).
      else if (seen.has(prepared.messageId)) counts.duplicates++
      else {
        const entry: Held = { ts: prepared.ts, index, event: prepared }
        if (lastOut !== undefined && before(entry, lastOut)) {
          reject({ index, errors: [{ path: `/${index}/timestamp`, message: `is earlier than messages already replayed, more than ${window} messages before it: sort the trace by timestamp` }] })
        } else held.push(entry)
      }
      index++
      release(window, out)
    }
    if (out.length > 0) yield out
  }
  const rest: PreparedEvent[] = []
  release(0, rest)
  if (rest.length > 0) yield rest
}

export interface StreamOptions extends ReplayOptions {
  reorderWindow?: number
  dedupeWindow?: number
  /** Called with the sandbox once it is open (a bench reads what it holds as the replay goes). */
  onSandbox?: (sandbox: Sandbox) => void
}

/**
 * Replays a stream of Segment messages, read in batches (a file's chunks), in a fresh sandbox; the
 * trace is read as it is replayed.
 */
export async function replayStream(messages: AsyncIterable<readonly unknown[]>, options: StreamOptions = {}): Promise<ReplayResult> {
  return replayStreamWith(messages, options, (sandbox) => sandbox.lines())
}

/**
 * Replays a stream and writes each decision line (JSON text, no newline) to `write` in the lines'
 * order, without holding them: lines wait in temp-file runs (lineSort.ts) until the end.
 */
export async function replayStreamTo(messages: AsyncIterable<readonly unknown[]>, write: (line: string) => void, options: StreamOptions = {}): Promise<Omit<ReplayResult, 'lines'>> {
  const counted = { decisions: 0, byRule: {} }
  const { summary, rejected } = await replayStreamWith(messages, options, (sandbox) => {
    for (const text of sandbox.lineTexts()) {
      write(text)
      countLine(counted.byRule, JSON.parse(text) as DecisionLine)
      counted.decisions++
    }
    return []
  }, counted)
  return { summary, rejected }
}

async function replayStreamWith(messages: AsyncIterable<readonly unknown[]>, options: StreamOptions, take: (sandbox: Sandbox) => DecisionLine[], counted?: Parameters<typeof summarize>[4]): Promise<ReplayResult> {
  const counts: StreamCounts = { events: 0, rejected: 0, duplicates: 0, rejections: [], first: undefined, last: undefined }
  const events = orderedEvents(messages, counts, options.reorderWindow, options.dedupeWindow)
  const firstEvent = await events.next()
  const summaryOf = (lines: ReplayResult['lines'], to: number | undefined): ReplayResult => ({
    lines,
    summary: summarize(lines, { events: counts.events, rejected: counts.rejected, duplicates: counts.duplicates }, counts.first, to, counted),
    rejected: counts.rejections,
  })
  if (firstEvent.done) return summaryOf([], undefined)
  const horizon = options.horizonMs ?? 0
  const first = firstEvent.value
  const sandbox = await Sandbox.open({ ...options, start: (first[0] as PreparedEvent).ts })
  options.onSandbox?.(sandbox)
  try {
    async function* all(): AsyncGenerator<PreparedEvent[]> {
      yield first
      yield* events
    }
    // Until the stream ends, the last event is unknown and no step goes past the next event.
    await drive(sandbox, all(), () => (counts.last ?? 0) + horizon, options.onProgress)
    return summaryOf(take(sandbox), (counts.last as number) + horizon)
  } finally {
    await sandbox.close()
  }
}
