// Segment-shaped messages (ARCHITECTURE.md §4) and the per-shopper buffer that holds them until
// their time comes. Generation runs ahead of the clock (a parcel's delivery is decided when the
// order is placed), so each shopper keeps its future events here, ordered by time.

export interface MessageContext {
  timezone: string
  locale: string
  page?: { path: string; url: string; title: string }
}

export interface IdentifyTraits {
  email: string
  name: string
  phone: string
  locale: string
  timezone: string
  vip?: boolean
  /** YYYY-MM-DD */
  birthday?: string
  created_at?: string
}

export interface IdentifySegmentMessage {
  type: 'identify'
  messageId: string
  userId: string
  timestamp: string
  traits: IdentifyTraits
  context: MessageContext
}

export interface TrackSegmentMessage {
  type: 'track'
  messageId: string
  userId: string
  timestamp: string
  event: string
  properties: Record<string, unknown>
  context: MessageContext
}

export type SegmentMessage = IdentifySegmentMessage | TrackSegmentMessage

/** A message with the keys that order it: time, then shopper, then generation order. */
export interface Scheduled {
  ts: number
  shopper: number
  seq: number
  msg: SegmentMessage
}

export function compareScheduled(a: Scheduled, b: Scheduled): number {
  return a.ts - b.ts || a.shopper - b.shopper || a.seq - b.seq
}

export class Timeline {
  private pending: Scheduled[] = []
  private seq = 0

  constructor(
    private readonly shopper: number,
    private readonly idPrefix: string,
    readonly userId: string,
    /** The trace covers [start, end); anything outside is never emitted. */
    readonly start: number,
    readonly end: number,
    private readonly timezone: string,
    private readonly locale: string,
  ) {}

  /** Whether an instant falls inside the trace (callers skip work for events that never show). */
  inTrace(ts: number): boolean {
    return ts >= this.start && ts < this.end
  }

  track(ts: number, event: string, properties: Record<string, unknown>, page?: MessageContext['page']): void {
    if (!this.inTrace(ts)) return
    const context: MessageContext = { timezone: this.timezone, locale: this.locale }
    if (page) context.page = page
    this.add(ts, (messageId, timestamp) => ({
      type: 'track',
      messageId,
      userId: this.userId,
      timestamp,
      event,
      properties,
      context,
    }))
  }

  identify(ts: number, traits: IdentifyTraits): void {
    if (!this.inTrace(ts)) return
    const context: MessageContext = { timezone: this.timezone, locale: this.locale }
    this.add(ts, (messageId, timestamp) => ({ type: 'identify', messageId, userId: this.userId, timestamp, traits, context }))
  }

  /** Moves every pending message with ts < before into out (unsorted across shoppers). */
  drainBefore(before: number, out: Scheduled[]): void {
    let n = 0
    while (n < this.pending.length && (this.pending[n] as Scheduled).ts < before) out.push(this.pending[n++] as Scheduled)
    if (n > 0) this.pending.splice(0, n)
  }

  get size(): number {
    return this.pending.length
  }

  private add(ts: number, build: (messageId: string, timestamp: string) => SegmentMessage): void {
    const seq = this.seq++
    const item: Scheduled = {
      ts,
      shopper: this.shopper,
      seq,
      msg: build(`${this.idPrefix}_${seq.toString(36)}`, new Date(ts).toISOString()),
    }
    // Pending lists are short (a few open orders), so a backwards insertion scan is cheapest.
    let i = this.pending.length
    while (i > 0 && compareScheduled(this.pending[i - 1] as Scheduled, item) > 0) i--
    this.pending.splice(i, 0, item)
  }
}
