// What became of each rule's moments (GET /api/analytics/rules): the drill-down behind every count
// of the overview. Counted by the moment a rule noticed, so a row adds up: signals → planned or
// suppressed (by reason) → sent or not sent (by guard or failure, with an example) → tasks. Rules
// that noticed nothing are listed too, each with a way to backtest why.
import { useState } from 'preact/hooks'
import { Alert, Badge, EmptyState, Table, formatNumber, useApi, usePageTitle } from '../components/index.js'
import { html, register, t } from '../lib.js'

register({
  en: {
    'outcomes.title': 'What became of each rule’s moments',
    'outcomes.subtitle': 'Counted by the moment a rule noticed: messages and tasks follow their moment, whenever they were sent or worked.',
    'outcomes.back': '← Overview',
    'outcomes.range': 'Period',
    'outcomes.day': 'Last 24 hours',
    'outcomes.week': 'Last 7 days',
    'outcomes.focus': 'Showing rules with {what}.',
    'outcomes.showAll': 'Show all rules',
    'outcomes.f.signals': 'signals',
    'outcomes.f.planned': 'planned decisions',
    'outcomes.f.suppressed': 'suppressed decisions',
    'outcomes.f.sent': 'sent messages',
    'outcomes.f.skipped': 'skipped messages',
    'outcomes.f.failed': 'failed messages',
    'outcomes.f.dead': 'dead messages',
    'outcomes.openDead': 'Dead letters: read the reasons and resend',
    'outcomes.f.tasks': 'tasks',
    'outcomes.f.silent': 'no signal in this period',
    'outcomes.rule': 'Rule',
    'outcomes.signals': 'Signals',
    'outcomes.planned': 'Planned',
    'outcomes.suppressed': 'Suppressed',
    'outcomes.sent': 'Sent',
    'outcomes.unsent': 'Not sent',
    'outcomes.tasks': 'Tasks',
    'outcomes.tasksCell': '{created} created · {resolved} resolved',
    'outcomes.unattributed': 'Not from a rule (surveys, talk to a person)',
    'outcomes.disabled': 'disabled',
    'outcomes.silent': 'Noticed nothing.',
    'outcomes.whyNot': 'Backtest: which condition never held?',
    'outcomes.none': 'No rule matches this filter in this period.',
    'outcomes.loadFailed': 'The figures could not be loaded.',
    'outcomes.loading': 'Loading…',
    'outcomes.s.skipped': 'skipped',
    'outcomes.s.failed': 'failed',
    'outcomes.s.dead': 'dead',
    'outcomes.r.cooldown': 'cooldown',
    'outcomes.r.once': 'once',
    'outcomes.r.conditions': 'conditions did not hold',
    'outcomes.r.holdout': 'holdout',
    'outcomes.r.stale': 'too old',
    'outcomes.example': 'Example',
  },
  'zh-CN': {
    'outcomes.title': '每条规则注意到的时刻后来怎样了',
    'outcomes.subtitle': '按规则注意到的时刻统计：消息和任务随其时刻计入，无论何时发送或处理。',
    'outcomes.back': '← 概览',
    'outcomes.range': '时间范围',
    'outcomes.day': '最近 24 小时',
    'outcomes.week': '最近 7 天',
    'outcomes.focus': '仅显示有{what}的规则。',
    'outcomes.showAll': '显示全部规则',
    'outcomes.f.signals': '信号',
    'outcomes.f.planned': '已计划决策',
    'outcomes.f.suppressed': '已抑制决策',
    'outcomes.f.sent': '已发送消息',
    'outcomes.f.skipped': '已跳过消息',
    'outcomes.f.failed': '发送失败消息',
    'outcomes.f.dead': '死信消息',
    'outcomes.openDead': '死信：查看原因并重发',
    'outcomes.f.tasks': '任务',
    'outcomes.f.silent': '本时段无信号',
    'outcomes.rule': '规则',
    'outcomes.signals': '信号',
    'outcomes.planned': '已计划',
    'outcomes.suppressed': '已抑制',
    'outcomes.sent': '已发送',
    'outcomes.unsent': '未发送',
    'outcomes.tasks': '任务',
    'outcomes.tasksCell': '新建 {created} · 已解决 {resolved}',
    'outcomes.unattributed': '非规则产生（问卷、转人工）',
    'outcomes.disabled': '已停用',
    'outcomes.silent': '没有注意到任何时刻。',
    'outcomes.whyNot': '回测：哪个条件从未满足？',
    'outcomes.none': '本时段没有符合筛选条件的规则。',
    'outcomes.loadFailed': '无法加载统计数据。',
    'outcomes.loading': '加载中…',
    'outcomes.s.skipped': '已跳过',
    'outcomes.s.failed': '失败',
    'outcomes.s.dead': '死信',
    'outcomes.r.cooldown': '冷却期',
    'outcomes.r.once': '仅一次',
    'outcomes.r.conditions': '条件未满足',
    'outcomes.r.holdout': '对照组',
    'outcomes.r.stale': '过旧',
    'outcomes.example': '示例',
  },
})

