// Shoppers live in their own time zones: they browse in their evenings and parcels arrive in
// their daytime. Intl gives the UTC offset (DST included); it is slow, so offsets are cached.

export const MINUTE = 60_000
export const HOUR = 3_600_000
export const DAY = 86_400_000

const formatters = new Map<string, Intl.DateTimeFormat>()
const offsets = new Map<string, Map<number, number>>()
// Offsets are looked up per 3-hour bucket: DST switches land within one bucket of the truth.
const BUCKET = 3 * HOUR

function computeOffset(timezone: string, utcMs: number): number {
  let fmt = formatters.get(timezone)
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', { timeZone: timezone, timeZoneName: 'longOffset' })
    formatters.set(timezone, fmt)
  }
  const name = fmt.formatToParts(utcMs).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT'
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name)
  if (!m) return 0
  const sign = m[1] === '-' ? -1 : 1
  return sign * (Number(m[2]) * HOUR + Number(m[3]) * MINUTE)
}

/** UTC offset of the zone at that instant, in ms (e.g. +8 h for Asia/Shanghai). */
export function offsetMs(timezone: string, utcMs: number): number {
  let byBucket = offsets.get(timezone)
  if (!byBucket) {
    byBucket = new Map()
    offsets.set(timezone, byBucket)
  }
  const bucket = Math.floor(utcMs / BUCKET)
  let off = byBucket.get(bucket)
  if (off === undefined) {
    off = computeOffset(timezone, bucket * BUCKET)
    byBucket.set(bucket, off)
  }
  return off
}

/** UTC instant of local midnight of the local day containing utcMs. */
export function localMidnight(timezone: string, utcMs: number): number {
  const off = offsetMs(timezone, utcMs)
  return Math.floor((utcMs + off) / DAY) * DAY - off
}

/** UTC instant of a local wall-clock time (hours may be fractional) on the local day of utcMs. */
export function atLocalHour(timezone: string, utcMs: number, hour: number): number {
  return localMidnight(timezone, utcMs) + hour * HOUR
}

/** Local calendar date (YYYY-MM-DD), as a shopper would write it in a complaint. */
export function localDate(timezone: string, utcMs: number): string {
  return new Date(utcMs + offsetMs(timezone, utcMs)).toISOString().slice(0, 10)
}

/** Local hour of day (0–23.99) for the instant. */
export function localHour(timezone: string, utcMs: number): number {
  const off = offsetMs(timezone, utcMs)
  return (((utcMs + off) % DAY) + DAY) % DAY / HOUR
}
