// Backtest in the rule editor: the candidate rule (the document being edited) replayed over a
// period of stored history next to the live rules (POST /api/rules/backtest; nothing is sent).
// BacktestTab is the editor's "Backtest" tab (period picker, Run, the full report);
// EnableDialog runs a 30-day backtest of the rule about to be enabled and shows the key figures
// before it offers "Enable".
import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { Alert, Badge, Chart, Dialog, EmptyState, Table, formatDateTime, formatNumber } from '../components/index.js'
import { api, html, register, t } from '../lib.js'

const DAY = 86_400_000
const PERIODS = [7, 30, 90]

register({
  en: {
    'backtest.tab': 'Backtest',
    'backtest.title': 'Backtest',
    'backtest.intro': 'Replays stored events through this rule next to the live rules, with the current guards, queues and consent. Nothing is sent.',
    'backtest.period': 'Period',
    'backtest.days': 'Last {n} days',
    'backtest.run': 'Run backtest',
    'backtest.rerun': 'Run again',
    'backtest.running': 'Replaying stored history…',
    'backtest.failed': 'The backtest could not run.',
    'backtest.notRun': 'No backtest yet',
    'backtest.notRunText': 'Pick a period and run the rule as it stands in the editor over stored history.',
    'backtest.stale': 'The rule has changed since this report; run it again to see the effect.',
    'backtest.periodLine': '{from} – {to} · {events} events replayed',
    'backtest.truncated': 'The period had more stored events than a backtest replays; the report covers the first ones only.',
    'backtest.skipped': 'Live rules left out because they do not compile: {rules}',
    'backtest.fires': 'Fires',
    'backtest.firesSub': 'moments it acted',
    'backtest.messages': 'Messages',
    'backtest.messagesSub': 'nudges planned',
    'backtest.tasks': 'Tasks',
    'backtest.tasksSub': 'opened for agents',
    'backtest.shoppers': 'Shoppers',
    'backtest.shoppersSub': 'reached',
    'backtest.vsLive': 'live version: {n}',
    'backtest.firesPerDay': 'Fires per day',
    'backtest.firesPerDayHint': 'Moments the rule acted on, per day (UTC).',
    'backtest.candidate': 'This version',
    'backtest.live': 'Live version',
    'backtest.quiet': 'The rule would not have fired in this period.',
    'backtest.byChannel': 'Messages by channel',
    'backtest.byQueue': 'Tasks by queue',
    'backtest.channel': 'Channel',
    'backtest.queue': 'Queue',
    'backtest.count': 'Count',
    'backtest.none': 'None',
    'backtest.outcomes': 'Outcomes',
    'backtest.outcome': 'Outcome',
    'backtest.heldBack': 'Held back by its own guards',
    'backtest.guard': 'Guard',
    'backtest.rule': 'Rule',
    'backtest.overlap': 'Overlap with other rules',
    'backtest.overlapText': '{n} of {total} shoppers also got something from another rule within 24 hours.',
    'backtest.shoppersOverlap': 'Shoppers',
    'backtest.suppressedMine': 'Its messages that send-time guards would skip',
    'backtest.suppressedOthers': 'Other rules’ messages it would suppress',
    'backtest.suppressedTotal': '{n} messages',
    'backtest.byGuard': 'By guard',
    'backtest.byWinner': 'In favour of',
    'backtest.workload': 'Workload vs capacity',
    'backtest.workloadHint': 'Open tasks reaching each queue per day (all rules, with this one), against what its agents can hold.',
    'backtest.noTasks': 'No tasks in this period.',
    'backtest.agents': 'Agents',
    'backtest.capacity': 'Capacity',
    'backtest.peak': 'Peak day',
    'backtest.daysOver': 'Days over',
    'backtest.notConfigured': 'not configured',
    'backtest.overOn': 'Over capacity on {n} days',
    'backtest.overOn1': 'Over capacity on 1 day',
    'backtest.date': 'Date',
    'backtest.tasksDay': 'Tasks',
    'backtest.fromRule': 'From this rule',
    'backtest.over': 'Over capacity',
    'backtest.within': 'Within capacity',
    'backtest.busyDays': 'Busiest days',
    'backtest.samples': 'Sample shoppers',
    'backtest.samplesHint': 'A few shoppers the rule would have acted for, with its decisions.',
    'backtest.customer': 'Shopper',
    'backtest.decisions': 'Decisions',
    'backtest.enableTitle': 'Enable “{name}”?',
    'backtest.enableIntro': 'What this rule would have done over the last 30 days of stored history, next to the live rules:',
    'backtest.enable': 'Enable',
    'backtest.enableAnyway': 'Enable without backtest',
    'backtest.cancel': 'Cancel',
    'backtest.unsavedNote': 'This backtests the saved version (v{version}), the one that will be enabled; your unsaved edits are not included.',
    'backtest.overWarning': 'Queue “{queue}” would be over capacity on {n} day(s) (peak {peak} tasks, capacity {capacity}).',
    'backtest.noCapacity': 'Queue “{queue}” has no agents configured: its {n} task(s) would wait.',
    'backtest.fullReport': 'See the full report in the Backtest tab.',
  },
  'zh-CN': {
    'backtest.tab': '回测',
    'backtest.title': '回测',
    'backtest.intro': '将已存储的事件与当前生效的规则一起重放，使用当前的防护、队列和同意设置。不会发送任何消息。',
    'backtest.period': '时间段',
    'backtest.days': '最近 {n} 天',
    'backtest.run': '运行回测',
    'backtest.rerun': '重新运行',
    'backtest.running': '正在重放历史数据…',
    'backtest.failed': '回测无法运行。',
    'backtest.notRun': '尚未回测',
    'backtest.notRunText': '选择时间段，用编辑器中的规则重放已存储的历史数据。',
    'backtest.stale': '规则在此报告之后已更改；请重新运行以查看影响。',
    'backtest.periodLine': '{from} – {to} · 重放了 {events} 个事件',
    'backtest.truncated': '该时间段的事件超出回测上限；报告仅覆盖前面的部分。',
    'backtest.skipped': '以下生效规则因无法编译而被排除：{rules}',
    'backtest.fires': '触发次数',
    'backtest.firesSub': '规则采取行动的时刻',
    'backtest.messages': '消息',
    'backtest.messagesSub': '计划发送',
    'backtest.tasks': '任务',
    'backtest.tasksSub': '分配给客服',
    'backtest.shoppers': '顾客',
    'backtest.shoppersSub': '被触达',
    'backtest.vsLive': '生效版本：{n}',
    'backtest.firesPerDay': '每日触发次数',
    'backtest.firesPerDayHint': '规则每天采取行动的次数（UTC）。',
    'backtest.candidate': '此版本',
    'backtest.live': '生效版本',
    'backtest.quiet': '该规则在此时间段内不会触发。',
    'backtest.byChannel': '按渠道的消息',
    'backtest.byQueue': '按队列的任务',
    'backtest.channel': '渠道',
    'backtest.queue': '队列',
    'backtest.count': '数量',
    'backtest.none': '无',
    'backtest.outcomes': '结果',
    'backtest.outcome': '结果',
    'backtest.heldBack': '被自身防护拦下',
    'backtest.guard': '防护',
    'backtest.rule': '规则',
    'backtest.overlap': '与其他规则的重叠',
    'backtest.overlapText': '{total} 位顾客中有 {n} 位在 24 小时内也收到了其他规则的内容。',
    'backtest.shoppersOverlap': '顾客',
    'backtest.suppressedMine': '其消息将被发送时防护跳过',
    'backtest.suppressedOthers': '它会压制的其他规则消息',
    'backtest.suppressedTotal': '{n} 条消息',
    'backtest.byGuard': '按防护',
    'backtest.byWinner': '让位于',
    'backtest.workload': '工作量与容量',
    'backtest.workloadHint': '每天进入各队列的任务（所有规则，含此规则），与其客服可承载的数量对比。',
    'backtest.noTasks': '此时间段内没有任务。',
    'backtest.agents': '客服',
    'backtest.capacity': '容量',
    'backtest.peak': '峰值',
    'backtest.daysOver': '超出天数',
    'backtest.notConfigured': '未配置',
    'backtest.overOn': '有 {n} 天超出容量',
    'backtest.overOn1': '有 1 天超出容量',
    'backtest.date': '日期',
    'backtest.tasksDay': '任务',
    'backtest.fromRule': '来自此规则',
    'backtest.over': '超出容量',
    'backtest.within': '容量之内',
    'backtest.busyDays': '最忙的日子',
    'backtest.samples': '示例顾客',
    'backtest.samplesHint': '规则会为其采取行动的几位顾客及其决策。',
    'backtest.customer': '顾客',
    'backtest.decisions': '决策',
    'backtest.enableTitle': '启用“{name}”？',
    'backtest.enableIntro': '此规则在最近 30 天的历史数据中（与生效规则一起）会产生的效果：',
    'backtest.enable': '启用',
    'backtest.enableAnyway': '不回测直接启用',
    'backtest.cancel': '取消',
    'backtest.unsavedNote': '回测的是已保存的版本（v{version}），即将被启用的版本；未保存的修改不包括在内。',
    'backtest.overWarning': '队列“{queue}”将有 {n} 天超出容量（峰值 {peak} 个任务，容量 {capacity}）。',
    'backtest.noCapacity': '队列“{queue}”没有配置客服：其 {n} 个任务将会等待。',
    'backtest.fullReport': '完整报告见“回测”标签页。',
  },
})

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

