// A seedable synthetic shop trace: Segment Identify/Track messages (ARCHITECTURE.md §4) for a
// population of shoppers, in timestamp order. Same seed and options → identical trace.
//
// The trace is produced window by window (6 h of shop time): each shopper plans the local days
// that start before the window's end, and the window's messages are merged and sorted. Memory
// holds one window plus each shopper's scheduled follow-ups, so millions of events stream fine.
import { DAY, HOUR } from './localtime.ts'
import { compareScheduled, type Scheduled, type SegmentMessage } from './message.ts'
import { Rng } from './random.ts'
import { ShopperSim } from './sim.ts'
import type { Shopper } from './shopper.ts'

export type {
  IdentifySegmentMessage,
  IdentifyTraits,
  MessageContext,
  SegmentMessage,
  TrackSegmentMessage,
} from './message.ts'
export type { Shopper, ShopperKind } from './shopper.ts'

export interface TraceOptions {
  seed: number
  shoppers: number
  /** Length of the trace in days (default 30). */
  days?: number
  /** Start of the trace, epoch ms (default 2026-01-05T00:00:00Z, a Monday). */
  start?: number
  /** Price in each shopper's local currency instead of USD (default false). */
  localCurrency?: boolean
}

export const DEFAULT_START = Date.UTC(2026, 0, 5)
export const DEFAULT_DAYS = 30
const WINDOW = 6 * HOUR

interface Resolved {
  seed: number
  shoppers: number
  days: number
  start: number
  end: number
  localCurrency: boolean
}

function resolve(options: TraceOptions): Resolved {
  const days = options.days ?? DEFAULT_DAYS
  const start = options.start ?? DEFAULT_START
  if (!Number.isFinite(options.seed)) throw new Error('seed must be a number')
  if (!Number.isInteger(options.shoppers) || options.shoppers < 0) throw new Error('shoppers must be a non-negative integer')
  if (!(days > 0)) throw new Error('days must be positive')
  if (!Number.isFinite(start)) throw new Error('start must be epoch milliseconds')
  return { seed: options.seed, shoppers: options.shoppers, days, start, end: start + days * DAY, localCurrency: options.localCurrency ?? false }
}

function createSims(o: Resolved): ShopperSim[] {
  const root = new Rng(o.seed)
  // The start goes into ids so a shifted re-run (--now) is not mistaken for a redelivery.
  const runTag = `${o.seed}_${Math.floor(o.start / 60_000).toString(36)}`
  const sims: ShopperSim[] = []
  for (let i = 0; i < o.shoppers; i++) {
    sims.push(new ShopperSim(root.fork(i), i, { seed: o.seed, start: o.start, end: o.end, days: o.days, localCurrency: o.localCurrency, runTag }))
  }
  return sims
}

/** Streams the trace in timestamp order without holding it all in memory. */
export function* traceIterator(options: TraceOptions): Generator<SegmentMessage, void, undefined> {
  for (const window of traceWindows(options)) yield* window
}

/** The trace as time-ordered chunks (one per 6 h window): handy for batching and progress. */
export function* traceWindows(options: TraceOptions): Generator<SegmentMessage[], void, undefined> {
  const o = resolve(options)
  const sims = createSims(o)
  const buf: Scheduled[] = []
  for (let from = o.start; from < o.end; from += WINDOW) {
    const to = Math.min(o.end, from + WINDOW)
    buf.length = 0
    for (const sim of sims) {
      sim.advanceTo(to)
      sim.drainBefore(to, buf)
    }
    buf.sort(compareScheduled)
    yield buf.map((s) => s.msg)
  }
}

/** The whole trace as an array, sorted by timestamp. */
export function generateTrace(options: TraceOptions): SegmentMessage[] {
  const out: SegmentMessage[] = []
  for (const window of traceWindows(options)) for (const m of window) out.push(m)
  return out
}

/** The shoppers a trace is generated for (profiles only; cheap, no events). */
export function traceShoppers(options: TraceOptions): Shopper[] {
  return createSims(resolve(options)).map((s) => s.shopper)
}

/** Event name → count; identify messages count as "Identify" (the engine's name for them). */
export function countByEvent(messages: Iterable<SegmentMessage>): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const m of messages) {
    const name = m.type === 'track' ? m.event : 'Identify'
    counts[name] = (counts[name] ?? 0) + 1
  }
  return counts
}
