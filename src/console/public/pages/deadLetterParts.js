// Pieces the dead-letters list and detail share: status and outcome badges, the resend call and
// its per-letter results.
import { Alert, Badge, Table } from '../components/index.js'
import { api, html, t } from '../lib.js'
import { OUTCOME_TONE, STATUS_TONE } from './deadLetterStrings.js'

export const letterHref = (id) => `#/dead-letters/${encodeURIComponent(id)}`

export function StatusBadge({ letter }) {
  const label = letter.kind === 'input' ? t(`dead.status.${letter.status}`) : letter.status
  return html`<${Badge} tone=${STATUS_TONE[letter.status] ?? 'neutral'} dot>${label}<//>`
}

export function KindBadge({ kind }) {
  return html`<${Badge} tone=${kind === 'message' ? 'accent' : 'info'}>${t(`dead.kindOne.${kind}`)}<//>`
}

/** POST /api/dead-letters/resend with { ids } or { filter }; the report, or throws ApiError. */
export const resend = (body) => api('POST', '/api/dead-letters/resend', body)

function summaryOf(results) {
  const counts = new Map()
  for (const r of results) counts.set(r.outcome, (counts.get(r.outcome) ?? 0) + 1)
  return [...counts].map(([outcome, n]) => `${n} ${t(`dead.outcome.${outcome}`)}`).join(', ')
}

/** What each letter of a resend came to: outcome, reason, the new letter a refused one became. */
export function ResendResults({ report, onDismiss }) {
  if (!report) return null
  const { results, more } = report
  const danger = results.some((r) => r.outcome === 'dead-again')
  return html`
    <section class="card card-flush" aria-labelledby="resend-results" data-testid="resend-results">
      <div class="card-header">
        <h2 class="card-title" id="resend-results">${t('dead.results')}</h2>
        ${onDismiss && html`<button type="button" class="ghost small" onClick=${onDismiss}>${t('dead.dismiss')}</button>`}
      </div>
      <div class="card-body stack-sm">
        <${Alert} tone=${danger ? 'warning' : 'success'}>${t('dead.resultsSummary', { n: results.length, summary: summaryOf(results) })}<//>
        ${more && html`<${Alert} tone="info">${t('dead.resultsMore')}<//>`}
      </div>
      <${Table}
        caption=${t('dead.results')}
        compact
        rows=${results}
        columns=${[
          { key: 'id', label: t('dead.letter'), render: (r) => html`<a class="mono small" href=${letterHref(r.id)}>${r.id}</a>` },
          { key: 'outcome', label: t('dead.status'), render: (r) => html`<${Badge} tone=${OUTCOME_TONE[r.outcome] ?? 'neutral'}>${t(`dead.outcome.${r.outcome}`)}<//>` },
          {
            key: 'reason',
            label: t('dead.reason.col'),
            render: (r) =>
              html`<span class="small">${r.reason ?? (r.outcome === 'accepted' || r.outcome === 'requeued' ? t(`dead.outcomeHint.${r.outcome}`) : '')}</span>
                ${r.newId && html` <a class="small" href=${letterHref(r.newId)}>${t('dead.newLetter')} ${r.newId}</a>`}`,
          },
        ]}
      />
    </section>
  `
}
