// Overview: what careloop noticed and did in the last 24 hours or 7 days — figures and charts from
// GET /api/analytics/overview, and the rules that fired most (GET /api/rules). Nothing is made up:
// without the analytics endpoint the figures show an empty state.
import { useMemo, useState } from 'preact/hooks'
import { Alert, Badge, Chart, EmptyState, Table, formatDuration, formatNumber, formatPercent, useApi, usePageTitle } from '../components/index.js'
import { currentLanguage, html, register, t } from '../lib.js'

register({
  en: {
    'overview.title': 'Overview',
    'overview.subtitle': 'What careloop noticed, decided and did.',
    'overview.range': 'Period',
    'overview.day': 'Last 24 hours',
    'overview.week': 'Last 7 days',
    'overview.signals': 'Signals',
    'overview.signalsSub': 'moments rules noticed',
    'overview.decisions': 'Decisions',
    'overview.planned': 'planned',
    'overview.suppressed': 'suppressed',
    'overview.sends': 'Messages sent',
    'overview.skipped': 'skipped',
    'overview.failed': 'failed',
    'overview.dead': 'dead',
    'overview.tasks': 'Tasks created',
    'overview.resolved': 'resolved',
    'overview.open': 'open now',
    'overview.sla': 'SLA breaches',
    'overview.firstContact': 'median first contact',
    'overview.chartSignals': 'Signals and decisions',
    'overview.chartSends': 'Messages',
    'overview.chartTasks': 'Tasks',
    'overview.chartSla': 'SLA breaches',
    'overview.perHour': 'per hour',
    'overview.perDay': 'per day',
    'overview.quiet': 'Nothing happened in this period.',
    'overview.noAnalyticsTitle': 'Figures are not available yet',
    'overview.noAnalytics': 'This engine does not serve analytics yet (GET /api/analytics/overview). The figures appear here once it does; nothing is estimated in the meantime.',
    'overview.loadFailed': 'The figures could not be loaded.',
    'overview.forbidden': 'The figures are for operations; your role does not see them.',
    'overview.retry': 'Try again',
    'overview.rulesTitle': 'Rules that fired in the last 24 hours',
    'overview.rulesEmpty': 'No rule fired in the last 24 hours.',
    'overview.allRules': 'All rules',
    'overview.rule': 'Rule',
    'overview.loading': 'Loading figures…',
    'overview.suppressionRate': '{rate} suppressed',
    'overview.off': 'disabled',
    'overview.s.signals': 'Signals',
    'overview.s.planned': 'Planned',
    'overview.s.suppressed': 'Suppressed',
    'overview.s.sent': 'Sent',
    'overview.s.skipped': 'Skipped',
    'overview.s.failed': 'Failed',
    'overview.s.dead': 'Dead letter',
    'overview.s.created': 'Created',
    'overview.s.resolved': 'Resolved',
    'overview.s.breaches': 'Breaches',
    'overview.colSignals': 'Signals',
    'overview.colPlanned': 'Planned',
    'overview.colSuppressed': 'Suppressed',
    'overview.basis': 'Count by',
    'overview.basisMoment': 'Moment noticed',
    'overview.basisActivity': 'As it happened',
    'overview.basisMomentNote': 'Counted by the moment a rule noticed: messages and tasks follow their moment, whenever they were sent or worked. Every number opens what it counts.',
    'overview.basisActivityNote': 'Each number at its own time: signals and decisions at the noticed moment, messages when sent, tasks when changed — after a backlog they need not add up.',
    'overview.drill': 'Per rule: {what}',
  },
  'zh-CN': {
    'overview.title': '概览',
    'overview.subtitle': 'careloop 注意到、决定并执行了什么。',
    'overview.range': '时间范围',
    'overview.day': '最近 24 小时',
    'overview.week': '最近 7 天',
    'overview.signals': '信号',
    'overview.signalsSub': '规则注意到的时刻',
    'overview.decisions': '决策',
    'overview.planned': '已计划',
    'overview.suppressed': '已抑制',
    'overview.sends': '已发送消息',
    'overview.skipped': '已跳过',
    'overview.failed': '失败',
    'overview.dead': '死信',
    'overview.tasks': '新建任务',
    'overview.resolved': '已解决',
    'overview.open': '当前未结',
    'overview.sla': 'SLA 超时',
    'overview.firstContact': '首次联系中位时间',
    'overview.chartSignals': '信号与决策',
    'overview.chartSends': '消息',
    'overview.chartTasks': '任务',
    'overview.chartSla': 'SLA 超时',
    'overview.perHour': '每小时',
    'overview.perDay': '每天',
    'overview.quiet': '这段时间内没有任何活动。',
    'overview.noAnalyticsTitle': '暂无统计数据',
    'overview.noAnalytics': '此引擎尚未提供统计接口（GET /api/analytics/overview）。接口可用后数据会显示在这里；在此之前不做任何估算。',
    'overview.loadFailed': '无法加载统计数据。',
    'overview.forbidden': '统计数据仅供运营人员查看。',
    'overview.retry': '重试',
    'overview.rulesTitle': '最近 24 小时触发的规则',
    'overview.rulesEmpty': '最近 24 小时没有规则触发。',
    'overview.allRules': '全部规则',
    'overview.rule': '规则',
    'overview.loading': '正在加载数据…',
    'overview.suppressionRate': '抑制率 {rate}',
    'overview.off': '已停用',
    'overview.s.signals': '信号',
    'overview.s.planned': '已计划',
    'overview.s.suppressed': '已抑制',
    'overview.s.sent': '已发送',
    'overview.s.skipped': '已跳过',
    'overview.s.failed': '失败',
    'overview.s.dead': '死信',
    'overview.s.created': '新建',
    'overview.s.resolved': '已解决',
    'overview.s.breaches': '超时',
    'overview.colSignals': '信号',
    'overview.colPlanned': '已计划',
    'overview.colSuppressed': '已抑制',
    'overview.basis': '统计口径',
    'overview.basisMoment': '按注意到的时刻',
    'overview.basisActivity': '按发生时间',
    'overview.basisMomentNote': '按规则注意到的时刻统计：消息和任务随其时刻计入，无论何时发送或处理。点击任一数字可查看明细。',
    'overview.basisActivityNote': '每个数字按各自的时间统计：信号和决策按注意到的时刻，消息按发送时间，任务按变更时间——处理积压后它们未必对得上。',
    'overview.drill': '按规则查看：{what}',
  },
})

