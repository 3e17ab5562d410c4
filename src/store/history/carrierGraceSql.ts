// How late each carrier delivers against its own estimate: per carrier, the parcels delivered in
// [from, to), a percentile of (delivered at − the estimate given when shipped), and how many were
// scanned out for delivery before they came (whether the carrier sends such scans at all). Learned grace
// (src/analytics/carrierGrace.ts) comes from it. The estimate is the one of `Order Shipped` (the
// carrier's own first word): later estimates already move the wait they arm.
//
// Dialect as analytics.ts (ClickHouse 18.16 and chDB 26.x): no JSONExtract (visitParam*), one
// JOIN per SELECT level, `ALL INNER JOIN … USING`, no aggregate aliased with a column's own name.
import { sqlNumber, type AnalyticsScope } from './analytics.ts'
import { quoteString } from './escape.ts'
import type { CarrierLatenessRow } from './HistoryStore.ts'
import { toNumber } from './rows.ts'
import { qualified } from './sql.ts'


const str = quoteString

/** A property as text: strings unquoted, numbers as written, null and absent as ''. */
function property(name: string): string {
  const s = `visitParamExtractString(properties, ${str(name)})`
  return `if(${s} != '', ${s}, replaceRegexpAll(visitParamExtractRaw(properties, ${str(name)}), '^null$|^"|"$', ''))`
}

/** Epoch ms (whole seconds for ISO) of an ISO date-time or epoch-ms text; 0 when unreadable. */
// ClickHouse 18.16 reads '' as 2000-01-01, hence the first branch.
export const epochMs = (text: string): string => `multiIf(${text} = '', toInt64(0), match(${text}, '^[0-9]{1,15}$'), toInt64OrZero(${text}), toInt64(toUInt32(parseDateTimeBestEffortOrZero(${text}))) * 1000)`

/** `quantile` in (0, 1): e.g. 0.9 for the 90th percentile. */
export function carrierLatenessQuery(scope: AnalyticsScope, quantile: number): string {
  if (!(quantile > 0 && quantile < 1)) throw new RangeError(`carrierLatenessQuery: quantile must be in (0, 1), got ${quantile}`)
  const events = qualified(scope.database, 'events')
  const level = sqlNumber(quantile)
  const inWindow = `ts_ms >= ${scope.from} AND ts_ms < ${scope.to} AND dt >= toDateTime(intDiv(${scope.from}, 1000)) AND dt <= toDateTime(intDiv(${scope.to}, 1000))`
  const scanned = `visitParamExtractString(properties, ${str('status')}) = ${str('out_for_delivery')}`
  return `SELECT carrier, toUInt64(count()) AS parcels, toInt64(quantileExact(${level})(late_ms)) AS lateness_ms,
  toUInt64(countIf(scanned_at > 0 AND scanned_at <= delivered_at)) AS out_for_delivery
FROM (
  SELECT carrier, late_ms, estimate_ms, delivered_at, scanned_at
  FROM (
    SELECT customer_id, order_key, carrier, delivered_at, delivered_at - estimate_ms AS late_ms, ${epochMs('est_text')} AS estimate_ms
    FROM (
      SELECT customer_id, order_key, min(ts_ms) AS delivered_at
      FROM (SELECT customer_id, ts_ms, ${property('order_id')} AS order_key FROM ${events} WHERE name = 'Order Delivered' AND ${inWindow})
      WHERE order_key != ''
      GROUP BY customer_id, order_key
    ) AS delivered
    ALL INNER JOIN (
      SELECT customer_id, order_key, argMin(shipped_carrier, ts_ms) AS carrier, argMin(estimate_text, ts_ms) AS est_text
      FROM (
        SELECT customer_id, ts_ms, ${property('order_id')} AS order_key, ${property('carrier')} AS shipped_carrier, ${property('estimated_delivery_at')} AS estimate_text
        FROM ${events}
        WHERE name = 'Order Shipped' AND ts_ms < ${scope.to}
      )
      WHERE order_key != '' AND shipped_carrier != '' AND estimate_text != ''
      GROUP BY customer_id, order_key
    ) AS shipped USING (customer_id, order_key)
  ) AS parcels
  ALL LEFT JOIN (
    SELECT customer_id, order_key, min(ts_ms) AS scanned_at
    FROM (SELECT customer_id, ts_ms, ${property('order_id')} AS order_key FROM ${events} WHERE name = 'Shipment Updated' AND ${scanned} AND ts_ms < ${scope.to})
    WHERE order_key != ''
    GROUP BY customer_id, order_key
  ) AS scans USING (customer_id, order_key)
)
WHERE estimate_ms > 0
GROUP BY carrier
ORDER BY carrier`
}

export function toCarrierLateness(row: Record<string, unknown>): CarrierLatenessRow {
  return { carrier: String(row['carrier'] ?? ''), parcels: toNumber(row['parcels'], 'parcels'), latenessMs: toNumber(row['lateness_ms'], 'lateness_ms'), outForDelivery: toNumber(row['out_for_delivery'], 'out_for_delivery') }
}
