// Reached first: of the shoppers who contacted the shop (complaints, tickets, "talk to a person",
// agents' logged contacts), how many careloop had messaged about that order first — per rule, tag,
// kind of contact and day; why the others were missed; and the messages nobody needed.
// Everything comes from GET /api/analytics/reached-first; nothing is estimated here.
import { useMemo, useState } from 'preact/hooks'
import { Alert, Badge, Chart, EmptyState, Table, formatDuration, formatNumber, formatPercent, useApi, usePageTitle } from '../components/index.js'
import { currentLanguage, html, register, t } from '../lib.js'

const MISSES = ['sent_after', 'held', 'too_late', 'no_rule']

register({
  en: {
    'reached.title': 'Reached first',
    'reached.subtitle': 'Of the shoppers who contacted you, how many careloop had messaged about the same order, checkout or return before they had to ask.',
    'reached.range': 'Period',
    'reached.days': 'Last {days} days',
    'reached.contacts': 'Inbound contacts',
    'reached.contactsSub': 'complaints, tickets, requests, agents’ contacts',
    'reached.share': 'Reached first',
    'reached.shareSub': '{n} of {total} contacts',
    'reached.lead': 'Median lead',
    'reached.leadSub': 'from our message to their contact',
    'reached.needless': 'Needless messages',
    'reached.needlessSub': 'of {sent} sent: no contact or problem followed',
    'reached.missesTitle': 'Why the others were missed',
    'reached.miss.sent_after': 'Sent after the contact',
    'reached.miss.held': 'Held by a guard',
    'reached.miss.too_late': 'Rule fired too late',
    'reached.miss.no_rule': 'No rule fired',
    'reached.missHint.sent_after': 'decided before, sent after (quiet hours, caps, retries)',
    'reached.missHint.held': 'decided before, never sent: cooldown, once, holdout or a send-time guard',
    'reached.missHint.too_late': 'decided only after the shopper asked: earlier signals or a shorter grace',
    'reached.missHint.no_rule': 'no rule noticed this order: a gap in the rules',
    'reached.chartTitle': 'Contacts per day: reached first or missed',
    'reached.chartReached': 'Reached first',
    'reached.chartMissed': 'Missed',
    'reached.chartRule': 'Rule shown in the chart',
    'reached.allRules': 'All contacts',
    'reached.rulesTitle': 'Per rule',
    'reached.tagsTitle': 'Per signal (rule tag)',
    'reached.kindsTitle': 'Per kind of contact',
    'reached.colRule': 'Rule',
    'reached.colTag': 'Tag',
    'reached.colKind': 'Contact',
    'reached.colContacts': 'Contacts',
    'reached.colShare': 'Reached first',
    'reached.colLead': 'Median lead',
    'reached.colMisses': 'Misses',
    'reached.colChannels': 'By channel',
    'reached.colSent': 'Sent',
    'reached.colNeedless': 'Needless',
    'reached.kind.talk to a person': 'Talk to a person',
    'reached.kind.agent contact': 'Agent’s contact',
    'reached.empty': 'No inbound contacts in this period.',
    'reached.emptyRules': 'No rule reached or missed a contact in this period.',
    'reached.loading': 'Loading the report…',
    'reached.loadFailed': 'The report could not be loaded.',
    'reached.forbidden': 'The report is for operations; your role does not see it.',
    'reached.retry': 'Try again',
    'reached.counted': 'Counted as contacts: {names}; “talk to a person” requests and agents’ logged contacts.',
  },
  'zh-CN': {
    'reached.title': '抢先触达',
    'reached.subtitle': '在联系您的顾客中，有多少人在开口之前就已收到 careloop 关于同一订单、结账或退货的消息。',
    'reached.range': '时间范围',
    'reached.days': '最近 {days} 天',
    'reached.contacts': '顾客来访',
    'reached.contactsSub': '投诉、工单、转人工请求、客服登记的联系',
    'reached.share': '抢先触达',
    'reached.shareSub': '{total} 次来访中的 {n} 次',
    'reached.lead': '领先时间中位数',
    'reached.leadSub': '从我们的消息到顾客来访',
    'reached.needless': '多余消息',
    'reached.needlessSub': '已发送 {sent} 条中，之后既无来访也无问题',
    'reached.missesTitle': '其余为何错过',
    'reached.miss.sent_after': '来访后才发出',
    'reached.miss.held': '被保护规则拦下',
    'reached.miss.too_late': '规则触发太晚',
    'reached.miss.no_rule': '没有规则触发',
    'reached.missHint.sent_after': '来访前已决定，来访后才发送（免打扰时段、频次上限、重试）',
    'reached.missHint.held': '来访前已决定，但从未发送：冷却、仅一次、对照组或发送时的保护规则',
    'reached.missHint.too_late': '顾客开口后才决定：需要更早的信号或更短的宽限期',
    'reached.missHint.no_rule': '没有规则注意到这笔订单：规则有缺口',
    'reached.chartTitle': '每天的来访：抢先触达或错过',
    'reached.chartReached': '抢先触达',
    'reached.chartMissed': '错过',
    'reached.chartRule': '图表显示的规则',
    'reached.allRules': '全部来访',
    'reached.rulesTitle': '按规则',
    'reached.tagsTitle': '按信号（规则标签）',
    'reached.kindsTitle': '按来访类型',
    'reached.colRule': '规则',
    'reached.colTag': '标签',
    'reached.colKind': '来访',
    'reached.colContacts': '来访数',
    'reached.colShare': '抢先触达',
    'reached.colLead': '领先时间中位数',
    'reached.colMisses': '错过',
    'reached.colChannels': '按渠道',
    'reached.colSent': '已发送',
    'reached.colNeedless': '多余',
    'reached.kind.talk to a person': '转人工请求',
    'reached.kind.agent contact': '客服登记的联系',
    'reached.empty': '这段时间内没有顾客来访。',
    'reached.emptyRules': '这段时间内没有规则触达或错过来访。',
    'reached.loading': '正在加载报告…',
    'reached.loadFailed': '无法加载报告。',
    'reached.forbidden': '此报告仅供运营人员查看。',
    'reached.retry': '重试',
    'reached.counted': '计为来访的事件：{names}；以及转人工请求和客服登记的联系。',
  },
  'zh-TW': {
    'reached.title': '搶先觸達',
    'reached.subtitle': '在聯絡您的顧客中，有多少人在開口之前就已收到 careloop 關於同一訂單、結帳或退貨的訊息。',
    'reached.range': '時間範圍',
    'reached.days': '最近 {days} 天',
    'reached.contacts': '顧客來訪',
    'reached.contactsSub': '投訴、工單、轉真人請求、客服登記的聯絡',
    'reached.share': '搶先觸達',
    'reached.shareSub': '{total} 次來訪中的 {n} 次',
    'reached.lead': '領先時間中位數',
    'reached.leadSub': '從我們的訊息到顧客來訪',
    'reached.needless': '多餘訊息',
    'reached.needlessSub': '已發送 {sent} 則中，之後既無來訪也無問題',
    'reached.missesTitle': '其餘為何錯過',
    'reached.miss.sent_after': '來訪後才發出',
    'reached.miss.held': '被保護規則攔下',
    'reached.miss.too_late': '規則觸發太晚',
    'reached.miss.no_rule': '沒有規則觸發',
    'reached.missHint.sent_after': '來訪前已決定，來訪後才發送（勿擾時段、頻次上限、重試）',
    'reached.missHint.held': '來訪前已決定，但從未發送：冷卻、僅一次、對照組或發送時的保護規則',
    'reached.missHint.too_late': '顧客開口後才決定：需要更早的訊號或更短的寬限期',
    'reached.missHint.no_rule': '沒有規則注意到這筆訂單：規則有缺口',
    'reached.chartTitle': '每天的來訪：搶先觸達或錯過',
    'reached.chartReached': '搶先觸達',
    'reached.chartMissed': '錯過',
    'reached.chartRule': '圖表顯示的規則',
    'reached.allRules': '全部來訪',
    'reached.rulesTitle': '依規則',
    'reached.tagsTitle': '依訊號（規則標籤）',
    'reached.kindsTitle': '依來訪類型',
    'reached.colRule': '規則',
    'reached.colTag': '標籤',
    'reached.colKind': '來訪',
    'reached.colContacts': '來訪數',
    'reached.colShare': '搶先觸達',
    'reached.colLead': '領先時間中位數',
    'reached.colMisses': '錯過',
    'reached.colChannels': '依管道',
    'reached.colSent': '已發送',
    'reached.colNeedless': '多餘',
    'reached.kind.talk to a person': '轉真人請求',
    'reached.kind.agent contact': '客服登記的聯絡',
    'reached.empty': '這段時間內沒有顧客來訪。',
    'reached.emptyRules': '這段時間內沒有規則觸達或錯過來訪。',
    'reached.loading': '正在載入報告…',
    'reached.loadFailed': '無法載入報告。',
    'reached.forbidden': '此報告僅供營運人員查看。',
    'reached.retry': '重試',
    'reached.counted': '計為來訪的事件：{names}；以及轉真人請求和客服登記的聯絡。',
  },
})

