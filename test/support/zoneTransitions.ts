// Every UTC-offset change of a time zone in a span of years, found from Intl alone (independent of
// luxon and of the code under test): offsets sampled weekly, each change then bisected to the
// second. Changes and returns within one week would be missed; the IANA data has none since 2000
// (the shortest, Morocco's and Egypt's Ramadan breaks, last weeks).

const formats = new Map<string, Intl.DateTimeFormat>()
const WALL = /^(\d+)\/(\d+)\/(\d+),? (\d+):(\d+):(\d+)$/

/** The zone's UTC offset at `ms`, in ms (Intl prints whole seconds). */
export function zoneOffset(zone: string, ms: number): number {
  let format = formats.get(zone)
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' })
    formats.set(zone, format)
  }
  const m = WALL.exec(format.format(ms))
  if (m === null) throw new Error(`unexpected wall time ${format.format(ms)} in ${zone}`)
  const wall = Date.UTC(Number(m[3]), Number(m[1]) - 1, Number(m[2]), Number(m[4]), Number(m[5]), Number(m[6]))
  return wall - (ms - (((ms % 1000) + 1000) % 1000))
}

export interface Transition {
  /** First whole second with the new offset. */
  at: number
  before: number
  after: number
}

const STEP = 7 * 86_400_000

/** The zone's offset changes in [from, to), in order. */
export function transitions(zone: string, from: number, to: number): Transition[] {
  const out: Transition[] = []
  let t = from
  let offset = zoneOffset(zone, t)
  while (t < to) {
    const next = Math.min(t + STEP, to)
    const nextOffset = zoneOffset(zone, next)
    if (nextOffset !== offset) {
      let lo = t
      let hi = next
      while (hi - lo > 1000) {
        const mid = lo + Math.floor((hi - lo) / 2000) * 1000
        if (zoneOffset(zone, mid) === offset) lo = mid
        else hi = mid
      }
      out.push({ at: hi, before: offset, after: zoneOffset(zone, hi) })
    }
    t = next
    offset = nextOffset
  }
  return out
}