const entries = (counts) => Object.entries(counts ?? {}).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
const sum = (counts) => Object.values(counts ?? {}).reduce((a, b) => a + b, 0)
const taskCount = (fires) => sum(fires.byQueue)
const messageCount = (fires) => sum(fires.byChannel)
const overDays = (w) => w.days.filter((d) => d.overCapacity)
const formatDay = (date) => formatDateTime(Date.parse(date), { month: 'short', day: 'numeric', hour: undefined, minute: undefined, timeZone: 'UTC' })

function Running() {
  return html`<p class="loading" aria-busy="true"><span class="spinner"></span> ${t('backtest.running')}</p>`
}

function Failed({ error }) {
  const details = Array.isArray(error?.body?.errors) ? error.body.errors : []
  return html`<${Alert} tone="danger" title=${t('backtest.failed')}>
    ${details.length > 0 ? html`<ul class="error-list">${details.map((e) => html`<li><code class="error-path">${e.path}</code> <span>${e.message}</span></li>`)}</ul>` : error?.message}
  <//>`
}

function Stat({ label, value, sub, testId, tone }) {
  return html`<div role="listitem"><div class="card stat">
    <span class="stat-label">${label}</span>
    <span class="stat-value" data-testid=${testId} style=${tone ? `color: var(--${tone})` : undefined}>${formatNumber(value)}</span>
    ${sub && html`<span class="stat-sub">${sub}</span>`}
  </div></div>`
}