const share = (f) => (f.share === null || f.share === undefined ? '—' : formatPercent(f.share))
const kindLabel = (kind) => {
  const key = `reached.kind.${kind}`
  const text = t(key)
  return text === key ? kind : text
}

function Stat({ label, value, children, tone }) {
  return html`
    <div class="card stat">
      <span class="stat-label">${label}</span>
      <span class="stat-value" style=${tone ? `color: var(--${tone})` : undefined}>${value}</span>
      ${children && html`<span class="stat-sub">${children}</span>`}
    </div>
  `
}

function Misses({ misses }) {
  return html`<span>${MISSES.filter((m) => misses[m] > 0).map(
    (m) => html`<${Badge} tone=${m === 'no_rule' ? 'danger' : 'warning'}>${t(`reached.miss.${m}`)} ${formatNumber(misses[m])}<//> `,
  )}</span>`
}

const figureColumns = () => [
  { key: 'contacts', label: t('reached.colContacts'), num: true, render: (r) => formatNumber(r.contacts) },
  { key: 'share', label: t('reached.colShare'), num: true, render: (r) => share(r) },
  { key: 'lead', label: t('reached.colLead'), num: true, render: (r) => formatDuration(r.medianLeadMs) },
  { key: 'misses', label: t('reached.colMisses'), render: (r) => html`<${Misses} misses=${r.misses} />` },
]
const messageColumns = () => [
  { key: 'sent', label: t('reached.colSent'), num: true, render: (r) => formatNumber(r.sent) },
  { key: 'needless', label: t('reached.colNeedless'), num: true, render: (r) => formatNumber(r.needless) },
]

function Section({ id, title, children }) {
  return html`
    <section class="card card-flush" aria-labelledby=${id}>
      <div class="card-header"><h2 class="card-title" id=${id}>${title}</h2></div>
      ${children}
    </section>
  `
}

function Report({ data }) {
  const totals = data.totals
  // The chart shows every contact, or one rule's (those it reached or missed).
  const [ruleId, setRuleId] = useState('')
  const days = (ruleId && data.rules.find((r) => r.ruleId === ruleId)?.days) || data.days
  const x = useMemo(() => days.map((d) => d.t), [days])
  const series = useMemo(
    () => [
      { label: t('reached.chartReached'), values: days.map((d) => d.reachedFirst), color: 'var(--chart-5)' },
      { label: t('reached.chartMissed'), values: days.map((d) => d.contacts - d.reachedFirst), color: 'var(--chart-4)' },
    ],
    [days, currentLanguage()],
  )
  const missed = totals.contacts - totals.reachedFirst
  return html`
    <div class="grid grid-4" role="list" aria-label=${t('reached.title')}>
      <div role="listitem"><${Stat} label=${t('reached.contacts')} value=${formatNumber(totals.contacts)}>${t('reached.contactsSub')}<//></div>
      <div role="listitem">
        <${Stat} label=${t('reached.share')} value=${share(totals)} tone=${totals.share !== null && totals.share >= 0.5 ? 'success' : undefined}>
          ${t('reached.shareSub', { n: formatNumber(totals.reachedFirst), total: formatNumber(totals.contacts) })}
        <//>
      </div>
      <div role="listitem"><${Stat} label=${t('reached.lead')} value=${formatDuration(totals.medianLeadMs)}>${t('reached.leadSub')}<//></div>
      <div role="listitem">
        <${Stat} label=${t('reached.needless')} value=${formatNumber(totals.needless)}>${t('reached.needlessSub', { sent: formatNumber(totals.sent) })}<//>
      </div>
    </div>
    <div class="grid grid-2">
      <section class="card" aria-labelledby="reached-misses">
        <div class="card-header"><h2 class="card-title" id="reached-misses">${t('reached.missesTitle')}</h2></div>
        <ul class="card-body" style="list-style: none; margin: 0; padding-top: 0; display: grid; gap: 12px">
          ${MISSES.map(
            (m) => html`<li data-miss=${m}>
              <b>${formatNumber(totals.misses[m])}</b> ${t(`reached.miss.${m}`)}
              ${missed > 0 && html` <span class="muted">(${formatPercent(totals.misses[m] / missed)})</span>`}
              <div class="muted small">${t(`reached.missHint.${m}`)}</div>
            </li>`,
          )}
        </ul>
      </section>
      <section class="card" aria-labelledby="reached-chart">
        <div class="card-header">
          <h2 class="card-title" id="reached-chart">${t('reached.chartTitle')}</h2>
          <label class="small">
            <span class="visually-hidden">${t('reached.chartRule')}</span>
            <select value=${ruleId} onChange=${(e) => setRuleId(e.target.value)} aria-label=${t('reached.chartRule')}>
              <option value="">${t('reached.allRules')}</option>
              ${data.rules.map((r) => html`<option value=${r.ruleId}>${r.ruleId}</option>`)}
            </select>
          </label>
        </div>
        ${totals.contacts === 0
          ? html`<${EmptyState} icon="chart" title=${t('reached.empty')} />`
          : html`<${Chart} label=${t('reached.chartTitle')} x=${x} series=${series} bars stacked bucketMs=${86_400_000} height=${190} />`}
      </section>
    </div>
    <${Section} id="reached-rules" title=${t('reached.rulesTitle')}>
      <${Table}
        caption=${t('reached.rulesTitle')}
        rows=${data.rules}
        rowKey=${(r) => r.ruleId}
        empty=${html`<${EmptyState} icon="rules" title=${t('reached.emptyRules')} />`}
        columns=${[
          {
            key: 'rule',
            label: t('reached.colRule'),
            render: (r) => html`<a class="cell-title" href=${`#/rules/${encodeURIComponent(r.ruleId)}`}>${r.ruleId}</a> ${r.tags.map((tag) => html`<${Badge}>${tag}<//> `)}`,
          },
          ...figureColumns(),
          { key: 'channels', label: t('reached.colChannels'), render: (r) => r.channels.map((c) => `${c.channel} ${formatNumber(c.reachedFirst)}`).join(' · ') },
          ...messageColumns(),
        ]}
      />
    <//>
    <div style="display: grid; gap: 16px">
      <${Section} id="reached-tags" title=${t('reached.tagsTitle')}>
        <${Table} caption=${t('reached.tagsTitle')} rows=${data.tags} rowKey=${(r) => r.tag} compact
          columns=${[{ key: 'tag', label: t('reached.colTag'), render: (r) => html`<${Badge}>${r.tag}<//>` }, ...figureColumns(), ...messageColumns()]} />
      <//>
      <${Section} id="reached-kinds" title=${t('reached.kindsTitle')}>
        <${Table} caption=${t('reached.kindsTitle')} rows=${data.kinds} rowKey=${(r) => r.kind} compact
          columns=${[{ key: 'kind', label: t('reached.colKind'), render: (r) => kindLabel(r.kind) }, ...figureColumns()]} />
      <//>
    </div>
    <p class="muted small">${t('reached.counted', { names: data.inbound.join(', ') })}</p>
  `
}

export function ReachedFirstPage() {
  usePageTitle(t('reached.title'))
  const [days, setDays] = useState(30)
  const report = useApi(`/api/analytics/reached-first?days=${days}`)
  const forbidden = report.error?.status === 403
  return html`
    <div class="page">
      <header class="page-header">
        <div>
          <h1>${t('reached.title')}</h1>
          <p class="page-subtitle">${t('reached.subtitle')}</p>
        </div>
        <div class="segmented" role="group" aria-label=${t('reached.range')}>
          ${[7, 30, 90].map((d) => html`<button type="button" aria-pressed=${days === d ? 'true' : 'false'} onClick=${() => setDays(d)}>${t('reached.days', { days: d })}</button>`)}
        </div>
      </header>
      ${forbidden
        ? html`<div class="card"><${EmptyState} icon="lock" title=${t('reached.forbidden')} /></div>`
        : report.error
          ? html`<${Alert} tone="danger" title=${t('reached.loadFailed')} actions=${html`<button type="button" onClick=${report.reload}>${t('reached.retry')}</button>`}>${report.error.message}<//>`
          : report.data
            ? html`<${Report} data=${report.data} />`
            : html`<p class="loading" aria-busy="true"><span class="spinner"></span> ${t('reached.loading')}</p>`}
    </div>
  `
}
