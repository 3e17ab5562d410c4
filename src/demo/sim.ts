// One shopper's life over the trace, planned a local day at a time so a streaming reader only
// needs the days up to its current window. Every random draw comes from the shopper's own
// stream, in day order, so the result does not depend on how the trace is windowed.
import { DAY, HOUR, MINUTE, localMidnight, offsetMs } from './localtime.ts'
import { Timeline, type Scheduled } from './message.ts'
import type { Rng } from './random.ts'
import { browseSession } from './session.ts'
import { createShopper, type Shopper, type ShopperState } from './shopper.ts'

// Relative chance of starting a session in each local hour: quiet nights, lunch and evening peaks.
const HOUR_WEIGHTS = [
  1.2, 0.6, 0.3, 0.2, 0.2, 0.3, 0.7, 1.4, 2.2, 2.6, 2.8, 3, 3.6, 3.2, 2.8, 2.8, 3, 3.4, 3.8, 4.6, 5.6, 6, 4.8, 2.6,
].map((w, h) => [h, w] as const)

export interface SimOptions {
  seed: number
  start: number
  end: number
  days: number
  localCurrency: boolean
  /** Distinguishes runs with the same seed but another start (e.g. --now) in order and message ids. */
  runTag: string
}

export class ShopperSim {
  readonly shopper: Shopper
  private readonly state: ShopperState
  private nextMidnight: number
  private dayIndex = 0
  private busyUntil = 0
  private joined = false
  private reidentified = false

  constructor(
    rng: Rng,
    index: number,
    private readonly opts: SimOptions,
  ) {
    const userId = `cust_${opts.seed}_${index}`
    this.shopper = createShopper(rng, index, { userId, days: opts.days, start: opts.start, localCurrency: opts.localCurrency })
    const base = `${opts.runTag}_${index}`
    const { timezone, locale } = this.shopper
    this.state = {
      shopper: this.shopper,
      rng,
      timeline: new Timeline(index, `msg_${base}`, userId, opts.start, opts.end, timezone, locale),
      cart: undefined,
      counters: { cart: 0, checkout: 0, order: 0 },
      idBase: base,
    }
    this.nextMidnight = localMidnight(timezone, opts.start)
  }

  /** Plans every local day that begins before t; their events (and follow-ups) become pending. */
  advanceTo(t: number): void {
    while (this.nextMidnight < t && this.nextMidnight < this.opts.end) {
      this.planDay(this.nextMidnight)
      this.dayIndex++
      // +2 h lands inside the next local day even on 23- and 25-hour DST days.
      this.nextMidnight = localMidnight(this.shopper.timezone, this.nextMidnight + DAY + 2 * HOUR)
    }
  }

  drainBefore(t: number, out: Scheduled[]): void {
    this.state.timeline.drainBefore(t, out)
  }

  private planDay(midnight: number): void {
    const { rng, timeline } = this.state
    const s = this.shopper
    const weekday = new Date(midnight + offsetMs(s.timezone, midnight) + 12 * HOUR).getUTCDay()
    const rate = s.sessionsPerDay * (weekday === 0 || weekday === 6 ? 1.3 : 1)
    let n = this.dayIndex >= s.joinDay ? rng.poisson(rate) : 0
    if (!this.joined && this.dayIndex >= s.joinDay) n = Math.max(n, 1)
    const starts: number[] = []
    for (let i = 0; i < n; i++) starts.push(midnight + (rng.weighted(HOUR_WEIGHTS) + rng.next()) * HOUR)
    starts.sort((a, b) => a - b)
    for (let t of starts) {
      if (t < this.opts.start) continue
      // One session at a time: a new one starts a while after the previous one ended.
      t = Math.max(t, this.busyUntil + rng.int(10, 90) * MINUTE)
      if (t >= this.opts.end) break
      if (!this.joined) {
        this.joined = true
        // Never before this day's midnight: earlier windows of the stream are already out.
        const at = Math.max(this.opts.start, midnight, t - rng.int(2, 40) * 1000)
        const traits = { ...s.traits }
        if (!traits.created_at) traits.created_at = new Date(at).toISOString().slice(0, 10)
        s.traits = traits
        timeline.identify(at, traits)
      } else if (!this.reidentified && rng.chance(0.01)) {
        // Now and then a shopper updates their profile (new phone number).
        this.reidentified = true
        s.traits = { ...s.traits, phone: rng.pattern(s.region.phone) }
        timeline.identify(Math.max(midnight, t - rng.int(2, 40) * 1000), s.traits)
      }
      this.busyUntil = browseSession(this.state, t)
    }
  }
}
