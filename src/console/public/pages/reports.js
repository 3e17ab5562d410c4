// Reports for ops: holdout lift per rule (GET /api/analytics/lift), SLA per queue or agent
// (GET /api/analytics/sla-report) and CSAT per queue, agent or rule (GET /api/analytics/csat).
import { useState } from 'preact/hooks'
import { Alert, EmptyState, Field, TabPanel, Table, Tabs, formatDuration, formatNumber, formatPercent, useApi, usePageTitle } from '../components/index.js'
import { html, t } from '../lib.js'
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

function LiftResult({ lift }) {
  const pct = (v) => formatPercent(v, 1)
  return html`
    <div class="grid grid-3" role="list" aria-label=${t('reports.tab.lift')}>
      ${[['contacted', lift.contacted], ['heldOut', lift.heldOut]].map(
        ([k, g]) => html`<div role="listitem" class="card stat" data-lift=${k}>
          <span class="stat-label">${t(`reports.lift.${k}`)}</span>
          <span class="stat-value">${pct(g.rate)}</span>
          <span class="stat-sub">${t('reports.lift.shoppers', { outcomes: formatNumber(g.outcomes), n: formatNumber(g.n) })}</span>
        </div>`,
      )}
      <div role="listitem" class="card stat" data-lift="difference">
        <span class="stat-label">${t('reports.lift.difference')}</span>
        <span class="stat-value">${pct(lift.difference)}</span>
        <span class="stat-sub">${t('reports.lift.interval', { low: pct(lift.interval[0]), high: pct(lift.interval[1]) })}</span>
      </div>
    </div>
    <p class=${lift.significant ? '' : 'muted'}>${t(lift.significant ? 'reports.lift.significant' : 'reports.lift.notSignificant')}</p>
  `
}

function Lift({ days }) {
  const rules = useApi('/api/rules')
  const [form, setForm] = useState({ rule: '', outcome: 'Complaint Filed', within: '14d' })
  const [asked, setAsked] = useState(null)
  const lift = useApi(asked && `/api/analytics/lift?${new URLSearchParams({ rule: asked.rule, outcome: asked.outcome, within: asked.within, days: String(days) })}`)
  const list = rules.data?.rules ?? []
  const chosen = list.find((r) => r.id === (asked?.rule ?? form.rule))
  const set = (key) => (e) => setForm({ ...form, [key]: e.target.value })
  const submit = (e) => {
    e.preventDefault()
    if (form.rule) setAsked({ ...form })
  }
  const fieldError = (name) => lift.error?.body?.errors?.filter((x) => x.path === `/${name}`).map((x) => x.message)
  return html`
    <div class="stack">
      <p class="muted">${t('reports.lift.intro')}</p>
      <form class="card card-body" onSubmit=${submit}>
        <div class="grid grid-3">
          <${Field} id="lift-rule" label=${t('reports.lift.rule')}>
            ${(a) => html`<select ...${a} value=${form.rule} onChange=${set('rule')} required>
              <option value="">${t('reports.lift.pick')}</option>
              ${list.map((r) => html`<option value=${r.id}>${r.document?.name ?? r.id} (${r.id})</option>`)}
            </select>`}
          <//>
          <${Field} id="lift-outcome" label=${t('reports.lift.outcome')} hint=${t('reports.lift.outcomeHint')} error=${fieldError('outcome')}>
            ${(a) => html`<input ...${a} type="text" value=${form.outcome} onInput=${set('outcome')} />`}
          <//>
          <${Field} id="lift-within" label=${t('reports.lift.within')} error=${fieldError('within')}>
            ${(a) => html`<input ...${a} type="text" class="mono" value=${form.within} onInput=${set('within')} />`}
          <//>
        </div>
        <div class="toolbar"><button type="submit" class="primary" disabled=${!form.rule}>${t('reports.lift.run')}</button></div>
      </form>
      ${chosen && !(chosen.document?.holdout > 0) && html`<${Alert} tone="info">${t('reports.lift.noHoldout')}<//>`}
      ${asked && html`<${Loaded} result=${lift}>${(data) => html`<${LiftResult} lift=${data} />`}<//>`}
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
