// "Reached first": for every inbound contact (a complaint, a helpdesk ticket, a "talk to a person"
// request, a contact an agent logged), was the shopper messaged proactively about the same entity
// before it — and if not, why not. Also every proactive message, and whether any contact or
// problem about its entity followed (a message with neither was needless).
//
// Dialect as analytics.ts (ClickHouse 18.16 and chDB 26.x): one JOIN per SELECT level, nested;
// `ALL LEFT JOIN … USING` with aliased subqueries; no aggregate aliased with a column's own name;
// replays folded by grouping per id. Numbers are SqlNumber fragments so Grafana can use the same
// builders with its variables (dashboards.ts).
import { LATE_PARCEL_PROBLEM } from '../../model/contacts.ts'
import { epochMs } from './carrierGraceSql.ts'
import { quoteString } from './escape.ts'
import { ATTRIBUTION_LOOKBACK_MS, sqlNumber, stableHashSql, type AnalyticsScope, type SqlNumber } from './analytics.ts'
import type { ProactiveMessageRow, ReachedContactRow } from './HistoryStore.ts'
import { toNumber } from './rows.ts'
import { qualified, type TableName } from './sql.ts'

export interface ReachedFirstScope extends AnalyticsScope {
  /** Decisions and messages from here on may have reached a contact of [from, to) first. */
  lookbackFrom: SqlNumber
  /**
   * How long after a contact a decision or send still explains the miss ("too late", "sent
   * after"), and how long after a message a contact or problem makes it needed.
   */
  followMs: SqlNumber
  /** Event names that are inbound contacts (Complaint Filed, Ticket Created …); at least one. */
  inbound: readonly string[]
  /** Event names that are a problem with the entity after a message (Return Requested …); LATE_PARCEL_PROBLEM for late parcels. */
  problems: readonly string[]
}

/** The contact outcomes, in the order they are tested. */
export const REACHED_OUTCOMES = ['reached', 'sent_after', 'held', 'too_late', 'no_rule'] as const

/** Event properties naming the entity a contact is about, first present wins. */
export const CONTACT_ENTITY_PROPERTIES = ['order_id', 'checkout_id', 'return_id'] as const

const str = quoteString
const H = stableHashSql

function table(scope: AnalyticsScope, name: TableName): string {
  return qualified(scope.database, name)
}

function range(lo: string, hi: string): string {
  return `ts_ms >= ${lo} AND ts_ms < ${hi} AND dt >= toDateTime(intDiv(${lo}, 1000)) AND dt <= toDateTime(intDiv(${hi}, 1000))`
}

/** A property as text: strings unquoted, numbers as written, null and absent as ''. */
function property(name: string): string {
  const s = `visitParamExtractString(properties, ${str(name)})`
  return `if(${s} != '', ${s}, replaceRegexpAll(visitParamExtractRaw(properties, ${str(name)}), '^null$|^"|"$', ''))`
}

const ENTITY = `multiIf(${CONTACT_ENTITY_PROPERTIES.slice(0, -1).map((p) => `e_${p} != '', e_${p}`).join(', ')}, e_${CONTACT_ENTITY_PROPERTIES.at(-1)})`

/** Events of the given names in [lo, hi) as (contact_id, c_kind, cust, ent, c_ts). */
function namedEvents(scope: AnalyticsScope, names: readonly string[], lo: string, hi: string): string {
  return `SELECT message_id AS contact_id, name AS c_kind, customer_id AS cust, ${ENTITY} AS ent, ts_ms AS c_ts
  FROM (
    SELECT message_id, name, customer_id, ts_ms, ${CONTACT_ENTITY_PROPERTIES.map((p) => `${property(p)} AS e_${p}`).join(', ')}
    FROM ${table(scope, 'events')}
    WHERE name IN (${names.map(str).join(', ')}) AND ${range(lo, hi)}
  )`
}

/**
 * Every decision of a rule in [lookbackFrom, hi) but the actions its conditions left out, with the
 * entity and trigger of its signal and the id of the message it planned (a nudge's own; a task's
 * SLA fallback nudge). Columns: did, cust, ent, d_rule, d_channel, d_ts, d_trigger, d_nudge,
 * d_planned, outbox_id, action_h.
 */
