// Holdout lift queries: who a rule decided for (contacted or held out) and which of them had an
// outcome event afterwards. ClickHouse SQL that runs on chDB and on 18.16 (no JOINs: IN subqueries;
// replays deduped by id with GROUP BY + any()).
import { quoteNumber, quoteString } from './escape.ts'
import { qualified } from './sql.ts'

const inRange = (from: number, to: number): string =>
  `ts_ms >= ${quoteNumber(from)} AND ts_ms < ${quoteNumber(to)} AND dt >= toDateTime(${quoteNumber(Math.floor(from / 1000))})`

/** Per shopper: the first decision of the rule in [from, to) that contacted or held them out. */
export function liftCohortQuery(database: string, ruleId: string, from: number, to: number): string {
  return `SELECT customer_id, min(ts) AS first_ts, max(is_held) AS held
FROM (
  SELECT id, any(customer_id) AS customer_id, any(ts_ms) AS ts, any(reason) = ${quoteString('holdout')} AS is_held, any(outcome) AS decision_outcome
  FROM ${qualified(database, 'decisions')}
  WHERE rule_id = ${quoteString(ruleId)} AND ${inRange(from, to)}
  GROUP BY id
)
WHERE decision_outcome = ${quoteString('planned')} OR is_held = 1
GROUP BY customer_id
ORDER BY customer_id`
}

/** Outcome events of the cohort's shoppers in [from, until): one row per event. */
export function liftOutcomesQuery(database: string, ruleId: string, from: number, to: number, until: number, names: readonly string[]): string {
  const list = names.map(quoteString).join(', ')
  // Filter in an inner query: ClickHouse resolves WHERE names to the outer aliases.
  return `SELECT message_id, any(customer_id) AS customer, any(ts_ms) AS ts
FROM (
  SELECT message_id, customer_id, ts_ms
  FROM ${qualified(database, 'events')}
  WHERE name IN (${list}) AND ${inRange(from, until)}
    AND customer_id IN (SELECT customer_id FROM ${qualified(database, 'decisions')} WHERE rule_id = ${quoteString(ruleId)} AND ${inRange(from, to)})
)
GROUP BY message_id`
}
