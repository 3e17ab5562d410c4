// The backtest report: headline figures, fires per day, channels, queues, outcomes, workload vs
// capacity, overlap with other rules and sample shoppers (used by the editor's Backtest tab and,
// in part, by the enable dialog).
import { useMemo } from 'preact/hooks'
import { Alert, Badge, Chart, EmptyState, Table, formatDateTime, formatNumber } from '../components/index.js'
import './ruleBacktestStrings.js'
import { html, t } from '../lib.js'

export const DAY = 86_400_000

const entries = (counts) => Object.entries(counts ?? {}).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
const sum = (counts) => Object.values(counts ?? {}).reduce((a, b) => a + b, 0)
const taskCount = (fires) => sum(fires.byQueue)
const messageCount = (fires) => sum(fires.byChannel)
export const overDays = (w) => w.days.filter((d) => d.overCapacity)
const formatDay = (date) => formatDateTime(Date.parse(date), { month: 'short', day: 'numeric', hour: undefined, minute: undefined, timeZone: 'UTC' })

function Stat({ label, value, sub, testId, tone }) {
  return html`<div role="listitem"><div class="card stat">
    <span class="stat-label">${label}</span>
    <span class="stat-value" data-testid=${testId} style=${tone ? `color: var(--${tone})` : undefined}>${formatNumber(value)}</span>
    ${sub && html`<span class="stat-sub">${sub}</span>`}
  </div></div>`
}

/** The headline figures: fires, messages, tasks, shoppers (with the live version's, when editing one). */
export function Figures({ report }) {
  const { fires, baseline } = report
  const live = (n) => (baseline ? html`<span>${t('backtest.vsLive', { n: formatNumber(n) })}</span>` : null)
  return html`<div class="grid grid-4" role="list" aria-label=${t('backtest.title')}>
    <${Stat} label=${t('backtest.fires')} value=${fires.total} testId="backtest-fires" sub=${baseline ? live(baseline.total) : t('backtest.firesSub')} />
    <${Stat} label=${t('backtest.messages')} value=${messageCount(fires)} testId="backtest-messages" sub=${baseline ? live(messageCount(baseline)) : t('backtest.messagesSub')} />
    <${Stat} label=${t('backtest.tasks')} value=${taskCount(fires)} testId="backtest-tasks" sub=${baseline ? live(taskCount(baseline)) : t('backtest.tasksSub')} />
    <${Stat} label=${t('backtest.shoppers')} value=${report.overlap.shoppers} testId="backtest-shoppers" sub=${t('backtest.shoppersSub')} />
  </div>`
}

export function CountTable({ label, counts, caption }) {
  const rows = entries(counts).map(([key, n]) => ({ id: key, key, n }))
  return html`<${Table}
    compact
    caption=${caption}
    rows=${rows}
    columns=${[
      { key: 'key', label, render: (r) => html`<span class="mono">${r.key || '—'}</span>` },
      { key: 'n', label: t('backtest.count'), num: true, render: (r) => formatNumber(r.n) },
    ]}
    empty=${html`<p class="muted small" style="margin:0">${t('backtest.none')}</p>`}
  />`
}

function Section({ id, title, hint, children, flushTable }) {
  return html`<section class="card" aria-labelledby=${id}>
    <div class="card-header" style=${flushTable ? 'margin-bottom:8px' : undefined}>
      <div>
        <h2 class="card-title" id=${id}>${title}</h2>
        ${hint && html`<p class="card-description">${hint}</p>`}
      </div>
    </div>
    ${children}
  </section>`
}

/** Per-day workload as a strip of small bars against a capacity line; over-capacity days in red. */
function WorkloadStrip({ w }) {
  const max = Math.max(1, w.peak, w.capacity ?? 0)
  const h = 44
  return html`<div aria-hidden="true" style="position:relative;display:flex;align-items:flex-end;gap:2px;height:${h}px;padding-top:2px;border-bottom:1px solid var(--border)">
    ${w.capacity !== null &&
    html`<div style=${`position:absolute;left:0;right:0;bottom:${Math.round((w.capacity / max) * h)}px;border-top:1px dashed var(--text-4)`}></div>`}
    ${w.days.map(
      (d) => html`<div
        title=${`${d.date}: ${d.tasks}`}
        style=${`flex:1;min-width:2px;height:${Math.max(d.tasks > 0 ? 2 : 0, Math.round((d.tasks / max) * h))}px;border-radius:2px 2px 0 0;background:${d.overCapacity ? 'var(--chart-4)' : 'var(--chart-2)'}`}
      ></div>`,
    )}
  </div>`
}

