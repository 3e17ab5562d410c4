// Dead letters: input events that could not be processed and messages that could not be delivered,
// newest first, filtered (the filters live in the address, so a link can open a filtered list —
// the overview's "dead" count does). Select letters, or take every one the filters list, and
// resend them after a fix; the result shows per letter.
import { useEffect, useState } from 'preact/hooks'
import { Alert, Dialog, EmptyState, Field, Table, TimeAgo, toast, usePageTitle } from '../components/index.js'
import { api, html, t } from '../lib.js'
import './deadLetterStrings.js'
import { KindBadge, ResendResults, StatusBadge, letterHref, resend } from './deadLetterParts.js'

const TEXT_FIELDS = ['source', 'reason', 'rule']

function currentQuery() {
  return new URLSearchParams(location.hash.split('?')[1] ?? '')
}

/** The API filter the address holds (unknown or empty parameters left out). */
function filterOf(query) {
  const filter = {}
  const kind = query.get('kind')
  if (kind === 'input' || kind === 'message') filter.kind = kind
  const state = query.get('state')
  if (state === 'resent' || state === 'all') filter.state = state
  for (const key of TEXT_FIELDS) if (query.get(key)) filter[key] = query.get(key)
  for (const key of ['from', 'to']) if (/^\d+$/.test(query.get(key) ?? '')) filter[key] = Number(query.get(key))
  return filter
}

const toLocalInput = (ms) => {
  if (ms === undefined) return ''
  const d = new Date(ms)
  return new Date(ms - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16)
}
const fromLocalInput = (text) => (text ? new Date(text).getTime() : undefined)

function Filters({ filter, onRefresh }) {
  const [form, setForm] = useState(() => ({ ...filter, from: toLocalInput(filter.from), to: toLocalInput(filter.to) }))
  const [error, setError] = useState('')
  const set = (key) => (e) => setForm((f) => ({ ...f, [key]: e.currentTarget.value }))
  const apply = (e) => {
    e.preventDefault()
    const from = fromLocalInput(form.from)
    const to = fromLocalInput(form.to)
    if (from !== undefined && to !== undefined && to <= from) return setError(t('dead.badRange'))
    setError('')
    const query = new URLSearchParams()
    if (form.kind) query.set('kind', form.kind)
    if (form.state && form.state !== 'open') query.set('state', form.state)
    for (const key of TEXT_FIELDS) if (form[key]?.trim()) query.set(key, form[key].trim())
    if (from !== undefined) query.set('from', String(from))
    if (to !== undefined) query.set('to', String(to))
    const shown = location.hash
    location.hash = `#/dead-letters${query.size ? `?${query}` : ''}`
    // The same filters again: no hash change to reload on, so fetch the list anew here.
    if (location.hash === shown) onRefresh()
  }
  return html`
    <form class="card stack" onSubmit=${apply} aria-label=${t('dead.filters')}>
      <div class="grid grid-4">
        <${Field} id="dead-kind" label=${t('dead.kind')}>
          ${(a) => html`<select ...${a} value=${form.kind ?? ''} onChange=${set('kind')}>
            <option value="">${t('dead.kind.all')}</option>
            <option value="message">${t('dead.kind.message')}</option>
            <option value="input">${t('dead.kind.input')}</option>
          </select>`}
        <//>
        <${Field} id="dead-state" label=${t('dead.state')}>
          ${(a) => html`<select ...${a} value=${form.state ?? 'open'} onChange=${set('state')}>
            ${['open', 'resent', 'all'].map((s) => html`<option value=${s}>${t(`dead.state.${s}`)}</option>`)}
          </select>`}
        <//>
        <${Field} id="dead-source" label=${t('dead.source')} hint=${t('dead.sourceHint')}>
          ${(a) => html`<input ...${a} value=${form.source ?? ''} onInput=${set('source')} maxlength="200" />`}
        <//>
        <${Field} id="dead-reason" label=${t('dead.reason')}>${(a) => html`<input ...${a} value=${form.reason ?? ''} onInput=${set('reason')} maxlength="200" />`}<//>
        <${Field} id="dead-rule" label=${t('dead.rule')}>${(a) => html`<input ...${a} value=${form.rule ?? ''} onInput=${set('rule')} maxlength="200" />`}<//>
        <${Field} id="dead-from" label=${t('dead.from')}>${(a) => html`<input ...${a} type="datetime-local" value=${form.from} onInput=${set('from')} />`}<//>
        <${Field} id="dead-to" label=${t('dead.to')} error=${error}>${(a) => html`<input ...${a} type="datetime-local" value=${form.to} onInput=${set('to')} />`}<//>
      </div>
      <div class="toolbar">
        <button type="submit" class="primary">${t('dead.apply')}</button>
        <a class="button ghost" href="#/dead-letters">${t('dead.clear')}</a>
      </div>
    </form>
  `
}