const unsentAs = (status) => (r) => r.unsent.some((u) => u.status === status)

/** focus (from the URL) → does this rule row have any of it. */
const FOCUS = new Map([
  ['signals', (r) => r.signals > 0],
  ['planned', (r) => r.planned > 0],
  ['suppressed', (r) => r.suppressed > 0],
  ['sent', (r) => r.sent > 0],
  ['skipped', unsentAs('skipped')],
  ['failed', unsentAs('failed')],
  ['dead', unsentAs('dead')],
  ['tasks', (r) => r.tasksCreated + r.tasksResolved > 0],
  ['silent', (r) => r.ruleId !== null && r.signals === 0],
])

/** A translated label for a known code, else the code itself (reasons the console does not know yet). */
function label(prefix, code) {
  const key = `${prefix}.${code}`
  const text = t(key)
  return text === key ? code : text
}

/** The page's query (#/overview/rules?days=1&focus=dead), known values only. */
function readQuery() {
  const query = new URLSearchParams(location.hash.split('?')[1] ?? '')
  const days = query.get('days') === '7' ? 7 : 1
  const focus = FOCUS.has(query.get('focus') ?? '') ? query.get('focus') : null
  return { days, focus }
}

function writeQuery(days, focus) {
  const query = new URLSearchParams({ days: String(days) })
  if (focus) query.set('focus', focus)
  history.replaceState(null, '', `#/overview/rules?${query}`)
}

const ruleHref = (id, tab) => `#/rules/${encodeURIComponent(id)}${tab ? `?tab=${tab}` : ''}`