/** The headline figures: fires, messages, tasks, shoppers (with the live version's, when editing one). */
function Figures({ report }) {
  const { fires, baseline } = report
  const live = (n) => (baseline ? html`<span>${t('backtest.vsLive', { n: formatNumber(n) })}</span>` : null)
  return html`<div class="grid grid-4" role="list" aria-label=${t('backtest.title')}>
    <${Stat} label=${t('backtest.fires')} value=${fires.total} testId="backtest-fires" sub=${baseline ? live(baseline.total) : t('backtest.firesSub')} />
    <${Stat} label=${t('backtest.messages')} value=${messageCount(fires)} testId="backtest-messages" sub=${baseline ? live(messageCount(baseline)) : t('backtest.messagesSub')} />
    <${Stat} label=${t('backtest.tasks')} value=${taskCount(fires)} testId="backtest-tasks" sub=${baseline ? live(taskCount(baseline)) : t('backtest.tasksSub')} />
    <${Stat} label=${t('backtest.shoppers')} value=${report.overlap.shoppers} testId="backtest-shoppers" sub=${t('backtest.shoppersSub')} />
  </div>`
}

function CountTable({ label, counts, caption }) {
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
        ? html`<${EmptyState} icon="chart" title=${t('backtest.quiet')} />`
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
