// Rules: every rule with its status, version, priority, tags and what it did in the last 24 hours.
import { useState } from 'preact/hooks'
import { Alert, Badge, EmptyState, Icon, Table, formatNumber, useApi, usePageTitle } from '../components/index.js'
import { html, register, t } from '../lib.js'

register({
  en: {
    'rules.title': 'Rules',
    'rules.subtitle': 'The moments careloop watches for, and what it does then.',
    'rules.new': 'New rule',
    'rules.search': 'Search rules',
    'rules.searchPlaceholder': 'Search by name, id or tag',
    'rules.filter': 'Status',
    'rules.all': 'All',
    'rules.enabled': 'Enabled',
    'rules.disabled': 'Disabled',
    'rules.broken': 'Broken',
    'rules.name': 'Rule',
    'rules.id': 'ID',
    'rules.status': 'Status',
    'rules.version': 'Version',
    'rules.priority': 'Priority',
    'rules.tags': 'Tags',
    'rules.last24h': 'Last 24 hours',
    'rules.signals': 'Signals',
    'rules.planned': 'Planned',
    'rules.suppressed': 'Suppressed',
    'rules.changedBy': 'Last changed by {who}',
    'rules.draft': 'draft',
    'rules.empty': 'No rules yet',
    'rules.emptyText': 'A rule says which moment to notice (an event, or something that did not happen in time) and what to do: nudge the shopper or open a task for a person.',
    'rules.noMatch': 'No rule matches this search.',
    'rules.loadFailed': 'The rules could not be loaded.',
    'rules.readOnly': 'You can read rules; only operations can change them.',
    'rules.count': '{n} rules · {enabled} enabled',
  },
  'zh-CN': {
    'rules.title': '规则',
    'rules.subtitle': 'careloop 关注哪些时刻，以及随后做什么。',
    'rules.new': '新建规则',
    'rules.search': '搜索规则',
    'rules.searchPlaceholder': '按名称、ID 或标签搜索',
    'rules.filter': '状态',
    'rules.all': '全部',
    'rules.enabled': '已启用',
    'rules.disabled': '已停用',
    'rules.broken': '有错误',
    'rules.name': '规则',
    'rules.id': 'ID',
    'rules.status': '状态',
    'rules.version': '版本',
    'rules.priority': '优先级',
    'rules.tags': '标签',
    'rules.last24h': '最近 24 小时',
    'rules.signals': '信号',
    'rules.planned': '已计划',
    'rules.suppressed': '已抑制',
    'rules.changedBy': '最近由 {who} 修改',
    'rules.draft': '草稿',
    'rules.empty': '还没有规则',
    'rules.emptyText': '规则说明要注意哪个时刻（某个事件，或某件事没有按时发生）以及要做什么：提醒顾客，或为客服创建任务。',
    'rules.noMatch': '没有匹配的规则。',
    'rules.loadFailed': '无法加载规则。',
    'rules.readOnly': '您可以查看规则；只有运营人员可以修改。',
    'rules.count': '共 {n} 条规则 · {enabled} 条已启用',
  },
})

export const canEditRules = (me) => me.role === 'admin' || me.role === 'ops' || me.role === 'approver'
/** Four eyes: approvers and admins approve rule versions written by someone else. */
export const canApproveRules = (me) => me.role === 'admin' || me.role === 'approver'

export function RuleStatus({ rule }) {
  if (rule.problem) return html`<${Badge} tone="danger" dot title=${rule.problem}>${t('rules.broken')}<//>`
  return rule.enabled ? html`<${Badge} tone="success" dot>${t('rules.enabled')}<//>` : html`<${Badge} dot>${t('rules.disabled')}<//>`
}

