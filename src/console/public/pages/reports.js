// Reports for ops: holdout lift of every rule with a holdout (GET /api/analytics/lift per rule), SLA per queue or agent
// (GET /api/analytics/sla-report) and CSAT per queue, agent or rule (GET /api/analytics/csat).
import { useEffect, useState } from 'preact/hooks'
import { Alert, Badge, EmptyState, Field, TabPanel, Table, Tabs, formatDuration, formatNumber, formatPercent, useApi, usePageTitle } from '../components/index.js'
import { api, html, t } from '../lib.js'
import './reportsStrings.js'

const RANGES = [7, 30, 90]

function Segmented({ label, options, value, onChange, text }) {
  return html`<div class="segmented" role="group" aria-label=${label}>
    ${options.map((o) => html`<button type="button" aria-pressed=${value === o ? 'true' : 'false'} onClick=${() => onChange(o)}>${text(o)}</button>`)}
  </div>`
}

function Loaded({ result, children }) {
  if (result.error) return html`<${Alert} tone="danger" title=${t('reports.loadFailed')} actions=${html`<button type="button" onClick=${result.reload}>${t('reports.retry')}</button>`}>${result.error.message}<//>`
  if (result.data === undefined) return html`<p class="loading" aria-busy="true"><span class="spinner"></span> ${t('reports.loading')}</p>`
  const render = Array.isArray(children) ? children[0] : children
  return render(result.data)
}

const keyLabel = (key, by) => (key === null || key === '' ? html`<span class="muted">${by === 'queue' || by === 'agent' ? t('reports.noTask') : t('reports.none')}</span>` : key)

function Grouped({ id, path, groupings, columns, note, empty, days }) {
  const [by, setBy] = useState(groupings[0])
  const result = useApi(`${path}?days=${days}&by=${by}`)
  return html`
    <div class="stack">
      <div class="toolbar">
        <${Segmented} label=${t('reports.by')} options=${groupings} value=${by} onChange=${setBy} text=${(b) => t(`reports.by.${b}`)} />
      </div>
      <${Loaded} result=${result}>
        ${(data) => html`<section class="card card-flush" aria-label=${t(`reports.tab.${id}`)} aria-busy=${result.loading ? 'true' : undefined}>
          <${Table}
            caption=${`${t(`reports.tab.${id}`)} · ${t(`reports.by.${data.by}`)}`}
            rows=${data.groups}
            rowKey=${(g) => String(g.key)}
            columns=${[{ key: 'key', label: t(`reports.by.${data.by}`), render: (g) => keyLabel(g.key, data.by) }, ...columns]}
            empty=${html`<${EmptyState} icon="chart" title=${empty} />`}
          />
        </section>`}
      <//>
      <p class="muted small">${note}</p>
    </div>
  `
}

const slaColumns = () => [
  { key: 'tasks', label: t('reports.sla.colTasks'), num: true, render: (g) => formatNumber(g.tasks) },
  { key: 'breaches', label: t('reports.sla.colBreaches'), num: true, render: (g) => formatNumber(g.breaches) },
  { key: 'contacted', label: t('reports.sla.colContacted'), num: true, render: (g) => formatNumber(g.contacted) },
  { key: 'first', label: t('reports.sla.colFirst'), num: true, render: (g) => formatDuration(g.medianFirstContactMs) },
  { key: 'firstP90', label: t('reports.sla.colFirstP90'), num: true, render: (g) => formatDuration(g.p90FirstContactMs) },
  { key: 'resolved', label: t('reports.sla.colResolved'), num: true, render: (g) => formatNumber(g.resolved) },
  { key: 'resolution', label: t('reports.sla.colResolution'), num: true, render: (g) => formatDuration(g.medianResolutionMs) },
  { key: 'resolutionP90', label: t('reports.sla.colResolutionP90'), num: true, render: (g) => formatDuration(g.p90ResolutionMs) },
]

const csatColumns = () => [
  { key: 'sent', label: t('reports.csat.colSent'), num: true, render: (g) => formatNumber(g.sent) },
  { key: 'answered', label: t('reports.csat.colAnswered'), num: true, render: (g) => formatNumber(g.answered) },
  { key: 'csat', label: t('reports.csat.colCsat'), num: true, render: (g) => formatPercent(g.csat) },
  { key: 'mean', label: t('reports.csat.colMean'), num: true, render: (g) => formatNumber(g.meanScore, { maximumFractionDigits: 1 }) },
]

/** Each rule's lift for the same outcomes: one API call per rule, answered together. */
function useLifts(rules, asked, days) {
  const [state, setState] = useState({ key: '', rows: undefined, error: undefined })
  const key = asked && JSON.stringify([asked, days, rules.map((r) => r.id)])
  useEffect(() => {
    if (!key) return
    let live = true
    setState({ key, rows: undefined, error: undefined })
    Promise.all(rules.map((r) => api('GET', `/api/analytics/lift?${new URLSearchParams({ rule: r.id, outcome: asked.outcome, within: asked.within, days: String(days) })}`).then((lift) => ({ rule: r, lift }))))
      .then((rows) => live && setState({ key, rows, error: undefined }), (error) => live && setState({ key, rows: undefined, error }))
    return () => (live = false)
  }, [key])
  return state.key === key ? state : { rows: undefined, error: undefined }
}