function decided(scope: ReachedFirstScope, hi: string): string {
  const r = range(scope.lookbackFrom, hi)
  return `SELECT did, cust, ent, d_rule, d_channel, d_ts, d_trigger, d_nudge, d_planned, outbox_id, action_h
  FROM (
    SELECT id AS did, any(customer_id) AS cust, any(rule_id) AS d_rule, any(channel) AS d_channel, any(ts_ms) AS d_ts,
      any(signal_id) AS sid, any(action) = ${str('nudge')} AS d_nudge, any(outcome) = ${str('planned')} AS d_planned,
      ${H('id')} AS action_h,
      if(any(action) = ${str('task')}, ${H(`concat(${str('escalation:')}, ${H('id')})`)}, ${H('id')}) AS outbox_id
    FROM ${table(scope, 'decisions')}
    WHERE ${r} AND reason != ${str('conditions')}
    GROUP BY id
  ) AS d
  ANY LEFT JOIN (
    SELECT id AS sid, any(entity) AS ent, any(trigger_id) AS d_trigger FROM ${table(scope, 'signals')} WHERE ${r} GROUP BY id
  ) AS s USING sid`
}

/**
 * First `sent` of each message from lookbackFrom on. Columns: outbox_id, s_ts, s_channel, s_digest
 * (the digest that carried it, from the delivery detail `digest <id> of <n>`; '' when it went alone).
 */
function firstSends(scope: ReachedFirstScope): string {
  return `SELECT outbox_id, min(ts_ms) AS s_ts, argMin(channel, ts_ms) AS s_channel, extract(argMin(detail, ts_ms), ${str('^digest ([0-9a-f]+) of ')}) AS s_digest
  FROM ${table(scope, 'deliveries')}
  WHERE status = ${str('sent')} AND ts_ms >= ${scope.lookbackFrom} AND dt >= toDateTime(intDiv(${scope.lookbackFrom}, 1000))
  GROUP BY outbox_id`
}

/** Decisions with their message's first send (s_ts 0: never sent). */
function candidates(scope: ReachedFirstScope, hi: string): string {
  return `SELECT cust, ent, did, d_rule, d_channel, d_ts, d_trigger, d_nudge, s_ts, s_channel, s_digest
  FROM (${decided(scope, hi)}) AS k
  ANY LEFT JOIN (${firstSends(scope)}) AS m USING outbox_id`
}

/**
 * Inbound contacts of [lo, hi): named events, "talk to a person" requests and agents' logged
 * contacts; the latter two take the entity of the decision behind their task (a talk task's id is
 * stableHash('talk:' + the nudge's id), the nudge's id stableHash(decision id)).
 */
function contacts(scope: ReachedFirstScope, lo: string, hi: string): string {
  const talk = `visitParamExtractString(details, ${str('via')}) = ${str('talk-to-person')}`
  return `${namedEvents(scope, scope.inbound, lo, hi)}
  UNION ALL
  SELECT id AS contact_id, if(kind = ${str('contact')}, ${str('agent contact')}, ${str('talk to a person')}) AS c_kind, customer_id AS cust, t_ent AS ent, ts_ms AS c_ts
  FROM (
    SELECT id, task_id, customer_id, kind, ts_ms FROM ${table(scope, 'task_events')}
    WHERE ${range(lo, hi)} AND (kind = ${str('contact')} OR (kind = ${str('created')} AND ${talk}))
  ) AS t
  ANY LEFT JOIN (
    SELECT task_id, any(ent) AS t_ent FROM (
      SELECT arrayJoin([action_h, ${H(`concat(${str('talk:')}, action_h)`)}]) AS task_id, ent FROM (${decided(scope, hi)}) WHERE d_planned = 1
    ) GROUP BY task_id
  ) AS x USING task_id`
}

const REACH = `d_rule != '' AND s_ts > 0 AND s_ts < c_ts AND d_trigger != contact_id`

/**
 * One row per inbound contact of [from, to): who, about what, when; the first proactive message
 * about the same entity sent before it (rule, channel, time), or why there was none.
 * Columns: contact_id, kind, customer, entity, ts, reached_at (0: not reached), reached_rule,
 * reached_channel, reached_digest, outcome (REACHED_OUTCOMES), miss_rule ('' unless a rule explains the miss).
 */
