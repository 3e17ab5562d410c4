// The Grafana dashboard of dashboards/careloop.json, generated from the analytics query builders
// (analytics.ts) so its panels run exactly the SQL of the analytics API. Regenerate after changing
// a query:  npx tsx src/store/history/dashboards.ts   (test/dashboards.test.ts fails until then).
//
// The SQL keeps three Grafana global variables and one dashboard variable (GRAFANA in
// analytics.ts): ${__from} / ${__to} (the time range, epoch ms), ${__interval_ms} (the panel's
// interval, the overview's bucket) and ${database:raw}. Grafana interpolates them before the
// ClickHouse plugin sees the query; substituteGrafanaVariables() does the same for tests and for
// running a panel query by hand. The plugin's own macros ($__timeFilter …) are not used: they
// compare DateTime / DateTime64 columns, while the history tables keep epoch ms in UInt64 ts_ms.
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import {
  GRAFANA,
  firstContactQuery,
  funnelOutcomesQuery,
  funnelQuery,
  overviewQuery,
  suppressionGuardsQuery,
  suppressionReasonsQuery,
  type AnalyticsScope,
} from './analytics.ts'
import { quoteIdentifier, quoteNumber } from './escape.ts'
import { reachedFirstDailyQuery, reachedFirstScope } from './reachedFirstSql.ts'
import { agentSlaQuery } from './slaSql.ts'
import { DEFAULT_FOLLOW_MS, DEFAULT_INBOUND_EVENTS, DEFAULT_PROBLEM_EVENTS } from '../../model/contacts.ts'
import { DEFAULT_DATABASE } from './sql.ts'

export const CLICKHOUSE_PLUGIN = 'grafana-clickhouse-datasource'
export const DASHBOARD_UID = 'careloop-analytics'
/** Where the generated dashboard is committed, relative to the repository root. */
export const DASHBOARD_PATH = 'dashboards/careloop.json'

const DATASOURCE = { type: CLICKHOUSE_PLUGIN, uid: '${datasource}' } as const
const SCOPE: AnalyticsScope = { database: GRAFANA.database, from: GRAFANA.from, to: GRAFANA.to }

/** The SQL of each panel query, by name: the same builders the history store calls. */
export function dashboardQueries(): Record<string, string> {
  return {
    overview: overviewQuery({ ...SCOPE, bucketMs: GRAFANA.intervalMs }),
    firstContact: firstContactQuery(SCOPE),
    funnel: funnelQuery(SCOPE),
    funnelOutcomes: funnelOutcomesQuery(SCOPE),
    suppressionReasons: suppressionReasonsQuery(SCOPE),
    suppressionGuards: suppressionGuardsQuery(SCOPE),
    agentSla: agentSlaQuery(SCOPE),
    reachedFirstDaily: reachedFirstDailyQuery(reachedFirstScope(SCOPE, DASHBOARD_REACHED_FIRST)),
  }
}

/** The reached-first panel counts the default contact and problem events (GET /api/analytics/reached-first's defaults). */
export const DASHBOARD_REACHED_FIRST = { inbound: DEFAULT_INBOUND_EVENTS, problems: DEFAULT_PROBLEM_EVENTS, followMs: DEFAULT_FOLLOW_MS } as const

export interface GrafanaValues {
  /** The time range, epoch ms. */
  from: number
  to: number
  /** The panel interval in ms (the overview's bucket width). */
  intervalMs: number
  database: string
}

/**
 * What Grafana does to a panel's SQL before sending it: the time range, the interval and the
 * database put in. The numbers go through quoteNumber and the database name becomes the
 * identifier's inner text exactly as quoteIdentifier would write it, so the result is the very
 * SQL the history store builds for the same window.
 */
export function substituteGrafanaVariables(sql: string, values: GrafanaValues): string {
  const database = quoteIdentifier(values.database).slice(1, -1)
  const replacements: Record<string, string> = {
    [GRAFANA.from]: quoteNumber(values.from),
    [GRAFANA.to]: quoteNumber(values.to),
    [GRAFANA.intervalMs]: quoteNumber(values.intervalMs),
    [GRAFANA.database]: database,
  }
  let out = sql
  for (const [token, value] of Object.entries(replacements)) out = out.split(token).join(value)
  return out
}

interface PanelSpec {
  title: string
  description: string
  type: 'stat' | 'timeseries' | 'table' | 'barchart'
  sql: string
  gridPos: { x: number; y: number; w: number; h: number }
  transformations?: unknown[]
  options?: Record<string, unknown>
  fieldConfig?: { defaults: Record<string, unknown>; overrides: unknown[] }
}

