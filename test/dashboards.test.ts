// The Grafana dashboard (dashboards/careloop.json): committed exactly as generated, valid against
// the dashboard JSON schema (dashboards/schema/dashboard.schema.json), laid out on Grafana's grid,
// and every panel's SQL is an analytics query of the history store: with the time range, interval
// and database put in as Grafana would, it is the very SQL the store runs, and it runs on chDB and
// on a ClickHouse server (Debian's 18.16) when CARELOOP_TEST_CLICKHOUSE_URL names one.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createClient, type ClickHouseClient } from '@clickhouse/client'
import { Ajv } from 'ajv'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  firstContactQuery,
  funnelOutcomesQuery,
  funnelQuery,
  overviewQuery,
  sqlNumber,
  suppressionGuardsQuery,
  suppressionReasonsQuery,
  type AnalyticsScope,
} from '../src/store/history/analytics.ts'
import type { ClickHouseHistoryStore } from '../src/store/history/ClickHouseHistoryStore.ts'
import {
  CLICKHOUSE_PLUGIN,
  DASHBOARD_PATH,
  DASHBOARD_REACHED_FIRST,
  dashboardQueries,
  dashboardText,
  grafanaDashboard,
  substituteGrafanaVariables,
} from '../src/store/history/dashboards.ts'
import { reachedFirstDailyQuery, reachedFirstScope } from '../src/store/history/reachedFirstSql.ts'
import { agentSlaQuery } from '../src/store/history/slaSql.ts'
import { createHistoryClient, openHistoryStore } from '../src/store/history/openHistoryStore.ts'
import { WINDOW, analyticsBatch, expectedOverview } from './store/history/analyticsFixture.ts'
import { tempDir } from './store/history/fixtures.ts'
import { requireClickHouse } from './support/requireServers.ts'

const root = join(import.meta.dirname, '..')
const committed = readFileSync(join(root, DASHBOARD_PATH), 'utf8')
const schema = JSON.parse(readFileSync(join(root, 'dashboards/schema/dashboard.schema.json'), 'utf8')) as object

interface Target { refId: string; datasource: { type: string; uid: string }; rawSql: string }
interface Panel { id: number; type: string; title: string; gridPos: { x: number; y: number; w: number; h: number }; targets: Target[] }
const dashboard = JSON.parse(committed) as { panels: Panel[]; templating: { list: Array<Record<string, any>> } }
const targets = dashboard.panels.flatMap((p) => p.targets.map((t) => ({ panel: p.title, sql: t.rawSql })))

/** The store's builders by the dashboard's query names, for a numeric window. */
const BUILDERS: Record<string, (scope: AnalyticsScope) => string> = {
  overview: (scope) => overviewQuery({ ...scope, bucketMs: sqlNumber(WINDOW.bucketMs) }),
  firstContact: firstContactQuery,
  funnel: funnelQuery,
  funnelOutcomes: funnelOutcomesQuery,
  suppressionReasons: suppressionReasonsQuery,
  suppressionGuards: suppressionGuardsQuery,
  agentSla: agentSlaQuery,
  reachedFirstDaily: (scope) => reachedFirstDailyQuery(reachedFirstScope(scope, DASHBOARD_REACHED_FIRST)),
}