const pct = (v) => formatPercent(v, 1)
const rate = (g) => html`${pct(g.rate)} <span class="muted small">${t('reports.lift.shoppers', { outcomes: formatNumber(g.outcomes), n: formatNumber(g.n) })}</span>`

const liftColumns = () => [
  { key: 'rule', label: t('reports.lift.rule'), render: (r) => html`<a class="cell-title" href=${`#/rules/${encodeURIComponent(r.rule.id)}`}>${r.rule.document?.name ?? r.rule.id}</a> <span class="muted small">${t('reports.lift.holdout', { share: pct(r.rule.document.holdout) })}</span>` },
  { key: 'contacted', label: t('reports.lift.contacted'), num: true, render: (r) => rate(r.lift.contacted) },
  { key: 'heldOut', label: t('reports.lift.heldOut'), num: true, render: (r) => rate(r.lift.heldOut) },
  { key: 'difference', label: t('reports.lift.difference'), num: true, render: (r) => pct(r.lift.difference) },
  { key: 'interval', label: t('reports.lift.intervalCol'), num: true, render: (r) => `${pct(r.lift.interval[0])} … ${pct(r.lift.interval[1])}` },
  { key: 'significant', label: t('reports.lift.significantCol'), render: (r) => (r.lift.significant ? html`<${Badge} tone="success">${t('reports.lift.yes')}<//>` : html`<span class="muted">${t('reports.lift.no')}</span>`) },
]

function Lift({ days }) {
  const rules = useApi('/api/rules')
  const [form, setForm] = useState({ outcome: 'Complaint Filed', within: '14d' })
  const [asked, setAsked] = useState({ ...form })
  const all = rules.data?.rules ?? []
  const held = all.filter((r) => r.document?.holdout > 0)
  const lifts = useLifts(held, rules.data ? asked : null, days)
  const set = (key) => (e) => setForm({ ...form, [key]: e.target.value })
  const submit = (e) => {
    e.preventDefault()
    setAsked({ ...form })
  }
  const fieldError = (name) => lifts.error?.body?.errors?.filter((x) => x.path === `/${name}`).map((x) => x.message)
  return html`
    <div class="stack">
      <p class="muted">${t('reports.lift.intro')}</p>
      <form class="card card-body" onSubmit=${submit}>
        <div class="grid grid-2">
          <${Field} id="lift-outcome" label=${t('reports.lift.outcome')} hint=${t('reports.lift.outcomeHint')} error=${fieldError('outcome')}>
            ${(a) => html`<input ...${a} type="text" value=${form.outcome} onInput=${set('outcome')} />`}
          <//>
          <${Field} id="lift-within" label=${t('reports.lift.within')} error=${fieldError('within')}>
            ${(a) => html`<input ...${a} type="text" class="mono" value=${form.within} onInput=${set('within')} />`}
          <//>
        </div>
        <div class="toolbar"><button type="submit" class="primary">${t('reports.lift.run')}</button></div>
      </form>
      ${rules.error || lifts.error
        ? html`<${Alert} tone="danger" title=${t('reports.loadFailed')}>${(rules.error ?? lifts.error).message}<//>`
        : rules.data === undefined || (held.length > 0 && lifts.rows === undefined)
          ? html`<p class="loading" aria-busy="true"><span class="spinner"></span> ${t('reports.loading')}</p>`
          : html`<section class="card card-flush" aria-label=${t('reports.tab.lift')}>
              <${Table} caption=${t('reports.tab.lift')} rows=${lifts.rows ?? []} rowKey=${(r) => r.rule.id} columns=${liftColumns()}
                empty=${html`<${EmptyState} icon="rules" title=${t('reports.lift.none')} />`} />
            </section>`}
      ${all.length > held.length && held.length > 0 && html`<p class="muted small">${t('reports.lift.others', { n: formatNumber(all.length - held.length) })}</p>`}
    </div>
  `
}

export function ReportsPage() {
  usePageTitle(t('reports.title'))
  const [tab, setTab] = useState('lift')
  const [days, setDays] = useState(30)
  const tabs = ['lift', 'sla', 'csat'].map((id) => ({ id, label: t(`reports.tab.${id}`) }))
  return html`
    <div class="page">
      <header class="page-header">
        <div>
          <h1>${t('reports.title')}</h1>
          <p class="page-subtitle">${t('reports.subtitle')}</p>
        </div>
        <${Segmented} label=${t('reports.range')} options=${RANGES} value=${days} onChange=${setDays} text=${(d) => t('reports.days', { days: d })} />
      </header>
      <${Tabs} id="reports" label=${t('reports.sections')} tabs=${tabs} value=${tab} onChange=${setTab} />
      <${TabPanel} id="reports" tab="lift" value=${tab}><${Lift} days=${days} /><//>
      <${TabPanel} id="reports" tab="sla" value=${tab}>
        <${Grouped} id="sla" path="/api/analytics/sla-report" groupings=${['queue', 'agent']} columns=${slaColumns()} note=${t('reports.sla.note')} empty=${t('reports.sla.empty')} days=${days} />
      <//>
      <${TabPanel} id="reports" tab="csat" value=${tab}>
        <${Grouped} id="csat" path="/api/analytics/csat" groupings=${['queue', 'agent', 'rule']} columns=${csatColumns()} note=${t('reports.csat.note')} empty=${t('reports.csat.empty')} days=${days} />
      <//>
    </div>
  `
}