const asTime = { id: 'convertFieldType', options: { conversions: [{ targetField: 't', destinationType: 'time' }], fields: {} } }
const onlyFields = (...names: string[]) => ({ id: 'filterFieldsByName', options: { include: { names: ['t', ...names] } } })
const msUnit = (...names: string[]) => ({
  defaults: {},
  overrides: names.map((name) => ({ matcher: { id: 'byName', options: name }, properties: [{ id: 'unit', value: 'ms' }] })),
})

function panels(): PanelSpec[] {
  const q = dashboardQueries()
  const series = (title: string, description: string, x: number, fields: string[]): PanelSpec => ({
    title,
    description,
    type: 'timeseries',
    sql: q.overview as string,
    gridPos: { x, y: 5, w: 8, h: 8 },
    transformations: [asTime, onlyFields(...fields)],
    options: { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'none' } },
    fieldConfig: { defaults: { custom: { drawStyle: 'bars', fillOpacity: 60, stacking: { mode: 'none', group: 'A' } } }, overrides: [] },
  })
  return [
    {
      title: 'Totals',
      description: 'Sums over the time range (GET /api/analytics/overview → totals): signals, decisions, deliveries by status, tasks and SLA breaches.',
      type: 'stat',
      sql: q.overview as string,
      gridPos: { x: 0, y: 0, w: 18, h: 5 },
      transformations: [{ id: 'organize', options: { excludeByName: { t: true }, indexByName: {}, renameByName: {} } }],
      options: { reduceOptions: { calcs: ['sum'], fields: '', values: false }, colorMode: 'value', graphMode: 'none', textMode: 'value_and_name', justifyMode: 'auto', orientation: 'auto' },
    },
    {
      title: 'Median time to first contact',
      description: 'Of the first contacts agents made in the time range, from when each task reached the work list.',
      type: 'stat',
      sql: q.firstContact as string,
      gridPos: { x: 18, y: 0, w: 6, h: 5 },
      options: { reduceOptions: { calcs: ['lastNotNull'], fields: '/^median_first_contact_ms$/', values: false }, colorMode: 'value', graphMode: 'none', textMode: 'value', justifyMode: 'auto', orientation: 'auto' },
      fieldConfig: msUnit('median_first_contact_ms'),
    },
    series('Signals and decisions', 'Moments rules noticed, and the actions planned or suppressed (cooldown, once, conditions, holdout) before the send-time guards.', 0, ['signals', 'planned', 'suppressed']),
    series('Deliveries', 'Messages sent, skipped by a send-time guard, failed attempts (retried) and dead letters.', 8, ['sent', 'skipped', 'failed', 'dead']),
    series('Tasks', 'Follow-up tasks created and resolved, and tasks escalated past their SLA.', 16, ['tasks_created', 'tasks_resolved', 'sla_breaches']),
    {
      title: 'Funnel per rule',
      description: 'The moments of the time range followed through (GET /api/analytics/funnel): signals → decisions → messages sent / delivered / opened / clicked (distinct messages, whenever it happened) → tasks created / resolved.',
      type: 'table',
      sql: q.funnel as string,
      gridPos: { x: 0, y: 13, w: 24, h: 9 },
      options: { showHeader: true, cellHeight: 'sm', footer: { show: true, reducer: ['sum'], fields: '' } },
    },
    {
      title: 'Task outcomes per rule',
      description: 'How the tasks of the funnel were resolved, by outcome code.',
      type: 'table',
      sql: q.funnelOutcomes as string,
      gridPos: { x: 0, y: 22, w: 12, h: 8 },
      options: { showHeader: true, cellHeight: 'sm' },
    },
    {
      title: 'SLA per queue',
      description: 'Tasks created in the time range per queue (GET /api/analytics/sla): breaches, median and p90 time to first claim and first contact, from when the task reached the work list.',
      type: 'table',
      sql: q.agentSla as string,
      gridPos: { x: 12, y: 22, w: 12, h: 8 },
      options: { showHeader: true, cellHeight: 'sm' },
      fieldConfig: msUnit('median_first_contact_ms', 'p90_first_contact_ms', 'median_first_claim_ms', 'p90_first_claim_ms'),
    },
    {
      title: 'Skipped by guard',
      description: 'Messages a send-time guard skipped in the time range, by guard (the prefix of the delivery detail).',
      type: 'barchart',
      sql: q.suppressionGuards as string,
      gridPos: { x: 0, y: 30, w: 8, h: 9 },
      transformations: [
        {
          id: 'groupBy',
          options: { fields: { guard: { aggregations: [], operation: 'groupby' }, skipped: { aggregations: ['sum'], operation: 'aggregate' } } },
        },
      ],
      options: { xField: 'guard', orientation: 'horizontal', showValue: 'auto', legend: { displayMode: 'list', placement: 'bottom', showLegend: false } },
    },
    {
      title: 'Skipped by rule and guard',
      description: 'The same per rule (GET /api/analytics/suppressions → rules[].guards); an empty rule is a message no rule planned (surveys, talk-to-a-person follow-ups).',
      type: 'table',
      sql: q.suppressionGuards as string,
      gridPos: { x: 8, y: 30, w: 8, h: 9 },
      options: { showHeader: true, cellHeight: 'sm' },
    },
    {
      title: 'Suppressed decisions by rule and reason',
      description: 'Actions a rule did not plan (GET /api/analytics/suppressions → rules[].reasons): cooldown, once, conditions, holdout.',
      type: 'table',
      sql: q.suppressionReasons as string,
      gridPos: { x: 16, y: 30, w: 8, h: 9 },
      options: { showHeader: true, cellHeight: 'sm' },
    },
    {
      title: 'Reached first, per day',
      description:
        'Inbound contacts (complaints, tickets, talk-to-a-person requests, agents\' contacts) per UTC day of the contact (GET /api/analytics/reached-first → days): reached first by a rule\'s message about the same order, checkout or return, and the misses by cause (sent after the contact, held by a guard, rule fired too late, no rule fired).',
      type: 'timeseries',
      sql: q.reachedFirstDaily as string,
      gridPos: { x: 0, y: 39, w: 24, h: 9 },
      transformations: [asTime, onlyFields('reached_first', 'sent_after', 'held', 'too_late', 'no_rule')],
      options: { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'none' } },
      fieldConfig: { defaults: { custom: { drawStyle: 'bars', fillOpacity: 70, stacking: { mode: 'normal', group: 'A' } } }, overrides: [] },
    },
  ]
}