export function DeadLettersPage() {
  usePageTitle(t('dead.title'))
  const query = currentQuery().toString()
  const filter = filterOf(currentQuery())
  const [list, setList] = useState({ letters: [], next: undefined, loading: true, error: undefined })
  const [selected, setSelected] = useState(() => new Set())
  const [report, setReport] = useState(undefined)
  const [busy, setBusy] = useState(false)
  const [confirming, setConfirming] = useState(false)
  const [generation, setGeneration] = useState(0)

  const load = async (cursor) => {
    const qs = new URLSearchParams(query)
    qs.set('limit', '50')
    if (cursor) qs.set('cursor', cursor)
    setList((l) => ({ ...l, loading: true }))
    try {
      const page = await api('GET', `/api/dead-letters?${qs}`)
      setList((l) => ({ letters: cursor ? [...l.letters, ...page.letters] : page.letters, next: page.next, loading: false, error: undefined }))
    } catch (error) {
      setList((l) => ({ ...l, loading: false, error }))
    }
  }
  useEffect(() => {
    setSelected(new Set())
    load()
  }, [query, generation])

  const run = async (body) => {
    setBusy(true)
    try {
      setReport(await resend(body))
      setGeneration((g) => g + 1)
    } catch (err) {
      toast(`${t('dead.resendFailed')}: ${err.message}`, { tone: 'danger', timeout: 8000 })
    } finally {
      setBusy(false)
      setConfirming(false)
    }
  }
  const toggle = (id) => setSelected((s) => {
    const next = new Set(s)
    if (next.has(id)) next.delete(id)
    else next.add(id)
    return next
  })
  const allShown = list.letters.length > 0 && list.letters.every((l) => selected.has(l.id))
  const toggleAll = () => setSelected(allShown ? new Set() : new Set(list.letters.map((l) => l.id)))

  return html`
    <div class="page">
      <header class="page-header">
        <div>
          <h1>${t('dead.title')}</h1>
          <p class="page-subtitle">${t('dead.subtitle')}</p>
        </div>
      </header>
      <${Filters} key=${query} filter=${filter} onRefresh=${() => setGeneration((g) => g + 1)} />
      <${ResendResults} report=${report} onDismiss=${() => setReport(undefined)} />
      <section class="card card-flush" aria-labelledby="dead-list">
        <div class="card-header">
          <h2 class="card-title" id="dead-list">${t('dead.title')}</h2>
          <div class="toolbar">
            <span class="muted small" aria-live="polite">${t('dead.selected', { n: selected.size })}</span>
            <button type="button" class="primary" disabled=${busy || selected.size === 0} onClick=${() => run({ ids: [...selected] })}>
              ${busy ? t('dead.resending') : t('dead.resendSelected')}
            </button>
            <button type="button" disabled=${busy || list.letters.length === 0} onClick=${() => setConfirming(true)}>${t('dead.resendMatching')}</button>
          </div>
        </div>
        ${list.error
          ? html`<div class="card-body"><${Alert} tone="danger" title=${t('dead.loadFailed')} actions=${html`<button type="button" onClick=${() => load()}>${t('dead.retry')}</button>`}>${list.error.message}<//></div>`
          : list.loading && list.letters.length === 0
            ? html`<p class="loading card-body" aria-busy="true">${t('dead.loading')}</p>`
            : html`<${Table}
                caption=${t('dead.title')}
                rows=${list.letters}
                empty=${html`<${EmptyState} icon="check" title=${t('dead.empty')}>${t('dead.emptyText')}<//>`}
                columns=${[
                  {
                    key: 'select',
                    label: html`<input type="checkbox" checked=${allShown} onChange=${toggleAll} aria-label=${t('dead.selectPage')} />`,
                    render: (l) => html`<input type="checkbox" checked=${selected.has(l.id)} onChange=${() => toggle(l.id)} aria-label=${t('dead.select', { id: l.id })} />`,
                  },
                  { key: 'at', label: t('dead.when'), render: (l) => html`<${TimeAgo} ts=${l.at} />` },
                  { key: 'kind', label: t('dead.what'), render: (l) => html`<${KindBadge} kind=${l.kind} />` },
                  { key: 'source', label: t('dead.from.col'), render: (l) => html`<span class="mono small">${l.source}</span>` },
                  { key: 'reason', label: t('dead.reason.col'), render: (l) => html`<a href=${letterHref(l.id)} class="cell-title">${l.reason || '—'}</a>` },
                  {
                    key: 'subject',
                    label: t('dead.subject'),
                    render: (l) => (l.kind === 'message' ? html`<span class="small">${l.customerId} · ${l.ruleId} · ${l.template}</span>` : html`<span class="muted">—</span>`),
                  },
                  { key: 'status', label: t('dead.status'), render: (l) => html`<${StatusBadge} letter=${l} />` },
                ]}
              />`}
        ${list.next && html`<div class="card-footer"><button type="button" disabled=${list.loading} onClick=${() => load(list.next)}>${t('dead.more')}</button></div>`}
      </section>
      <${Dialog}
        open=${confirming}
        id="dead-confirm"
        title=${t('dead.resendMatching')}
        onClose=${() => setConfirming(false)}
        footer=${html`<button type="button" onClick=${() => setConfirming(false)}>${t('dead.cancel')}</button>
          <button type="button" class="primary" disabled=${busy} onClick=${() => run({ filter })}>${t('dead.confirm')}</button>`}
      >
        <p>${t('dead.confirmMatching')}</p>
      <//>
    </div>
  `
}