function Stat({ label, value, unit, children, tone, href }) {
  const figure = html`${value}${unit && html`<span class="stat-unit">${unit}</span>`}`
  return html`
    <div class="card stat">
      <span class="stat-label">${label}</span>
      <span class="stat-value" style=${tone ? `color: var(--${tone})` : undefined}>
        ${href ? html`<a class="stat-link" href=${href} title=${t('overview.drill', { what: label })}>${figure}</a>` : figure}
      </span>
      ${children && html`<span class="stat-sub">${children}</span>`}
    </div>
  `
}

/** The drill-down of one count: the rules' outcomes page, filtered to the rules that have it. */
const drill = (days, focus) => `#/overview/rules?days=${days}&focus=${focus}`

const sub = (value, label, href) => {
  const text = html`<b>${formatNumber(value ?? 0)}</b> ${label}`
  return html`<span>${href ? html`<a class="stat-link" href=${href}>${text}</a>` : text}</span>`
}

function ChartCard({ title, per, x, series, bars, stacked, bucketMs }) {
  const total = series.reduce((sum, s) => sum + s.values.reduce((a, b) => a + (b ?? 0), 0), 0)
  return html`
    <section class="card" aria-labelledby=${`chart-${title}`}>
      <div class="card-header">
        <div>
          <h2 class="card-title" id=${`chart-${title}`}>${title}</h2>
          <p class="card-description">${per}</p>
        </div>
      </div>
      ${total === 0
        ? html`<${EmptyState} icon="chart" title=${t('overview.quiet')} />`
        : html`<${Chart} label=${title} x=${x} series=${series} bars=${bars} stacked=${stacked} bucketMs=${bucketMs} height=${190} />`}
    </section>
  `
}

