// The shopper journey: find a shopper by id or email, then everything careloop knows and did about
// them on one page — profile, rules with their why / why not, decisions, messages with their
// delivery status, open orders, tasks, consent, the timeline — and, for admins, export and erase.
// The cards are in journeyParts.js, the strings in journeyStrings.js.
import { useEffect, useState } from 'preact/hooks'
import { Alert, Dialog, Field, usePageTitle } from '../components/index.js'
import { api, html, t } from '../lib.js'
import { ConsentCard, DecisionsCard, MessagesCard, OrdersCard, RulesCard, TasksCard, TimelineCard } from './journeyParts.js'
import './journeyStrings.js'
import { Card, KV, Message, dateTime, isObj, nonBlank } from './taskParts.js'

const TIMELINE_LIMIT = 60
export const journeyHref = (customerId) => `#/customers/${encodeURIComponent(customerId)}`

function useJourneyStyles() {
  if (!document.getElementById('careloop-journey-css')) {
    const link = document.createElement('link')
    link.id = 'careloop-journey-css'
    link.rel = 'stylesheet'
    link.href = new URL('./journey.css', import.meta.url).href
    document.head.append(link)
  }
}

function Search({ initial = '' }) {
  const [q, setQ] = useState(initial)
  const [result, setResult] = useState(null)
  const [error, setError] = useState(null)
  async function submit(e) {
    e.preventDefault()
    const query = q.trim()
    if (!query) return
    setError(null)
    try {
      const { matches } = await api('GET', `/api/customers?q=${encodeURIComponent(query)}`)
      if (matches.length === 1) location.hash = journeyHref(matches[0].customerId)
      else setResult({ q: query, matches })
    } catch (err) {
      setError(t('journey.searchFailed', { message: err.message }))
    }
  }
  return html`<section class="card journey-search" aria-labelledby="journey-search">
    <h2 class="card-title" id="journey-search">${t('journey.search')}</h2>
    <form class="toolbar" role="search" onSubmit=${submit}>
      <${Field} id="journey-q" label=${t('journey.searchLabel')} hint=${t('journey.searchHint')}>
        ${(a) => html`<input ...${a} type="search" value=${q} maxlength="320" autocomplete="off" onInput=${(e) => setQ(e.target.value)} />`}
      <//>
      <button type="submit" class="primary">${t('journey.open')}</button>
    </form>
    ${error && html`<${Alert} tone="danger">${error}<//>`}
    ${result && result.matches.length === 0 && html`<p role="status">${t('journey.noMatch', { q: result.q })}</p>`}
    ${result && result.matches.length > 1 &&
    html`<nav aria-label=${t('journey.matches', { q: result.q })}><ul class="plain-list">
      ${result.matches.map((m) => html`<li key=${m.customerId}><a href=${journeyHref(m.customerId)}>${m.name ?? m.customerId}</a> <span class="subtle mono">${m.customerId}</span> ${m.email ?? ''}</li>`)}
    </ul></nav>`}
  </section>`
}

/** Saves a JSON document as a file through a temporary link (the export needs the API key, so no plain href). */
function download(name, document_) {
  const url = URL.createObjectURL(new Blob([JSON.stringify(document_, null, 2)], { type: 'application/json' }))
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

function PrivacyActions({ customerId }) {
  const [msg, setMsg] = useState(null)
  const [open, setOpen] = useState(false)
  const [typed, setTyped] = useState('')
  const [busy, setBusy] = useState(false)
  async function exportData() {
    setBusy(true)
    try {
      const file = `careloop-${customerId.replace(/[^\w.-]+/g, '_')}.json`
      download(file, await api('GET', `/api/customers/${encodeURIComponent(customerId)}/export`))
      setMsg({ kind: 'ok', text: t('journey.exported', { file }) })
    } catch (err) {
      setMsg({ kind: 'error', text: t('journey.exportFailed', { message: err.message }) })
    } finally {
      setBusy(false)
    }
  }
  async function erase() {
    setBusy(true)
    try {
      const erasure = await api('DELETE', `/api/customers/${encodeURIComponent(customerId)}`)
      const stores = Object.values(erasure.stores ?? {})
      setMsg({ kind: 'ok', text: erasure.completedAt ? t('journey.erasedDone', { id: erasure.id }) : t('journey.erased', { id: erasure.id, done: stores.filter((s) => s.done).length, stores: stores.length }) })
      setOpen(false)
    } catch (err) {
      setMsg({ kind: 'error', text: t('journey.eraseFailed', { message: err.message }) })
    } finally {
      setBusy(false)
    }
  }
  const footer = html`<button type="button" onClick=${() => setOpen(false)}>${t('journey.cancel')}</button>
    <button type="button" class="danger" disabled=${busy || typed !== customerId} onClick=${erase}>${t('journey.eraseGo')}</button>`
  return html`<div>
    <div class="toolbar" role="group" aria-label=${t('journey.privacy')}>
      <button type="button" disabled=${busy} onClick=${exportData}>${t('journey.export')}</button>
      <button type="button" class="danger" onClick=${() => (setTyped(''), setOpen(true))}>${t('journey.erase')}</button>
    </div>
    <${Message} msg=${msg} />
    <${Dialog} id="journey-erase" open=${open} title=${t('journey.eraseTitle')} onClose=${() => setOpen(false)} footer=${footer}>
      <p>${t('journey.eraseText', { id: customerId })}</p>
      <${Field} id="journey-erase-id" label=${t('journey.eraseConfirm')}>
        ${(a) => html`<input ...${a} class="mono" value=${typed} autocomplete="off" spellcheck="false" onInput=${(e) => setTyped(e.target.value)} />`}
      <//>
    <//>
  </div>`
}

function Profile({ journey }) {
  const profile = journey.profile
  const traits = isObj(profile?.traits) ? profile.traits : {}
  return html`<${Card} id="journey-profile" title=${t('journey.profile')}>
    <dl class="kv">
      <${KV} label=${t('journey.id')}><span class="mono">${journey.customerId}</span><//>
      <${KV} label=${t('journey.email')}>${nonBlank(traits.email)}<//>
      <${KV} label=${t('journey.phone')}>${nonBlank(traits.phone)}<//>
      <${KV} label=${t('journey.locale')}>${profile?.locale ?? nonBlank(traits.locale)}<//>
      <${KV} label=${t('journey.timezone')}>${profile?.timezone ?? nonBlank(traits.timezone)}<//>
      <${KV} label=${t('journey.events')}>${profile?.events}<//>
      <${KV} label=${t('journey.updated')}>${profile && dateTime(profile.updatedAt)}<//>
      <${KV} label=${t('journey.merged')}>${journey.mergedIds.length > 0 && html`<span class="mono">${journey.mergedIds.join(', ')}</span>`}<//>
    </dl>
  <//>`
}

