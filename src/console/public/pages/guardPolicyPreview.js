// The guard policy preview's answer (POST /api/guard-policy/preview): what the draft would hold,
// let through, delay or stop delaying compared with the current policy, per topic and channel,
// with a few shoppers, and in plain words what the figures count.
import { Alert, Badge, Table, formatDateTime, formatNumber } from '../components/index.js'
import { html, t } from '../lib.js'
import './guardPolicyStrings.js'

export const CHANGES = ['held', 'released', 'delayed', 'undelayed']
const TONE = { held: 'danger', released: 'success', delayed: 'warning', undelayed: 'info' }

function Stat({ change, value }) {
  return html`<div class="card stat" data-change=${change}>
    <span class="stat-label">${t(`guard.change.${change}`)}</span>
    <span class="stat-value">${formatNumber(value)}</span>
    <span class="stat-sub">${t(`guard.changeHint.${change}`)}</span>
  </div>`
}

const reasonText = (reason) => {
  const key = `guard.unchanged.${reason}`
  const text = t(key)
  return text === key ? reason : text
}

export function PreviewResult({ preview }) {
  const total = CHANGES.reduce((n, c) => n + preview.changes[c], 0)
  const kept = preview.unchanged.map((u) => `${reasonText(u.reason)} ${formatNumber(u.messages)}`).join(', ')
  return html`
    <div class="stack" id="guard-preview-result">
      <div class="grid grid-4" role="list" aria-label=${t('guard.previewTitle')}>
        ${CHANGES.map((c) => html`<div role="listitem"><${Stat} change=${c} value=${preview.changes[c]} /></div>`)}
      </div>
      ${preview.truncated && html`<${Alert} tone="warning">${t('guard.truncated', { messages: formatNumber(preview.messages + preview.unchanged.reduce((n, u) => n + u.messages, 0)) })}<//>`}
      <div class="stack-sm muted small" data-basis>
        <p>${t('guard.basis', { messages: formatNumber(preview.messages), from: formatDateTime(preview.from), to: formatDateTime(preview.to) })}</p>
        <p>${t('guard.kept', { list: kept || t('guard.none') })}</p>
        <p>${t('guard.agreement', { matched: formatNumber(preview.agreement.matched), of: formatNumber(preview.agreement.of) })}</p>
      </div>
      ${total === 0
        ? html`<${Alert} tone="info">${t('guard.noChange')}<//>`
        : html`
            <${Table}
              caption=${t('guard.byTitle')}
              compact
              rows=${preview.byTopicChannel.filter((r) => CHANGES.some((c) => r[c] > 0))}
              rowKey=${(r) => `${r.topic}/${r.channel}`}
              columns=${[
                { key: 'topic', label: t('guard.colTopic'), render: (r) => t(`guard.topic.${r.topic}`) },
                { key: 'channel', label: t('guard.colChannel') },
                { key: 'messages', label: t('guard.colMessages'), num: true, render: (r) => formatNumber(r.messages) },
                ...CHANGES.map((c) => ({ key: c, label: t(`guard.change.${c}`), num: true, render: (r) => formatNumber(r[c]) })),
              ]}
            />
            <h3 class="card-title">${t('guard.examplesTitle')}</h3>
            <${Table}
              caption=${t('guard.examplesTitle')}
              compact
              rows=${preview.examples}
              rowKey=${(r) => `${r.change}/${r.customerId}/${r.queuedAt}/${r.channel}`}
              columns=${[
                { key: 'change', label: t('guard.colChange'), render: (r) => html`<${Badge} tone=${TONE[r.change]}>${t(`guard.change.${r.change}`)}<//>` },
                { key: 'customerId', label: t('guard.colShopper'), render: (r) => html`<span class="mono">${r.customerId}</span>` },
                { key: 'channel', label: t('guard.colChannel'), render: (r) => `${r.channel} · ${t(`guard.topic.${r.topic}`)}` },
                { key: 'ruleId', label: t('guard.colRule'), render: (r) => (r.ruleId ? html`<a href=${`#/rules/${encodeURIComponent(r.ruleId)}`}>${r.ruleId}</a>` : t('guard.none')) },
                { key: 'queuedAt', label: t('guard.colQueued'), render: (r) => formatDateTime(r.queuedAt) },
              ]}
            />
          `}
    </div>
  `
}