/** The dashboard JSON model (Grafana 10 / 11, ClickHouse plugin 4.x). */
export function grafanaDashboard(): Record<string, unknown> {
  return {
    __requires: [
      { type: 'grafana', id: 'grafana', name: 'Grafana', version: '10.0.0' },
      { type: 'datasource', id: CLICKHOUSE_PLUGIN, name: 'ClickHouse', version: '4.0.0' },
      ...['stat', 'timeseries', 'table', 'barchart'].map((id) => ({ type: 'panel', id, name: id, version: '' })),
    ],
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          name: 'Annotations & Alerts',
          type: 'dashboard',
        },
      ],
    },
    description: 'careloop: signals, decisions, deliveries, suppressions, funnels and queue SLAs from the history store (ClickHouse).',
    editable: true,
    fiscalYearStartMonth: 0,
    graphTooltip: 1,
    id: null,
    links: [],
    panels: panels().map((p, index) => ({
      id: index + 1,
      type: p.type,
      title: p.title,
      description: p.description,
      datasource: DATASOURCE,
      gridPos: p.gridPos,
      targets: [
        {
          refId: 'A',
          datasource: DATASOURCE,
          editorType: 'sql',
          queryType: 'table',
          format: 1,
          rawSql: p.sql,
        },
      ],
      transformations: p.transformations ?? [],
      options: p.options ?? {},
      fieldConfig: p.fieldConfig ?? { defaults: {}, overrides: [] },
    })),
    refresh: '5m',
    schemaVersion: 39,
    tags: ['careloop', 'clickhouse'],
    templating: {
      list: [
        {
          type: 'datasource',
          name: 'datasource',
          label: 'ClickHouse',
          query: CLICKHOUSE_PLUGIN,
          current: {},
          hide: 0,
          includeAll: false,
          multi: false,
          options: [],
          refresh: 1,
          regex: '',
          skipUrlSync: false,
        },
        {
          type: 'textbox',
          name: 'database',
          label: 'Database',
          description: 'The history store database (CLICKHOUSE_DATABASE of the engine)',
          query: DEFAULT_DATABASE,
          current: { selected: false, text: DEFAULT_DATABASE, value: DEFAULT_DATABASE },
          options: [{ selected: true, text: DEFAULT_DATABASE, value: DEFAULT_DATABASE }],
          hide: 0,
          skipUrlSync: false,
        },
      ],
    },
    time: { from: 'now-7d', to: 'now' },
    timepicker: {},
    timezone: 'utc',
    title: 'careloop',
    uid: DASHBOARD_UID,
    version: 1,
    weekStart: '',
  }
}

/** The file's exact text: two-space JSON and a final newline. */
export function dashboardText(): string {
  return `${JSON.stringify(grafanaDashboard(), null, 2)}\n`
}

// Run directly: write dashboards/careloop.json.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
  const file = join(root, DASHBOARD_PATH)
  writeFileSync(file, dashboardText())
  console.log(`wrote ${file}`)
}