function Workload({ report }) {
  const list = report.workload
  if (list.length === 0) return html`<p class="muted small" style="margin:0">${t('backtest.noTasks')}</p>`
  const busy = list.flatMap((w) => w.days.filter((d) => d.tasks > 0).map((d) => ({ ...d, queue: w.queue, capacity: w.capacity, id: `${w.queue}:${d.date}` })))
  busy.sort((a, b) => Number(b.overCapacity) - Number(a.overCapacity) || b.tasks - a.tasks || (a.date < b.date ? -1 : 1))
  return html`<div class="stack">
    ${list.map((w) => {
      const over = overDays(w).length
      return html`<div class="stack-sm" data-testid="workload-queue">
        <div class="row" style="justify-content:space-between;gap:8px;flex-wrap:wrap">
          <span><b class="mono">${w.queue}</b> <span class="muted small">· ${t('backtest.agents')} ${formatNumber(w.agents)} · ${t('backtest.capacity')} ${w.capacity === null ? t('backtest.notConfigured') : formatNumber(w.capacity)} · ${t('backtest.peak')} ${formatNumber(w.peak)}</span></span>
          ${over > 0
            ? html`<${Badge} tone="danger" dot>${over === 1 ? t('backtest.overOn1') : t('backtest.overOn', { n: over })}<//>`
            : w.capacity === null
              ? html`<${Badge} tone="warning" dot>${t('backtest.notConfigured')}<//>`
              : html`<${Badge} tone="success" dot>${t('backtest.within')}<//>`}
        </div>
        <${WorkloadStrip} w=${w} />
      </div>`
    })}
    <div>
      <h3 class="small" style="margin:4px 0 6px;color:var(--text-3);font-weight:600">${t('backtest.busyDays')}</h3>
      <${Table}
        compact
        caption=${t('backtest.workload')}
        rows=${busy.slice(0, 10)}
        columns=${[
          { key: 'date', label: t('backtest.date'), render: (r) => html`<span class="nowrap">${formatDay(r.date)}</span>` },
          { key: 'queue', label: t('backtest.queue'), render: (r) => html`<span class="mono">${r.queue}</span>` },
          { key: 'tasks', label: t('backtest.tasksDay'), num: true, render: (r) => html`<span style=${r.overCapacity ? 'color:var(--danger);font-weight:600' : undefined}>${formatNumber(r.tasks)}</span>` },
          { key: 'candidate', label: t('backtest.fromRule'), num: true, render: (r) => formatNumber(r.candidate) },
          { key: 'capacity', label: t('backtest.capacity'), num: true, render: (r) => (r.capacity === null ? '—' : formatNumber(r.capacity)) },
          { key: 'status', label: '', hideLabel: true, render: (r) => (r.overCapacity ? html`<${Badge} tone="danger">${t('backtest.over')}<//>` : null) },
        ]}
      />
    </div>
  </div>`
}

function Suppression({ title, data }) {
  return html`<div class="stack-sm">
    <div class="row" style="justify-content:space-between"><b class="small">${title}</b><${Badge} tone=${data.total > 0 ? 'warning' : 'neutral'}>${t('backtest.suppressedTotal', { n: formatNumber(data.total) })}<//></div>
    ${data.total > 0 &&
    html`<div class="grid grid-2">
      <${CountTable} label=${t('backtest.byGuard')} counts=${data.byGuard} caption=${`${title}: ${t('backtest.byGuard')}`} />
      <${CountTable} label=${t('backtest.byWinner')} counts=${data.byRule} caption=${`${title}: ${t('backtest.byWinner')}`} />
    </div>`}
  </div>`
}

const outcomeTone = { sent: 'success', task: 'info', skipped: 'warning', dead: 'danger', pending: 'neutral', suppressed: 'neutral' }

function Samples({ report }) {
  if (report.samples.length === 0) return html`<p class="muted small" style="margin:0">${t('backtest.none')}</p>`
  return html`<${Table}
    compact
    caption=${t('backtest.samples')}
    rowKey=${(r) => r.customer}
    rows=${report.samples}
    columns=${[
      { key: 'customer', label: t('backtest.customer'), render: (r) => html`<span class="mono">${r.customer}</span>` },
      {
        key: 'decisions',
        label: t('backtest.decisions'),
        render: (r) => html`<div class="stack-sm">${r.decisions.slice(0, 4).map(
          (d) => html`<div class="small" style="display:flex;gap:8px;align-items:center;flex-wrap:wrap">
            <span class="muted nowrap">${formatDateTime(Date.parse(d.decidedAt))}</span>
            <span class="mono">${d.action === 'nudge' ? d.channel : d.queue}</span>
            <${Badge} tone=${outcomeTone[d.outcome] ?? 'neutral'}>${d.outcome}${d.guard ? ` · ${d.guard}` : ''}<//>
          </div>`,
        )}</div>`,
      },
    ]}
  />`
}

/** Why it never fired: the first condition no event met, and how often each condition held. */
function NeverHeld({ conditions }) {
  if (!conditions) return null
  return html`<div class="stack-sm" data-testid="backtest-never-held">
    <p class="small" style="margin:0">${conditions.neverHeld ? t('backtest.neverHeld', { path: conditions.neverHeld }) : t('backtest.eachHeld')}</p>
    <ul class="small muted" style="margin:0">${conditions.counts.map((c) => html`<li><code>${c.path}</code> ${t('backtest.heldOf', { held: formatNumber(c.held), of: formatNumber(c.of) })}</li>`)}</ul>
  </div>`
}

/** The full report. */
export function BacktestReport({ report }) {
  const { fires, baseline, overlap } = report
  const x = useMemo(() => fires.byDay.map((d) => Date.parse(d.date)), [report])
  const series = useMemo(
    () => [
      { label: t('backtest.candidate'), values: fires.byDay.map((d) => d.fires), color: 'var(--chart-1)' },
      ...(baseline ? [{ label: t('backtest.live'), values: baseline.byDay.map((d) => d.fires), color: 'var(--chart-6)' }] : []),
    ],
    [report],
  )
  const heldBack = entries(fires.suppressedByRuleGuards)
  return html`<div class="stack" data-testid="backtest-report">
    ${report.truncated && html`<${Alert} tone="warning">${t('backtest.truncated')}<//>`}
    ${report.skippedRules.length > 0 && html`<${Alert} tone="warning">${t('backtest.skipped', { rules: report.skippedRules.map((r) => r.rule).join(', ') })}<//>`}
    <${Figures} report=${report} />
    <${Section} id="bt-per-day" title=${t('backtest.firesPerDay')} hint=${t('backtest.firesPerDayHint')}>
      ${fires.total === 0 && !(baseline?.total > 0)
        ? html`<${EmptyState} icon="chart" title=${t('backtest.quiet')}><${NeverHeld} conditions=${report.conditions} /><//>`
        : html`<${Chart} label=${t('backtest.firesPerDay')} x=${x} series=${series} bars=${!baseline} bucketMs=${DAY} height=${180} />`}
    <//>
    <div class="grid grid-3">
      <${Section} id="bt-channels" title=${t('backtest.byChannel')} flushTable><${CountTable} label=${t('backtest.channel')} counts=${fires.byChannel} caption=${t('backtest.byChannel')} /><//>
      <${Section} id="bt-queues" title=${t('backtest.byQueue')} flushTable><${CountTable} label=${t('backtest.queue')} counts=${fires.byQueue} caption=${t('backtest.byQueue')} /><//>
      <${Section} id="bt-outcomes" title=${t('backtest.outcomes')} flushTable>
        <div class="stack-sm">
          <div class="toolbar">${entries(fires.outcomes).map(([k, n]) => html`<${Badge} tone=${outcomeTone[k] ?? 'neutral'}>${k} <b class="num">${formatNumber(n)}</b><//>`)}${Object.keys(fires.outcomes).length === 0 && html`<span class="muted small">${t('backtest.none')}</span>`}</div>
          ${heldBack.length > 0 && html`<${CountTable} label=${t('backtest.heldBack')} counts=${fires.suppressedByRuleGuards} caption=${t('backtest.heldBack')} />`}
        </div>
      <//>
    </div>
    <${Section} id="bt-workload" title=${t('backtest.workload')} hint=${t('backtest.workloadHint')}><${Workload} report=${report} /><//>
    <div class="grid grid-2">
      <${Section} id="bt-overlap" title=${t('backtest.overlap')}>
        <div class="stack">
          <p class="small" style="margin:0">${t('backtest.overlapText', { n: formatNumber(overlap.withOtherRules), total: formatNumber(overlap.shoppers) })}</p>
          ${Object.keys(overlap.byRule).length > 0 && html`<${CountTable} label=${t('backtest.rule')} counts=${overlap.byRule} caption=${t('backtest.overlap')} />`}
          <${Suppression} title=${t('backtest.suppressedMine')} data=${overlap.candidateSuppressed} />
          <${Suppression} title=${t('backtest.suppressedOthers')} data=${overlap.othersSuppressed} />
        </div>
      <//>
      <${Section} id="bt-samples" title=${t('backtest.samples')} hint=${t('backtest.samplesHint')}><${Samples} report=${report} /><//>
    </div>
  </div>`
}