describe('the Grafana dashboard', () => {
  it('is committed exactly as grafanaDashboard() generates it (npx tsx src/store/history/dashboards.ts)', () => {
    expect(committed).toBe(dashboardText())
    expect(JSON.parse(committed)).toEqual(grafanaDashboard())
  })

  it('is valid against the dashboard schema, which rejects broken dashboards', () => {
    const validate = new Ajv({ allErrors: true, allowUnionTypes: true }).compile(schema)
    expect(validate(grafanaDashboard()), JSON.stringify(validate.errors)).toBe(true)
    const broken = (change: (d: any) => void) => {
      const d = structuredClone(grafanaDashboard()) as any
      change(d)
      return validate(d)
    }
    expect(broken((d) => delete d.uid)).toBe(false)
    expect(broken((d) => (d.schemaVersion = 27))).toBe(false)
    expect(broken((d) => delete d.panels[0].targets)).toBe(false)
    expect(broken((d) => (d.panels[1].gridPos.w = 30))).toBe(false)
    expect(broken((d) => delete d.panels[2].targets[0].rawSql)).toBe(false)
    expect(broken((d) => (d.templating.list[0].type = 'nonsense'))).toBe(false)
    expect(broken((d) => delete d.time)).toBe(false)
  })

  it('has unique panel ids, fits the 24-column grid without overlaps', () => {
    const ids = dashboard.panels.map((p) => p.id)
    expect(new Set(ids).size).toBe(ids.length)
    for (const [i, a] of dashboard.panels.entries()) {
      expect(a.gridPos.x + a.gridPos.w, a.title).toBeLessThanOrEqual(24)
      for (const b of dashboard.panels.slice(i + 1)) {
        const apart = a.gridPos.x + a.gridPos.w <= b.gridPos.x || b.gridPos.x + b.gridPos.w <= a.gridPos.x ||
          a.gridPos.y + a.gridPos.h <= b.gridPos.y || b.gridPos.y + b.gridPos.h <= a.gridPos.y
        expect(apart, `${a.title} overlaps ${b.title}`).toBe(true)
      }
    }
  })

  it('queries the ClickHouse data source of ${datasource} and the $database variable, default careloop', () => {
    const vars = Object.fromEntries(dashboard.templating.list.map((v) => [v.name, v]))
    expect(vars['datasource']).toMatchObject({ type: 'datasource', query: CLICKHOUSE_PLUGIN })
    expect(vars['database']).toMatchObject({ type: 'textbox', query: 'careloop', current: { value: 'careloop' } })
    for (const panel of dashboard.panels) {
      for (const target of panel.targets) expect(target.datasource, panel.title).toEqual({ type: CLICKHOUSE_PLUGIN, uid: '${datasource}' })
    }
  })

  it('uses every analytics query, and nothing else', () => {
    const queries = dashboardQueries()
    expect(Object.keys(queries).sort()).toEqual(Object.keys(BUILDERS).sort())
    const used = new Set(targets.map((t) => t.sql))
    for (const [name, sql] of Object.entries(queries)) expect(used.has(sql), `${name} is on no panel`).toBe(true)
    for (const t of targets) expect(Object.values(queries), t.panel).toContain(t.sql)
  })
})

function panelQueriesRun(name: string, open: () => Promise<{ store: ClickHouseHistoryStore; client: ClickHouseClient }>): void {
  describe(`the dashboard's SQL on ${name}`, () => {
    let store: ClickHouseHistoryStore
    let client: ClickHouseClient
    beforeAll(async () => {
      ;({ store, client } = await open())
      await store.append(analyticsBatch())
    })
    afterAll(async () => {
      await client?.close()
      await store?.close()
    })

    const run = async (sql: string) => {
      const result = await client.query({ query: sql, format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 1 } })
      return result.json<Record<string, unknown>>()
    }

    it('every panel query, with the time range put in, is the store\'s query and runs', async () => {
      const values = { from: WINDOW.from, to: WINDOW.to, intervalMs: WINDOW.bucketMs, database: store.database }
      const scope: AnalyticsScope = { database: store.database, from: sqlNumber(WINDOW.from), to: sqlNumber(WINDOW.to) }
      const nameOf = new Map(Object.entries(dashboardQueries()).map(([n, sql]) => [sql, n]))
      for (const target of targets) {
        const sql = substituteGrafanaVariables(target.sql, values)
        expect(sql, target.panel).not.toMatch(/\$\{|\$__/)
        const builder = BUILDERS[nameOf.get(target.sql) as string] as (s: AnalyticsScope) => string
        expect(sql, target.panel).toBe(builder(scope))
        const rows = await run(sql)
        expect(rows.length, target.panel).toBeGreaterThan(0)
      }
    })

    it('the overview panels show the store\'s buckets', async () => {
      const sql = substituteGrafanaVariables(dashboardQueries()['overview'] as string, { ...WINDOW, intervalMs: WINDOW.bucketMs, database: store.database })
      const rows = await run(sql)
      expect(rows.map((r) => [Number(r['t']), Number(r['signals']), Number(r['skipped']), Number(r['sla_breaches'])])).toEqual(
        expectedOverview.buckets.map((b) => [b.t, b.signals, b.skipped, b.slaBreaches]),
      )
    })
  })
}

const dir = tempDir('dashboards')
afterAll(() => dir.remove())
panelQueriesRun('chDB', async () => ({
  store: await openHistoryStore({ dataDir: dir.path, database: 'dashboards' }),
  client: await createHistoryClient({ dataDir: dir.path }),
}))

const url = requireClickHouse("the dashboard's SQL on a ClickHouse server")
if (url) {
  const database = `careloop_d${Date.now()}_${process.pid}`
  afterAll(async () => {
    const admin = createClient({ url })
    try {
      await admin.command({ query: `DROP DATABASE IF EXISTS ${database}` }) // ours, [a-z0-9_] only
    } finally {
      await admin.close()
    }
  })
  panelQueriesRun('a ClickHouse server', async () => ({ store: await openHistoryStore({ url, database }), client: createClient({ url }) }))
}
