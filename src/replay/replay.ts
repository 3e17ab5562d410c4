// Replay: runs a trace of Segment messages through a sandboxed engine while the clock follows event
// time. Each step sets the clock to the next thing that happens — an event, a timer coming due, a
// held message's release, a scheduled-care time — and runs what a live engine's loops would run at
// that moment, so timers fire at their due time and held messages go when due. Days of shop life
// take seconds, and the same trace and rules always give the same lines.
import { decodeMessage } from '../stream/decode.ts'
import type { ShopEvent } from '../model/event.ts'
import type { FieldError } from '../rules/index.ts'
import type { DecisionLine } from './lines.ts'
import { LaterEvents } from './moments.ts'
import { Sandbox, type SandboxOptions } from './Sandbox.ts'

export interface PreparedEvent {
  messageId: string
  customerId: string
  ts: number
  body: unknown
  /** The shopper's time zone, if the message names one (scheduled care wakes up in it). */
  zone: string | undefined
  /** The message decoded (the engine takes it as it is instead of decoding the body again). */
  event: ShopEvent
}

export interface RejectedMessage {
  index: number
  errors: FieldError[]
}

export interface ReplayOptions extends Omit<SandboxOptions, 'start'> {
  /** Simulated time to run on after the last event, so timers and held messages due after it still run (ms). */
  horizonMs?: number
  /** Called after each step with events processed and the total. */
  onProgress?: (done: number, total: number) => void
}

export interface ReplaySummary {
  events: number
  rejected: number
  /** Messages whose messageId came before: ignored, as ingest ignores them. */
  duplicates: number
  decisions: number
  /** Simulated period: first event to last event + horizon (ISO-8601). */
  from: string | null
  to: string | null
  /** Per rule, per action and outcome: `nudge:sent`, `task:task`, `nudge:skipped:conflict` … */
  byRule: Record<string, Record<string, number>>
}

export interface ReplayResult {
  lines: DecisionLine[]
  summary: ReplaySummary
  rejected: RejectedMessage[]
}

/**
 * Validates messages as ingest does and orders them by event time (stable: equal times keep their
 * order). A replay needs each message's timestamp: without it there is no time to replay it at.
 */
export function prepareTrace(messages: readonly unknown[]): { events: PreparedEvent[]; rejected: RejectedMessage[]; duplicates: number } {
  const events: Array<PreparedEvent & { index: number }> = []
  const rejected: RejectedMessage[] = []
  messages.forEach((message, index) => {
    const prepared = prepareMessage(message, index)
    if ('errors' in prepared) rejected.push(prepared)
    else events.push({ ...prepared, index })
  })
  events.sort((a, b) => a.ts - b.ts || a.index - b.index)
  // A repeated messageId is ignored, as ingest's log ignores it: the first in time order stays.
  const seen = new Set<string>()
  const unique = events.filter((e) => !seen.has(e.messageId) && Boolean(seen.add(e.messageId)))
  return { events: unique.map(({ index: _index, ...e }) => e), rejected, duplicates: events.length - unique.length }
}

/** One message validated as ingest does, with the time to replay it at, or why it cannot be replayed. */
export function prepareMessage(message: unknown, index: number): PreparedEvent | RejectedMessage {
  const result = decodeMessage(message, 0, `/${index}`)
  if (!result.ok) return { index, errors: result.errors }
  if (typeof (message as { timestamp?: unknown }).timestamp !== 'string') {
    return { index, errors: [{ path: `/${index}/timestamp`, message: 'is required for a replay (the clock follows it)' }] }
  }
  const { event } = result
  const zone = [event.context.timezone, event.type === 'identify' ? event.properties.timezone : undefined].find((z): z is string => typeof z === 'string' && z !== '')
  return { messageId: event.messageId, customerId: event.customerId, ts: event.ts, body: message, zone, event }
}

/**
 * Steps a sandbox through prepared events (in time order; an array, or a stream read as it goes)
 * up to `end`: at each step the clock moves to the earliest of the next event and the sandbox's
 * next wake-up, the events of that moment are ingested — with, where the sandbox lets steps span
 * moments, a few of the next moments' events before its momentLimit — and one tick runs; events
 * the tick did not take come first in the next step. The clock never goes back. `end` may be a
 * function: a streamed trace knows its last event only once it is read.
 */
