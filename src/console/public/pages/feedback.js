// The feedback inbox: what agents said while resolving tasks ("should be automated", suggestions),
// grouped per rule and template, each item linked to its task; ops mark items handled or reopen
// them. From GET /api/feedback?state=…, POST /api/feedback/:id/handle | reopen.
import { useState } from 'preact/hooks'
import { Alert, Badge, EmptyState, formatDateTime, formatNumber, toast, useApi, usePageTitle } from '../components/index.js'
import { api, html, t } from '../lib.js'
import './feedbackStrings.js'

const STATES = ['open', 'handled', 'all']

function Item({ item, kind, onChanged }) {
  const [busy, setBusy] = useState(false)
  const handled = item.handledAt !== null
  const toggle = async () => {
    setBusy(true)
    try {
      await api('POST', `/api/feedback/${encodeURIComponent(item.id)}/${handled ? 'reopen' : 'handle'}`)
      toast(t(handled ? 'feedback.reopened' : 'feedback.handled'), { tone: 'success' })
      onChanged()
    } catch (err) {
      toast(t('feedback.failed', { why: err.message }), { tone: 'danger' })
      setBusy(false)
    }
  }
  return html`
    <li class="stack-sm" data-feedback=${item.id} style="padding: 12px 16px; border-top: 1px solid var(--border)">
      <div class="row" style="justify-content: space-between; gap: 12px; flex-wrap: wrap">
        <span>
          <${Badge} tone=${kind === 'automate' ? 'warning' : 'info'}>${t(kind === 'automate' ? 'feedback.automate' : 'feedback.suggestion')}<//>
          ${' '}<span class="muted small">${t('feedback.by', { author: item.author, when: formatDateTime(item.createdAt) })}</span>
        </span>
        <span class="toolbar">
          <a class="button small" href=${`#/tasks/${encodeURIComponent(item.taskId)}`}>${t('feedback.task')}</a>
          <button type="button" class=${handled ? 'small' : 'small primary'} disabled=${busy} onClick=${toggle}>${t(handled ? 'feedback.reopen' : 'feedback.handle')}</button>
        </span>
      </div>
      <p style="margin: 0; white-space: pre-wrap; overflow-wrap: anywhere">${item.body || html`<span class="muted">${t('feedback.noText')}</span>`}</p>
      ${handled && html`<p class="muted small" style="margin: 0">${t('feedback.handledBy', { who: item.handledBy, when: formatDateTime(item.handledAt) })}</p>`}
    </li>
  `
}

function Group({ group, index, onChanged }) {
  const items = [
    ...group.shouldBeAutomated.items.map((item) => ({ item, kind: 'automate' })),
    ...group.suggestions.items.map((item) => ({ item, kind: 'suggestion' })),
  ].sort((a, b) => b.item.createdAt - a.item.createdAt)
  const hidden = group.shouldBeAutomated.count + group.suggestions.count - items.length
  const heading = `feedback-group-${index}`
  return html`
    <section class="card card-flush" aria-labelledby=${heading}>
      <div class="card-header">
        <h2 class="card-title" id=${heading}>
          ${t('feedback.rule')} <a href=${`#/rules/${encodeURIComponent(group.ruleId)}`}>${group.ruleId}</a>
          <span class="muted"> · ${t('feedback.template')} </span>
          ${group.template ? html`<a class="mono" href="#/templates">${group.template}</a>` : html`<span class="muted">${t('feedback.noTemplate')}</span>`}
        </h2>
        <span class="muted small">${t('feedback.counts', { automate: formatNumber(group.shouldBeAutomated.count), suggestions: formatNumber(group.suggestions.count) })}</span>
      </div>
      <ul style="list-style: none; margin: 0; padding: 0">${items.map(({ item, kind }) => html`<${Item} key=${item.id} item=${item} kind=${kind} onChanged=${onChanged} />`)}</ul>
      ${hidden > 0 && html`<p class="muted small card-body">${t('feedback.more', { n: formatNumber(hidden) })}</p>`}
    </section>
  `
}

export function FeedbackPage() {
  usePageTitle(t('feedback.title'))
  const [state, setState] = useState('open')
  const feedback = useApi(`/api/feedback?state=${state}&limit=100`)
  const groups = feedback.data?.rules ?? []
  return html`
    <div class="page">
      <header class="page-header">
        <div>
          <h1>${t('feedback.title')}</h1>
          <p class="page-subtitle">${t('feedback.subtitle')}</p>
        </div>
        <div class="segmented" role="group" aria-label=${t('feedback.state')}>
          ${STATES.map((s) => html`<button type="button" aria-pressed=${state === s ? 'true' : 'false'} onClick=${() => setState(s)}>${t(`feedback.state.${s}`)}</button>`)}
        </div>
      </header>
      ${feedback.error
        ? html`<${Alert} tone="danger" title=${t('feedback.loadFailed')} actions=${html`<button type="button" onClick=${feedback.reload}>${t('feedback.retry')}</button>`}>${feedback.error.message}<//>`
        : feedback.data === undefined
          ? html`<p class="loading" aria-busy="true"><span class="spinner"></span> ${t('feedback.loading')}</p>`
          : groups.length === 0
            ? html`<div class="card"><${EmptyState} icon="message" title=${t(`feedback.empty.${state}`)} /></div>`
            : groups.map((g, i) => html`<${Group} key=${`${g.ruleId}\u0000${g.template ?? ''}`} group=${g} index=${i} onChanged=${feedback.reload} />`)}
    </div>
  `
}
