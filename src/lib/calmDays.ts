// Local days that keep one UTC offset, read from the zone's offsets alone. luxon answers the same
// questions through DateTimes that ask Intl for the offset several times each (startOf, plus,
// set); here each offset is asked once. A day whose first and last milliseconds share an offset
// has no offset change (zones do not change twice in a day), so every instant of it has the same
// local date and offset and any answer worked out for one of them holds for all: callers remember
// answers for such a day's span only. Any other day, and any zone luxon does not know, is left to
// luxon per call.
import { Info } from 'luxon'

export const DAY_MS = 86_400_000

/**
 * The start (epoch ms) of the local day in `zone` containing `ms`, when that day and the `days - 1`
 * days after it all keep the offset `ms` has; undefined otherwise.
 */
export function calmDayStart(ms: number, zone: string, days = 1): number | undefined {
  const named = Info.normalizeZone(zone)
  if (!named.isValid || !(Math.abs(ms) <= 8.64e15 - (days + 1) * DAY_MS)) return undefined
  const offset = named.offset(ms) * 60_000
  const start = Math.floor((ms + offset) / DAY_MS) * DAY_MS - offset
  if (!(start <= ms && ms < start + DAY_MS)) return undefined
  for (let day = 0; day < days; day++) {
    const first = start + day * DAY_MS
    if (named.offset(first) * 60_000 !== offset || named.offset(first + DAY_MS - 1) * 60_000 !== offset) return undefined
  }
  return start
}