/** `busy`: other figures (another range or basis) are on their way; these are the previous ones. */
function Figures({ data, days, busy }) {
  const totals = data.totals ?? {}
  const buckets = data.buckets ?? []
  const x = useMemo(() => buckets.map((b) => b.t), [data])
  const col = (key) => buckets.map((b) => b[key] ?? 0)
  const charts = useMemo(
    () => ({
      signals: [
        { label: t('overview.s.signals'), values: col('signals'), color: 'var(--chart-1)' },
        { label: t('overview.s.planned'), values: col('planned'), color: 'var(--chart-2)' },
        { label: t('overview.s.suppressed'), values: col('suppressed'), color: 'var(--chart-6)' },
      ],
      sends: [
        { label: t('overview.s.sent'), values: col('sent'), color: 'var(--chart-1)' },
        { label: t('overview.s.skipped'), values: col('skipped'), color: 'var(--chart-6)' },
        { label: t('overview.s.failed'), values: col('failed'), color: 'var(--chart-3)' },
        { label: t('overview.s.dead'), values: col('dead'), color: 'var(--chart-4)' },
      ],
      tasks: [
        { label: t('overview.s.created'), values: col('tasksCreated'), color: 'var(--chart-1)' },
        { label: t('overview.s.resolved'), values: col('tasksResolved'), color: 'var(--chart-5)' },
      ],
      sla: [{ label: t('overview.s.breaches'), values: col('slaBreaches'), color: 'var(--chart-4)' }],
    }),
    [data, currentLanguage()],
  )
  const decided = (totals.planned ?? 0) + (totals.suppressed ?? 0)
  const per = (data.bucketMs ?? (days === 1 ? 3_600_000 : 86_400_000)) >= 86_400_000 ? t('overview.perDay') : t('overview.perHour')
  const stale = busy ? { 'aria-busy': 'true', style: 'opacity:.6' } : {}
  return html`
    <div class="grid grid-5" role="list" aria-label=${t('overview.title')} ...${stale}>
      <div role="listitem"><${Stat} label=${t('overview.signals')} value=${formatNumber(totals.signals ?? 0)} href=${drill(days, 'signals')}>${t('overview.signalsSub')}<//></div>
      <div role="listitem">
        <${Stat} label=${t('overview.decisions')} value=${formatNumber(totals.planned ?? 0)} unit=${t('overview.planned')} href=${drill(days, 'planned')}>
          ${sub(totals.suppressed, t('overview.suppressed'), drill(days, 'suppressed'))}
          ${decided > 0 && html`<span>${t('overview.suppressionRate', { rate: formatPercent((totals.suppressed ?? 0) / decided) })}</span>`}
        <//>
      </div>
      <div role="listitem">
        <${Stat} label=${t('overview.sends')} value=${formatNumber(totals.sent ?? 0)} href=${drill(days, 'sent')}>
          ${sub(totals.skipped, t('overview.skipped'), drill(days, 'skipped'))}${sub(totals.failed, t('overview.failed'), drill(days, 'failed'))}${sub(totals.dead, t('overview.dead'), drill(days, 'dead'))}
        <//>
      </div>
      <div role="listitem">
        <${Stat} label=${t('overview.tasks')} value=${formatNumber(totals.tasksCreated ?? 0)} href=${drill(days, 'tasks')}>
          ${sub(totals.tasksResolved, t('overview.resolved'), drill(days, 'tasks'))}${sub(totals.openTasks, t('overview.open'), '#/work')}
        <//>
      </div>
      <div role="listitem">
        <${Stat} label=${t('overview.sla')} value=${formatNumber(totals.slaBreaches ?? 0)} tone=${totals.slaBreaches > 0 ? 'danger' : undefined} href="#/reports">
          <span><b>${formatDuration(totals.medianFirstContactMs)}</b> ${t('overview.firstContact')}</span>
        <//>
      </div>
    </div>
    <div class="grid grid-2" ...${stale}>
      <${ChartCard} title=${t('overview.chartSignals')} per=${per} x=${x} series=${charts.signals} bucketMs=${data.bucketMs} />
      <${ChartCard} title=${t('overview.chartSends')} per=${per} x=${x} series=${charts.sends} bars stacked bucketMs=${data.bucketMs} />
      <${ChartCard} title=${t('overview.chartTasks')} per=${per} x=${x} series=${charts.tasks} bucketMs=${data.bucketMs} />
      <${ChartCard} title=${t('overview.chartSla')} per=${per} x=${x} series=${charts.sla} bars bucketMs=${data.bucketMs} />
    </div>
  `
}