export async function drive(
  sandbox: Sandbox,
  events: readonly PreparedEvent[] | AsyncIterable<readonly PreparedEvent[]>,
  end: number | (() => number),
  onProgress?: (done: number, total: number) => void,
): Promise<void> {
  const whole = Array.isArray(events)
  const source = whole ? undefined : (events as AsyncIterable<readonly PreparedEvent[]>)[Symbol.asyncIterator]()
  /** The events at hand: the whole array, or the stream's current batch. */
  let chunk: readonly PreparedEvent[] = whole ? (events as readonly PreparedEvent[]) : NONE_CARRIED
  let pos = 0
  let ended = whole
  /** Events taken from the array or the stream so far. */
  let i = 0
  const refill = async (): Promise<void> => {
    while (pos >= chunk.length && !ended) {
      const next = await (source as AsyncIterator<readonly PreparedEvent[]>).next()
      if (next.done) ended = true
      else {
        chunk = next.value
        pos = 0
      }
    }
  }
  await refill()
  /** Events ingested that a tick did not take, in order: they come before the next from the source. */
  let carried: readonly PreparedEvent[] = NONE_CARRIED
  let carriedAt = 0
  const peek = (): PreparedEvent | undefined => (carriedAt < carried.length ? carried[carriedAt] : chunk[pos])
  /** The next event: at once from carried events or the batch at hand (no promise per event), else after reading the next batch. */
  const take = (): PreparedEvent | Promise<PreparedEvent> => {
    if (carriedAt < carried.length) return carried[carriedAt++] as PreparedEvent
    const taken = chunk[pos++] as PreparedEvent
    i++
    if (pos < chunk.length || ended) return taken
    return refill().then(() => taken)
  }
  const done = (): number => i - (carried.length - carriedAt)
  const total = (): number => (whole ? chunk.length : i)
  const later = new LaterEvents()
  // One array for every step's events: ingest copies them into records.
  const batch: PreparedEvent[] = []
  let turned = performance.now()
  for (;;) {
    if (performance.now() - turned >= TURN_EVERY_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve))
      turned = performance.now()
    }
    const nextEvent = peek()?.ts
    const wake = await sandbox.nextWake(nextEvent)
    if (nextEvent === undefined && wake === undefined) break
    const at = Math.min(nextEvent ?? Infinity, wake ?? Infinity)
    const last = typeof end === 'number' ? end : end()
    if (at > last) break
    if (at > sandbox.clock.now()) sandbox.clock.set(at)
    const now = sandbox.clock.now()
    batch.length = 0
    while ((peek()?.ts ?? Infinity) <= now) {
      const next = take()
      batch.push(next instanceof Promise ? await next : next)
    }
    const moment = batch.length
    if (moment > 0) {
      const limit = Math.min(sandbox.momentLimit(), last + 1)
      while (batch.length - moment < later.limit && (peek()?.ts ?? Infinity) < limit) {
        const next = take()
        batch.push(next instanceof Promise ? await next : next)
      }
      sandbox.ingest(batch)
    }
    const taken = await sandbox.tick()
    if (batch.length > moment) {
      later.took(taken - moment)
      carried = notTaken(batch, taken, carried, carriedAt)
      carriedAt = 0
    }
    if (batch.length > 0) onProgress?.(done(), total())
  }
  onProgress?.(done(), total())
}

const NONE_CARRIED: readonly PreparedEvent[] = Object.freeze([])

/**
 * Once the trace is read, the loop runs on promises alone, which never let the event loop turn: a
 * signal (Ctrl-C, whose handler removes the temp files) would wait for the end of the replay.
 */
const TURN_EVERY_MS = 50

/** The step's events from `taken` on, then the carried events it was not offered, in order. */
function notTaken(batch: readonly PreparedEvent[], taken: number, carried: readonly PreparedEvent[], carriedAt: number): readonly PreparedEvent[] {
  if (taken >= batch.length && carriedAt >= carried.length) return NONE_CARRIED
  const rest = batch.slice(taken)
  for (let j = carriedAt; j < carried.length; j++) rest.push(carried[j] as PreparedEvent)
  return rest
}

/** Adds a line to the counts per rule and outcome. */
export function countLine(byRule: ReplaySummary['byRule'], line: Pick<DecisionLine, 'rule' | 'action' | 'outcome' | 'guard'>): void {
  const key = [line.action, line.outcome, ...(line.outcome === 'skipped' || line.outcome === 'suppressed' ? [line.guard] : [])].join(':')
  const counts = (byRule[line.rule] ??= {})
  counts[key] = (counts[key] ?? 0) + 1
}

/** Counts lines per rule and outcome (`decisions`: lines already counted into `byRule`, if given). */
export function summarize(
  lines: readonly DecisionLine[],
  counts: { events: number; rejected: number; duplicates: number },
  from: number | undefined,
  to: number | undefined,
  counted?: { decisions: number; byRule: ReplaySummary['byRule'] },
): ReplaySummary {
  const byRule: ReplaySummary['byRule'] = counted?.byRule ?? {}
  for (const line of lines) countLine(byRule, line)
  const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString())
  return { ...counts, decisions: lines.length + (counted?.decisions ?? 0), from: iso(from), to: iso(to), byRule }
}

/** Replays Segment messages in a fresh sandbox and returns its decision lines. */
export async function replayTrace(messages: readonly unknown[], options: ReplayOptions = {}): Promise<ReplayResult> {
  const { events, rejected, duplicates } = prepareTrace(messages)
  const counts = { events: events.length, rejected: rejected.length, duplicates }
  const from = events[0]?.ts
  const last = events[events.length - 1]?.ts
  const to = last === undefined ? undefined : last + (options.horizonMs ?? 0)
  if (from === undefined || to === undefined) return { lines: [], summary: summarize([], counts, undefined, undefined), rejected }
  const sandbox = await Sandbox.open({ ...options, start: from })
  try {
    await drive(sandbox, events, to, options.onProgress)
    const lines = sandbox.lines()
    return { lines, summary: summarize(lines, counts, from, to), rejected }
  } finally {
    await sandbox.close()
  }
}

/** One JSON object per line, newline-terminated. */
export function toJsonl(lines: readonly DecisionLine[]): string {
  return lines.map((line) => `${JSON.stringify(line)}\n`).join('')
}