export function reachedFirstContactsQuery(scope: ReachedFirstScope): string {
  const { from: F, to: T, followMs: W } = scope
  const hi = `(${T} + ${W})`
  const sentAfter = `d_rule != '' AND d_ts < c_ts AND s_ts >= c_ts AND s_ts < c_ts + ${W}`
  const held = `d_rule != '' AND d_nudge = 1 AND d_ts < c_ts AND NOT (s_ts > 0 AND s_ts < c_ts + ${W})`
  const late = `d_rule != '' AND d_ts >= c_ts AND d_ts < c_ts + ${W} AND d_trigger != contact_id`
  return `SELECT contact_id, any(c_kind) AS kind, any(cust) AS customer, any(ent) AS entity, any(c_ts) AS ts,
  minIf(s_ts, ${REACH}) AS reached_at,
  argMinIf(d_rule, s_ts, ${REACH}) AS reached_rule,
  argMinIf(s_channel, s_ts, ${REACH}) AS reached_channel,
  argMinIf(s_digest, s_ts, ${REACH}) AS reached_digest,
  multiIf(reached_at > 0, ${str('reached')}, countIf(${sentAfter}) > 0, ${str('sent_after')}, countIf(${held}) > 0, ${str('held')},
    countIf(${late}) > 0, ${str('too_late')}, ${str('no_rule')}) AS outcome,
  multiIf(reached_at > 0, '', countIf(${sentAfter}) > 0, argMinIf(d_rule, s_ts, ${sentAfter}), countIf(${held}) > 0, argMinIf(d_rule, d_ts, ${held}),
    argMinIf(d_rule, d_ts, ${late})) AS miss_rule
FROM (${contacts(scope, F, T)}) AS c
ALL LEFT JOIN (${candidates(scope, hi)}) AS k USING (cust, ent)
GROUP BY contact_id
ORDER BY ts, contact_id`
}

const NEVER = '18446744073709551615'

/**
 * Late parcels of orders seen in [lookbackFrom, hi), as (contact_id, c_kind, cust, ent, c_ts, c_end):
 * late from the due date (c_ts: the promise of Order Completed, else the estimate of the first
 * Order Shipped) until the first Order Delivered (c_end; never, when it had not come by the last
 * event of the history before hi). src/analytics/lateParcels.ts is the same logic in code.
 */
function lateParcels(scope: ReachedFirstScope, hi: string): string {
  const events = table(scope, 'events')
  const delivered = `countIf(name = ${str('Order Delivered')}) > 0`
  return `SELECT concat(${str('late:')}, cust, ${str(':')}, ent) AS contact_id, ${str(LATE_PARCEL_PROBLEM)} AS c_kind, cust, ent, c_ts, c_end
  FROM (
    SELECT cust, ent, toUInt64(if(promised > 0, promised, estimated)) AS c_ts, if(has_delivery, delivered_at, toUInt64(${NEVER})) AS c_end, has_delivery
    FROM (
      SELECT customer_id AS cust, order_key AS ent,
        ${epochMs(`argMinIf(promise_text, ts_ms, name = ${str('Order Completed')} AND promise_text != '')`)} AS promised,
        ${epochMs(`argMinIf(estimate_text, ts_ms, name = ${str('Order Shipped')} AND estimate_text != '')`)} AS estimated,
        ${delivered} AS has_delivery, minIf(ts_ms, name = ${str('Order Delivered')}) AS delivered_at
      FROM (
        SELECT customer_id, name, ts_ms, ${property('order_id')} AS order_key,
          ${property('promised_delivery_at')} AS promise_text, ${property('estimated_delivery_at')} AS estimate_text
        FROM ${events}
        WHERE name IN (${['Order Completed', 'Order Shipped', 'Order Delivered'].map(str).join(', ')}) AND ${range(scope.lookbackFrom, hi)}
      )
      WHERE order_key != ''
      GROUP BY customer_id, order_key
    )
  )
  WHERE c_ts > 0 AND if(has_delivery, c_end > c_ts, c_ts < (SELECT max(ts_ms) FROM ${events} WHERE ${range(scope.lookbackFrom, hi)}))`
}

/**
 * One row per proactive message (a rule's nudge or a task's fallback nudge) first sent in
 * [from, to), and how many contacts or problems about its entity (any, when it has none) followed
 * within followMs: a contact or problem event after the send, or a parcel late at some moment after
 * it (LATE_PARCEL_PROBLEM among the problems). Columns: outbox_id, rule, channel, ts, followups.
 */
export function proactiveMessagesQuery(scope: ReachedFirstScope): string {
  const { from: F, to: T, followMs: W } = scope
  const hi = `(${T} + ${W})`
  // Contacts and problem events are moments (c_end = c_ts); a late parcel lasts from due to delivery.
  const moments = (q: string) => `SELECT contact_id, cust, ent, c_ts, c_ts AS c_end FROM (${q})`
  const named = scope.problems.filter((p) => p !== LATE_PARCEL_PROBLEM)
  const followups = [
    moments(contacts(scope, F, hi)),
    ...(named.length > 0 ? [moments(namedEvents(scope, named, F, hi))] : []),
    ...(scope.problems.includes(LATE_PARCEL_PROBLEM) ? [`SELECT contact_id, cust, ent, c_ts, c_end FROM (${lateParcels(scope, hi)})`] : []),
  ].join('\n  UNION ALL\n  ')
  const follows = `c_ts <= s_ts + ${W} AND c_end > s_ts AND (m_ent = '' OR ent = m_ent)`
  return `SELECT outbox_id, any(m_rule) AS rule, any(m_channel) AS channel, any(s_ts) AS ts, uniqExactIf(contact_id, ${follows}) AS followups
FROM (
  SELECT outbox_id, m_rule, m_channel, cust, m_ent, s_ts FROM (
    SELECT outbox_id, s_ts, s_channel AS m_channel FROM (${firstSends(scope)}) WHERE s_ts >= ${F} AND s_ts < ${T}
  ) AS m
  ANY LEFT JOIN (
    SELECT outbox_id, any(cust) AS cust, any(d_rule) AS m_rule, any(ent) AS m_ent FROM (${decided(scope, T)}) WHERE d_planned = 1 GROUP BY outbox_id
  ) AS k USING outbox_id
  WHERE m_rule != ''
) AS p
ALL LEFT JOIN (${followups}) AS f USING cust
GROUP BY outbox_id
ORDER BY ts, outbox_id`
}