export function JourneyPage({ params, me }) {
  useJourneyStyles()
  const id = params.id
  const [data, setData] = useState(null)
  const [error, setError] = useState(null)
  const name = nonBlank(data?.journey.profile?.traits?.name)
  usePageTitle(id ? (name ?? id) : t('journey.title'))
  useEffect(() => {
    if (!id) return
    let live = true
    setData(null)
    setError(null)
    const path = `/api/customers/${encodeURIComponent(id)}`
    Promise.all([api('GET', `${path}/journey`), api('GET', `${path}/explain`), api('GET', `${path}/timeline?limit=${TIMELINE_LIMIT}`)]).then(
      ([journey, explain, timeline]) => live && setData({ journey, moments: explain.moments, timeline: timeline.entries }),
      (err) => live && setError(t('journey.loadFailed', { message: err.message })),
    )
    return () => (live = false)
  }, [id])

  const crumbs = html`<nav class="breadcrumbs" aria-label=${t('journey.breadcrumbs')}><a href="#/customers">${t('journey.title')}</a>${id && html`<span aria-hidden="true">/</span><span aria-current="page">${name ?? id}</span>`}</nav>`
  if (!id) {
    return html`<div class="page stack journey-page">${crumbs}<h1 class="page-title">${t('journey.title')}</h1><${Search} /></div>`
  }
  if (error) return html`<div class="page stack journey-page">${crumbs}<${Alert} tone="danger">${error}<//><${Search} initial=${id} /></div>`
  if (!data) return html`<p class="loading" aria-busy="true"><span class="spinner"></span> ${t('shell.loading')}</p>`
  const { journey, moments, timeline } = data
  return html`<article class="page stack journey-page" aria-labelledby="journey-title">
    <header class="page-header">
      ${crumbs}
      <h1 class="page-title" id="journey-title">${name ?? id}</h1>
      ${me.role === 'admin' && html`<${PrivacyActions} customerId=${journey.customerId} />`}
    </header>
    ${!journey.found && html`<${Alert} tone="info">${t('journey.notFound', { id })}<//>`}
    <${Search} key=${id} />
    <${Profile} journey=${journey} />
    <${RulesCard} rules=${journey.rules} moments=${moments} />
    <${MessagesCard} messages=${journey.messages} />
    <${OrdersCard} orders=${journey.openOrders} />
    <${TasksCard} tasks=${journey.tasks} />
    <${ConsentCard} consent=${journey.consent} />
    <${DecisionsCard} moments=${moments} />
    <${TimelineCard} entries=${timeline} />
  </article>`
}
