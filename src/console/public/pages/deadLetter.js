// One dead letter: why it is dead (the reason and each error at its field path), the original
// payload exactly as stored, where it came from, its resends, and a Resend button.
import { useState } from 'preact/hooks'
import { Alert, EmptyState, Table, formatDateTime, toast, useApi, usePageTitle } from '../components/index.js'
import { html, t } from '../lib.js'
import './deadLetterStrings.js'
import { KindBadge, ResendResults, StatusBadge, letterHref, resend } from './deadLetterParts.js'

function Meta({ letter }) {
  const rows = [
    [t('dead.from.col'), html`<span class="mono">${letter.source}</span>`],
    [t('dead.when'), formatDateTime(letter.at, { second: '2-digit' })],
    [t('dead.status'), html`<${StatusBadge} letter=${letter} />`],
  ]
  if (letter.kind === 'message') {
    rows.push(
      [t('dead.customer'), html`<span class="mono">${letter.customerId}</span>`],
      [t('dead.ruleLabel'), html`<a href=${`#/rules/${encodeURIComponent(letter.ruleId)}`}>${letter.ruleId}</a> <span class="muted">v${letter.ruleVersion}</span>`],
      [t('dead.template'), html`<a href="#/templates">${letter.template}</a>`],
      [t('dead.attempts'), String(letter.attempts)],
      [t('dead.created'), formatDateTime(letter.createdAt)],
    )
  }
  rows.push([t('dead.resentAt'), letter.resentAt ? html`${formatDateTime(letter.resentAt)} <span class="muted">${t('dead.resentBy', { name: letter.resentBy })}</span>` : t('dead.never')])
  if (letter.resendOutcome) rows.push([t('dead.lastOutcome'), t(`dead.outcome.${letter.resendOutcome}`)])
  if (letter.resentFrom) rows.push([t('dead.resentFrom'), html`<a class="mono" href=${letterHref(letter.resentFrom)}>${letter.resentFrom}</a>`])
  if (letter.resentInto.length > 0) {
    rows.push([t('dead.resentInto'), html`${letter.resentInto.map((r) => html`<a class="mono" href=${letterHref(r.id)}>${r.id}</a> `)}`])
  }
  return html`
    <section class="card" aria-labelledby="dead-meta">
      <h2 class="card-title" id="dead-meta">${t('dead.meta')}</h2>
      <dl class="kv">${rows.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>
    </section>
  `
}

export function DeadLetterPage({ params }) {
  const id = params.id
  usePageTitle(`${t('dead.letter')} ${id}`)
  const letter = useApi(`/api/dead-letters/${encodeURIComponent(id)}`)
  const [report, setReport] = useState(undefined)
  const [busy, setBusy] = useState(false)
  const run = async () => {
    setBusy(true)
    try {
      setReport(await resend({ ids: [id] }))
      letter.reload()
    } catch (err) {
      toast(`${t('dead.resendFailed')}: ${err.message}`, { tone: 'danger', timeout: 8000 })
    } finally {
      setBusy(false)
    }
  }
  const data = letter.data
  return html`
    <div class="page">
      <p><a href="#/dead-letters">← ${t('dead.back')}</a></p>
      ${letter.error
        ? letter.error.status === 404
          ? html`<div class="card"><${EmptyState} icon="alert" title=${t('dead.notFound')} /></div>`
          : html`<${Alert} tone="danger" title=${t('dead.loadFailed')}>${letter.error.message}<//>`
        : !data
          ? html`<p class="loading" aria-busy="true">${t('dead.loading')}</p>`
          : html`
              <header class="page-header">
                <div>
                  <h1>${t('dead.letter')} <span class="mono">${data.id}</span></h1>
                  <p class="page-subtitle"><${KindBadge} kind=${data.kind} /></p>
                </div>
                <button type="button" class="primary" disabled=${busy} onClick=${run}>${busy ? t('dead.resending') : t('dead.resendOne')}</button>
              </header>
              <${ResendResults} report=${report} />
              <section class="card" aria-labelledby="dead-reason">
                <h2 class="card-title" id="dead-reason">${t('dead.detailReason')}</h2>
                <p>${data.reason || '—'}</p>
                ${Array.isArray(data.errors) && data.errors.length > 0 &&
                html`<${Table}
                  caption=${t('dead.errors')}
                  compact
                  rowKey=${(e) => `${e.path} ${e.message}`}
                  rows=${data.errors}
                  columns=${[
                    { key: 'path', label: t('dead.field'), render: (e) => html`<span class="mono">${e.path}</span>` },
                    { key: 'message', label: t('dead.message') },
                  ]}
                />`}
              </section>
              <div class="grid grid-2">
                <section class="card" aria-labelledby="dead-payload">
                  <h2 class="card-title" id="dead-payload">${data.kind === 'input' ? t('dead.payload') : t('dead.payloadMessage')}</h2>
                  <pre class="code break" tabindex="0" aria-labelledby="dead-payload">${data.payload}</pre>
                  <p class="muted small">${t('dead.payloadNote')}</p>
                </section>
                <${Meta} letter=${data} />
              </div>
            `}
    </div>
  `
}