function ActiveRules() {
  const rules = useApi('/api/rules')
  const rows = (rules.data?.rules ?? []).filter((r) => r.last24h.signals + r.last24h.planned + r.last24h.suppressed > 0).sort((a, b) => b.last24h.signals - a.last24h.signals)
  return html`
    <section class="card card-flush" aria-labelledby="active-rules">
      <div class="card-header">
        <h2 class="card-title" id="active-rules">${t('overview.rulesTitle')}</h2>
        <a href="#/rules" class="small">${t('overview.allRules')} →</a>
      </div>
      ${rules.error
        ? html`<div class="card-body"><${Alert} tone="danger">${rules.error.message}<//></div>`
        : rules.loading && !rules.data
          ? html`<p class="loading card-body">${t('overview.loading')}</p>`
          : html`<${Table}
              caption=${t('overview.rulesTitle')}
              rows=${rows.slice(0, 8)}
              empty=${html`<${EmptyState} icon="rules" title=${t('overview.rulesEmpty')} />`}
              columns=${[
                {
                  key: 'name',
                  label: t('overview.rule'),
                  render: (r) => html`<a class="cell-title" href=${`#/rules/${encodeURIComponent(r.id)}`}>${r.document?.name ?? r.id}</a>
                    ${!r.enabled && html` <${Badge}>${t('overview.off')}<//>`}`,
                },
                { key: 'signals', label: t('overview.colSignals'), num: true, render: (r) => formatNumber(r.last24h.signals) },
                { key: 'planned', label: t('overview.colPlanned'), num: true, render: (r) => formatNumber(r.last24h.planned) },
                { key: 'suppressed', label: t('overview.colSuppressed'), num: true, render: (r) => formatNumber(r.last24h.suppressed) },
              ]}
            />`}
    </section>
  `
}

export function OverviewPage() {
  usePageTitle(t('overview.title'))
  const [days, setDays] = useState(1)
  const [basis, setBasis] = useState('moment')
  const figures = useApi(`/api/analytics/overview?days=${days}&basis=${basis}`)
  const missing = figures.error?.status === 404
  const forbidden = figures.error?.status === 403
  return html`
    <div class="page">
      <header class="page-header">
        <div>
          <h1>${t('overview.title')}</h1>
          <p class="page-subtitle">${t('overview.subtitle')}</p>
        </div>
        <div class="segmented" role="group" aria-label=${t('overview.range')}>
          <button type="button" aria-pressed=${days === 1 ? 'true' : 'false'} onClick=${() => setDays(1)}>${t('overview.day')}</button>
          <button type="button" aria-pressed=${days === 7 ? 'true' : 'false'} onClick=${() => setDays(7)}>${t('overview.week')}</button>
        </div>
        <div class="segmented" role="group" aria-label=${t('overview.basis')}>
          <button type="button" aria-pressed=${basis === 'moment' ? 'true' : 'false'} onClick=${() => setBasis('moment')}>${t('overview.basisMoment')}</button>
          <button type="button" aria-pressed=${basis === 'activity' ? 'true' : 'false'} onClick=${() => setBasis('activity')}>${t('overview.basisActivity')}</button>
        </div>
      </header>
      <p class="muted small" id="overview-basis">${basis === 'moment' ? t('overview.basisMomentNote') : t('overview.basisActivityNote')}</p>
      ${missing
        ? html`<div class="card"><${EmptyState} icon="chart" title=${t('overview.noAnalyticsTitle')}>${t('overview.noAnalytics')}<//></div>`
        : forbidden
          ? html`<div class="card"><${EmptyState} icon="lock" title=${t('overview.forbidden')} /></div>`
        : figures.error
          ? html`<${Alert} tone="danger" title=${t('overview.loadFailed')} actions=${html`<button type="button" onClick=${figures.reload}>${t('overview.retry')}</button>`}>${figures.error.message}<//>`
          : figures.data
            ? html`<${Figures} data=${figures.data} days=${days} busy=${figures.loading} />`
            : html`<p class="loading" aria-busy="true"><span class="spinner"></span> ${t('overview.loading')}</p>`}
      <${ActiveRules} />
    </div>
  `
}