export function RulesPage({ me }) {
  usePageTitle(t('rules.title'))
  const rules = useApi('/api/rules')
  const [query, setQuery] = useState('')
  const [status, setStatus] = useState('all')
  const all = rules.data?.rules ?? []
  const q = query.trim().toLowerCase()
  const rows = all
    .filter((r) => status === 'all' || (status === 'enabled' ? r.enabled : !r.enabled))
    .filter((r) => !q || [r.id, r.document?.name ?? '', ...(r.document?.tags ?? [])].some((s) => s.toLowerCase().includes(q)))
    .sort((a, b) => Number(b.enabled) - Number(a.enabled) || (b.document?.priority ?? 0) - (a.document?.priority ?? 0) || a.id.localeCompare(b.id))
  const editable = canEditRules(me)
  const columns = [
    {
      key: 'name',
      label: t('rules.name'),
      render: (r) => html`<a class="cell-title" href=${`#/rules/${encodeURIComponent(r.id)}`} title=${r.document?.description}>${r.document?.name ?? r.id}</a>`,
    },
    { key: 'id', label: t('rules.id'), className: 'hide-sm', render: (r) => html`<code class="muted nowrap">${r.id}</code>` },
    { key: 'status', label: t('rules.status'), render: (r) => html`<${RuleStatus} rule=${r} />` },
    {
      key: 'version',
      label: t('rules.version'),
      num: true,
      className: 'hide-sm',
      render: (r) => html`<span title=${t('rules.changedBy', { who: r.updatedBy })}>v${r.version}</span>${r.pendingApproval ? html` <${Badge} tone="warning">${t('rules.draft')}<//>` : null}`,
    },
    { key: 'priority', label: t('rules.priority'), num: true, className: 'hide-sm', render: (r) => r.document?.priority ?? 0 },
    { key: 'tags', label: t('rules.tags'), className: 'hide-sm', render: (r) => html`<div class="tags">${(r.document?.tags ?? []).map((tag) => html`<${Badge}>${tag}<//>`)}</div>` },
    { key: 'signals', group: t('rules.last24h'), label: t('rules.signals'), num: true, render: (r) => formatNumber(r.last24h?.signals ?? 0) },
    { key: 'planned', group: t('rules.last24h'), label: t('rules.planned'), num: true, render: (r) => formatNumber(r.last24h?.planned ?? 0) },
    { key: 'suppressed', group: t('rules.last24h'), label: t('rules.suppressed'), num: true, render: (r) => formatNumber(r.last24h?.suppressed ?? 0) },
  ]
  return html`
    <div class="page">
      <header class="page-header">
        <div>
          <h1>${t('rules.title')}</h1>
          <p class="page-subtitle">${t('rules.subtitle')}</p>
        </div>
        ${editable && html`<a class="button primary" href="#/rules/new"><${Icon} name="plus" size=${15} />${t('rules.new')}</a>`}
      </header>
      ${!editable && html`<${Alert} tone="info">${t('rules.readOnly')}<//>`}
      ${rules.error && html`<${Alert} tone="danger" title=${t('rules.loadFailed')}>${rules.error.message}<//>`}
      <section class="card card-flush" aria-label=${t('rules.title')}>
        <div class="card-header">
          <div class="toolbar">
            <div class="search">
              <${Icon} name="search" size=${14} />
              <label for="rule-search" class="visually-hidden">${t('rules.search')}</label>
              <input id="rule-search" type="search" placeholder=${t('rules.searchPlaceholder')} value=${query} onInput=${(e) => setQuery(e.target.value)} />
            </div>
            <div class="segmented" role="group" aria-label=${t('rules.filter')}>
              ${['all', 'enabled', 'disabled'].map((s) => html`<button type="button" aria-pressed=${status === s ? 'true' : 'false'} onClick=${() => setStatus(s)}>${t(`rules.${s}`)}</button>`)}
            </div>
          </div>
          ${rules.data && html`<span class="subtle">${t('rules.count', { n: all.length, enabled: all.filter((r) => r.enabled).length })}</span>`}
        </div>
        ${rules.loading && !rules.data
          ? html`<p class="loading card-body" aria-busy="true"><span class="spinner"></span> ${t('shell.loading')}</p>`
          : html`<${Table}
              caption=${t('rules.title')}
              rows=${rows}
              columns=${columns}
              empty=${all.length === 0
                ? html`<${EmptyState} icon="rules" title=${t('rules.empty')} actions=${editable && html`<a class="button primary" href="#/rules/new">${t('rules.new')}</a>`}>${t('rules.emptyText')}<//>`
                : html`<${EmptyState} icon="search" title=${t('rules.noMatch')} />`}
            />`}
      </section>
    </div>
  `
}
