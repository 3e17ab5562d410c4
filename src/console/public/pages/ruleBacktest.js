// Backtest in the rule editor: the candidate rule (the document being edited) replayed over a
// period of stored history next to the live rules (POST /api/rules/backtest; nothing is sent).
// BacktestTab is the editor's "Backtest" tab (period picker, Run, the full report);
// EnableDialog runs a 30-day backtest of the rule about to be enabled and shows the key figures
// before it offers "Enable".
import { useEffect, useRef, useState } from 'preact/hooks'
import { Alert, Dialog, EmptyState, formatDateTime, formatNumber } from '../components/index.js'
import './ruleBacktestStrings.js'
import { api, html, t } from '../lib.js'
import { BacktestReport, CountTable, DAY, Figures, overDays } from './ruleBacktestReport.js'

export { BacktestReport }

const PERIODS = [7, 30, 90]

/** Runs backtests of `rule`; `run(days)` replaces the report. */
function useBacktest() {
  const [state, setState] = useState({ status: 'idle' })
  const seq = useRef(0)
  const run = async (rule, days) => {
    const n = ++seq.current
    setState((s) => ({ ...s, status: 'running', error: undefined }))
    const to = Date.now()
    try {
      const report = await api('POST', '/api/rules/backtest', { rule, from: to - days * DAY, to })
      if (n === seq.current) setState({ status: 'done', report, days, rule })
    } catch (error) {
      if (n === seq.current) setState({ status: 'error', error, days, rule })
    }
  }
  return [state, run]
}

function Running() {
  return html`<p class="loading" aria-busy="true"><span class="spinner"></span> ${t('backtest.running')}</p>`
}

function Failed({ error }) {
  const details = Array.isArray(error?.body?.errors) ? error.body.errors : []
  return html`<${Alert} tone="danger" title=${t('backtest.failed')}>
    ${details.length > 0 ? html`<ul class="error-list">${details.map((e) => html`<li><code class="error-path">${e.path}</code> <span>${e.message}</span></li>`)}</ul>` : error?.message}
  <//>`
}

function PeriodLine({ report }) {
  const to = Date.parse(report.period.to)
  return html`<span class="muted small">${t('backtest.periodLine', {
    from: formatDateTime(Date.parse(report.period.from)),
    to: formatDateTime(to),
    events: formatNumber(report.events),
  })}</span>`
}

/** The editor's Backtest tab: `doc` is the document as edited. */
export function BacktestTab({ doc }) {
  const [days, setDays] = useState(30)
  const [state, run] = useBacktest()
  const stale = state.status === 'done' && JSON.stringify(state.rule) !== JSON.stringify(doc)
  return html`<div class="stack">
    <section class="card" aria-labelledby="bt-title">
      <div class="card-header" style="margin-bottom:0;flex-wrap:wrap;gap:12px">
        <div>
          <h2 class="card-title" id="bt-title">${t('backtest.title')}</h2>
          <p class="card-description">${t('backtest.intro')}</p>
        </div>
        <div class="toolbar">
          <div class="segmented" role="group" aria-label=${t('backtest.period')}>
            ${PERIODS.map((n) => html`<button type="button" aria-pressed=${days === n ? 'true' : 'false'} onClick=${() => setDays(n)}>${t('backtest.days', { n })}</button>`)}
          </div>
          <button type="button" class="primary" onClick=${() => run(doc, days)} disabled=${state.status === 'running'}>
            ${state.status === 'done' ? t('backtest.rerun') : t('backtest.run')}
          </button>
        </div>
      </div>
      <div aria-live="polite" style=${state.status === 'idle' ? undefined : 'margin-top:10px'}>
        ${state.status === 'running' ? html`<${Running} />` : state.report && html`<${PeriodLine} report=${state.report} />`}
      </div>
    </section>
    ${state.status === 'error' && html`<${Failed} error=${state.error} />`}
    ${state.status === 'idle' && html`<div class="card"><${EmptyState} icon="chart" title=${t('backtest.notRun')}>${t('backtest.notRunText')}<//></div>`}
    ${stale && html`<${Alert} tone="info">${t('backtest.stale')}<//>`}
    ${state.status === 'done' && html`<${BacktestReport} report=${state.report} />`}
  </div>`
}

/** Warnings worth reading before enabling: queues over capacity, or with nobody to serve them. */
function workloadWarnings(report) {
  return report.workload.flatMap((w) => {
    const mine = w.days.reduce((a, d) => a + d.candidate, 0)
    if (w.capacity === null || w.capacity === 0) return mine > 0 ? [t('backtest.noCapacity', { queue: w.queue, n: formatNumber(mine) })] : []
    const over = overDays(w).filter((d) => d.candidate > 0).length
    return over > 0 ? [t('backtest.overWarning', { queue: w.queue, n: over, peak: formatNumber(w.peak), capacity: formatNumber(w.capacity) })] : []
  })
}

/** Before enabling: a 30-day backtest of `rule` (the stored version), then Enable / Cancel. */
export function EnableDialog({ open, rule, dirty, onConfirm, onClose }) {
  const [state, run] = useBacktest()
  const [busy, setBusy] = useState(false)
  useEffect(() => {
    if (open) run(rule.document, 30)
  }, [open])
  const report = state.status === 'done' ? state.report : undefined
  const warnings = report ? workloadWarnings(report) : []
  const confirm = async () => {
    setBusy(true)
    try {
      await onConfirm()
    } finally {
      setBusy(false)
    }
  }
  return html`<${Dialog}
    id="enable-dialog"
    open=${open}
    title=${t('backtest.enableTitle', { name: rule.document?.name || rule.id })}
    onClose=${onClose}
    footer=${html`
      <button type="button" onClick=${onClose}>${t('backtest.cancel')}</button>
      <button type="button" class="primary" onClick=${confirm} disabled=${busy || state.status === 'running' || state.status === 'idle'}>
        ${state.status === 'error' ? t('backtest.enableAnyway') : t('backtest.enable')}
      </button>
    `}
  >
    <div class="stack">
      <p style="margin:0">${t('backtest.enableIntro')}</p>
      ${dirty && html`<${Alert} tone="info">${t('backtest.unsavedNote', { version: rule.version })}<//>`}
      <div aria-live="polite">${(state.status === 'running' || state.status === 'idle') && html`<${Running} />`}</div>
      ${state.status === 'error' && html`<${Failed} error=${state.error} />`}
      ${report &&
      html`<div class="stack" data-testid="enable-backtest">
        <${Figures} report=${report} />
        <div class="grid grid-2">
          <div class="stack-sm"><b class="small">${t('backtest.byChannel')}</b><${CountTable} label=${t('backtest.channel')} counts=${report.fires.byChannel} caption=${t('backtest.byChannel')} /></div>
          <div class="stack-sm"><b class="small">${t('backtest.byQueue')}</b><${CountTable} label=${t('backtest.queue')} counts=${report.fires.byQueue} caption=${t('backtest.byQueue')} /></div>
        </div>
        ${warnings.map((w) => html`<${Alert} tone="warning">${w}<//>`)}
        <${PeriodLine} report=${report} />
        <p class="subtle small" style="margin:0">${t('backtest.fullReport')}</p>
      </div>`}
    </div>
  <//>`
}