function RuleCell({ row }) {
  if (row.ruleId === null) return html`<span class="muted">${t('outcomes.unattributed')}</span>`
  return html`<a class="cell-title" href=${ruleHref(row.ruleId)}>${row.name ?? row.ruleId}</a>
    ${row.enabled === false && html` <${Badge}>${t('outcomes.disabled')}<//>`}
    <div class="muted small mono">${row.ruleId}</div>
    ${row.signals === 0 &&
    html`<div class="small">${t('outcomes.silent')} <a href=${ruleHref(row.ruleId, 'backtest')}>${t('outcomes.whyNot')}</a></div>`}`
}

function SuppressedCell({ row }) {
  const reasons = Object.entries(row.suppressedBy)
  return html`<span>${formatNumber(row.suppressed)}</span>
    ${reasons.length > 0 &&
    html`<ul class="plain-list small muted">
      ${reasons.map(([reason, n]) => html`<li key=${reason}>${label('outcomes.r', reason)} ${formatNumber(n)}</li>`)}
    </ul>`}`
}

function UnsentCell({ row }) {
  if (row.unsent.length === 0) return html`<span class="muted">0</span>`
  return html`<ul class="plain-list">
    ${row.unsent.map(
      (u) => html`<li key=${`${u.status}:${u.reason}`} class="small">
        <${Badge} tone=${u.status === 'skipped' ? 'warning' : 'danger'}>${label('outcomes.s', u.status)}<//> <b>${formatNumber(u.messages)}</b> ${u.reason || '—'}
        ${u.example && u.example !== u.reason && html`<details><summary class="muted">${t('outcomes.example')}</summary><code class="mono break">${u.example}</code></details>`}
      </li>`,
    )}
  </ul>`
}

export function RuleOutcomesPage({ me }) {
  usePageTitle(t('outcomes.title'))
  const initial = readQuery()
  const [days, setDays] = useState(initial.days)
  const [focus, setFocus] = useState(initial.focus)
  const data = useApi(`/api/analytics/rules?days=${days}`)
  const choose = (nextDays, nextFocus) => {
    setDays(nextDays)
    setFocus(nextFocus)
    writeQuery(nextDays, nextFocus)
  }
  const rows = (data.data?.rules ?? []).filter((r) => !focus || FOCUS.get(focus)(r))
  return html`
    <div class="page">
      <header class="page-header">
        <div>
          <a href="#/" class="small">${t('outcomes.back')}</a>
          <h1>${t('outcomes.title')}</h1>
          <p class="page-subtitle">${t('outcomes.subtitle')}</p>
        </div>
        <div class="segmented" role="group" aria-label=${t('outcomes.range')}>
          <button type="button" aria-pressed=${days === 1 ? 'true' : 'false'} onClick=${() => choose(1, focus)}>${t('outcomes.day')}</button>
          <button type="button" aria-pressed=${days === 7 ? 'true' : 'false'} onClick=${() => choose(7, focus)}>${t('outcomes.week')}</button>
        </div>
      </header>
      ${focus &&
      html`<${Alert} tone="info">
        ${t('outcomes.focus', { what: t(`outcomes.f.${focus}`) })}
        <button type="button" class="ghost small" onClick=${() => choose(days, null)}>${t('outcomes.showAll')}</button>
        ${focus === 'dead' && me?.role !== 'agent' && html`<a class="small" href="#/dead-letters?kind=message">${t('outcomes.openDead')} →</a>`}
      <//>`}
      <section class="card card-flush">
        ${data.error
          ? html`<div class="card-body"><${Alert} tone="danger" title=${t('outcomes.loadFailed')}>${data.error.message}<//></div>`
          : !data.data
            ? html`<p class="loading card-body" aria-busy="true">${t('outcomes.loading')}</p>`
            : html`<${Table}
                caption=${t('outcomes.title')}
                rows=${rows}
                rowKey=${(r) => r.ruleId ?? ''}
                empty=${html`<${EmptyState} icon="rules" title=${t('outcomes.none')} />`}
                columns=${[
                  { key: 'rule', label: t('outcomes.rule'), render: (r) => html`<${RuleCell} row=${r} />` },
                  { key: 'signals', label: t('outcomes.signals'), num: true, render: (r) => formatNumber(r.signals) },
                  { key: 'planned', label: t('outcomes.planned'), num: true, render: (r) => formatNumber(r.planned) },
                  { key: 'suppressed', label: t('outcomes.suppressed'), num: true, render: (r) => html`<${SuppressedCell} row=${r} />` },
                  { key: 'sent', label: t('outcomes.sent'), num: true, render: (r) => formatNumber(r.sent) },
                  { key: 'unsent', label: t('outcomes.unsent'), render: (r) => html`<${UnsentCell} row=${r} />` },
                  { key: 'tasks', label: t('outcomes.tasks'), render: (r) => t('outcomes.tasksCell', { created: formatNumber(r.tasksCreated), resolved: formatNumber(r.tasksResolved) }) },
                ]}
              />`}
      </section>
    </div>
  `
}