const DAY_MS = 86_400_000
const MISSES = REACHED_OUTCOMES.slice(1)

/**
 * Per UTC day of [from, to), every day present: contacts, reached first, share (NULL without
 * contacts) and the misses by cause. The Grafana panel's query.
 */
export function reachedFirstDailyQuery(scope: ReachedFirstScope): string {
  const { from: F, to: T } = scope
  const zeros = ['contacts', 'reached', ...MISSES].map((n) => `toUInt64(0) AS n_${n}`).join(', ')
  const counts = [`count() AS n_contacts`, `countIf(outcome = ${str('reached')}) AS n_reached`, ...MISSES.map((m) => `countIf(outcome = ${str(m)}) AS n_${m}`)].join(', ')
  return `SELECT t, sum(n_contacts) AS contacts, sum(n_reached) AS reached_first, if(contacts = 0, NULL, reached_first / contacts) AS share,
  ${MISSES.map((m) => `sum(n_${m}) AS ${m}`).join(', ')}
FROM (
  SELECT toUInt64((intDiv(${F}, ${DAY_MS}) + arrayJoin(range(toUInt64(intDiv(${T} - 1, ${DAY_MS}) - intDiv(${F}, ${DAY_MS}) + 1)))) * ${DAY_MS}) AS t, ${zeros}
  UNION ALL
  SELECT toUInt64(intDiv(ts, ${DAY_MS}) * ${DAY_MS}) AS t, ${counts}
  FROM (${reachedFirstContactsQuery(scope)})
  GROUP BY t
)
GROUP BY t
ORDER BY t`
}

/**
 * The scope of a window: decisions up to ATTRIBUTION_LOOKBACK_MS before it may have reached its
 * contacts first. An expression, so Grafana's ${__from} works in it too.
 */
export function reachedFirstScope(scope: AnalyticsScope, options: { inbound: readonly string[]; problems: readonly string[]; followMs: number }): ReachedFirstScope {
  const back = sqlNumber(ATTRIBUTION_LOOKBACK_MS)
  return { ...scope, lookbackFrom: `(greatest(${scope.from}, ${back}) - ${back})` as SqlNumber, followMs: sqlNumber(options.followMs), inbound: options.inbound, problems: options.problems }
}

const OUTCOMES: ReadonlySet<string> = new Set(REACHED_OUTCOMES)
const orNull = (value: unknown): string | null => (value === '' || value === undefined || value === null ? null : String(value))

export function toReachedContact(row: Record<string, unknown>): ReachedContactRow {
  const outcome = String(row['outcome'])
  if (!OUTCOMES.has(outcome)) throw new Error(`reached first: unknown outcome ${outcome}`)
  const reachedAt = toNumber(row['reached_at'], 'reached_at')
  return {
    contactId: String(row['contact_id']),
    kind: String(row['kind']),
    customerId: String(row['customer']),
    entity: String(row['entity']),
    ts: toNumber(row['ts'], 'ts'),
    reachedAt: reachedAt > 0 ? reachedAt : null,
    reachedRule: reachedAt > 0 ? orNull(row['reached_rule']) : null,
    reachedChannel: reachedAt > 0 ? orNull(row['reached_channel']) : null,
    reachedDigest: reachedAt > 0 ? orNull(row['reached_digest']) : null,
    outcome: outcome as ReachedContactRow['outcome'],
    missRule: orNull(row['miss_rule']),
  }
}

export function toProactiveMessage(row: Record<string, unknown>): ProactiveMessageRow {
  return {
    outboxId: String(row['outbox_id']),
    ruleId: String(row['rule']),
    channel: String(row['channel']),
    ts: toNumber(row['ts'], 'ts'),
    followups: toNumber(row['followups'], 'followups'),
  }
}
