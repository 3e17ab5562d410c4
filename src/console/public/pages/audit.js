// The audit log: who did what to which rule, template, key or setting, and who read a shopper's
// data. Filters by who, action, object and time range; pages back with the API's `before` cursor;
// each entry's details open in a dialog. Everything comes from GET /api/audit.
import { useState } from 'preact/hooks'
import { Alert, Badge, Dialog, EmptyState, Field, Table, formatDateTime, useApi, usePageTitle } from '../components/index.js'
import { html, t } from '../lib.js'
import './auditStrings.js'

const PAGE_SIZE = 50
const ENTITIES = ['rule', 'template', 'setting', 'api_key', 'webhook_endpoint', 'customer', 'task', 'api']
const ACTIONS = [
  'rule.create', 'rule.update', 'rule.approve', 'rule.enable', 'rule.disable', 'rule.rollback', 'template.save', 'template.approve', 'template.rollback',
  'settings.update', 'key.create', 'key.rotate', 'key.revoke', 'webhook.delete', 'suppression.lift', 'customer.export', 'customer.erase',
  'customer.read.timeline', 'task.read', 'task.read.handoff', 'api.write',
]
const EMPTY = { actor: '', action: '', entity: '', id: '', from: '', to: '' }

/** A datetime-local value (the browser's time zone) as epoch ms; undefined when empty or invalid. */
const epoch = (local) => {
  const ms = local ? new Date(local).getTime() : NaN
  return Number.isFinite(ms) ? ms : undefined
}

function queryOf(filters, before) {
  const q = new URLSearchParams({ limit: String(PAGE_SIZE) })
  for (const key of ['actor', 'action', 'entity', 'id']) if (filters[key].trim()) q.set(key, filters[key].trim())
  for (const key of ['from', 'to']) if (epoch(filters[key]) !== undefined) q.set(key, String(epoch(filters[key])))
  if (before !== undefined) q.set('before', String(before))
  return `/api/audit?${q}`
}

function Filters({ initial, onApply }) {
  const [f, setF] = useState(initial)
  const [error, setError] = useState('')
  const set = (key) => (e) => setF({ ...f, [key]: e.target.value })
  const submit = (e) => {
    e.preventDefault()
    const from = epoch(f.from)
    const to = epoch(f.to)
    if (from !== undefined && to !== undefined && to <= from) return setError(t('audit.badRange'))
    setError('')
    onApply(f)
  }
  const clear = () => {
    setF(EMPTY)
    setError('')
    onApply(EMPTY)
  }
  const input = (key, type = 'text', list) => (a) => html`<input ...${a} type=${type} list=${list} autocomplete="off" value=${f[key]} onInput=${set(key)} />`
  return html`
    <form class="card card-body stack" role="search" aria-label=${t('audit.filters')} onSubmit=${submit}>
      <div class="grid grid-3">
        <${Field} id="audit-actor" label=${t('audit.actor')}>${input('actor')}<//>
        <${Field} id="audit-action" label=${t('audit.action')}>${input('action', 'text', 'audit-actions')}<//>
        <${Field} id="audit-entity" label=${t('audit.entity')}>
          ${(a) => html`<select ...${a} value=${f.entity} onChange=${set('entity')}>
            <option value="">${t('audit.entityAny')}</option>
            ${ENTITIES.map((e) => html`<option value=${e}>${e}</option>`)}
          </select>`}
        <//>
        <${Field} id="audit-id" label=${t('audit.id')}>${input('id')}<//>
        <${Field} id="audit-from" label=${t('audit.from')}>${input('from', 'datetime-local')}<//>
        <${Field} id="audit-to" label=${t('audit.to')} error=${error}>${input('to', 'datetime-local')}<//>
      </div>
      <datalist id="audit-actions">${ACTIONS.map((a) => html`<option value=${a} />`)}</datalist>
      <div class="toolbar">
        <button type="submit" class="primary">${t('audit.apply')}</button>
        <button type="button" onClick=${clear}>${t('audit.clear')}</button>
      </div>
    </form>
  `
}

function Details({ entry, onClose }) {
  const rows = entry && [
    [t('audit.field.at'), new Date(entry.at).toISOString()],
    [t('audit.colActor'), entry.actor],
    [t('audit.field.role'), entry.role ?? '—'],
    [t('audit.field.action'), entry.action],
    [t('audit.field.entity'), `${entry.entityType} ${entry.entityId}${entry.version !== null ? ` v${entry.version}` : ''}`],
  ]
  return html`
    <${Dialog} id="audit-detail" open=${entry !== null} title=${entry ? t('audit.detailsOf', { id: entry.id }) : ''} onClose=${onClose}>
      ${entry &&
      html`<dl class="stack-sm">${rows.map(([k, v]) => html`<div class="row"><dt class="muted">${k}</dt><dd class="mono">${v}</dd></div>`)}</dl>
        <pre class="mono small" style="white-space: pre-wrap; overflow-wrap: anywhere">${JSON.stringify(entry.details, null, 2)}</pre>`}
    <//>
  `
}

export function AuditPage() {
  usePageTitle(t('audit.title'))
  const [filters, setFilters] = useState(EMPTY)
  // The `before` cursor of each page shown so far (undefined: the newest page).
  const [cursors, setCursors] = useState([undefined])
  const [open, setOpen] = useState(null)
  const before = cursors[cursors.length - 1]
  const log = useApi(queryOf(filters, before))
  const entries = log.data?.entries ?? []
  const apply = (f) => {
    setFilters(f)
    setCursors([undefined])
  }
  const columns = [
    { key: 'at', label: t('audit.colAt'), render: (e) => html`<time datetime=${new Date(e.at).toISOString()}>${formatDateTime(e.at, { second: '2-digit' })}</time>` },
    { key: 'actor', label: t('audit.colActor'), render: (e) => html`${e.actor} ${e.role && html`<${Badge}>${e.role}<//>`}` },
    { key: 'action', label: t('audit.colAction'), render: (e) => html`<span class="mono">${e.action}</span>` },
    {
      key: 'object',
      label: t('audit.colObject'),
      render: (e) => html`<span class="muted">${e.entityType}</span> <span class="mono">${e.entityId}</span>${e.version !== null ? html` <span class="muted small">${t('audit.version', { v: e.version })}</span>` : ''}`,
    },
    { key: 'detail', label: t('audit.colDetail'), hideLabel: true, render: (e) => html`<button type="button" class="small" onClick=${() => setOpen(e)} aria-label=${t('audit.detailsOf', { id: e.id })}>${t('audit.details')}</button>` },
  ]
  return html`
    <div class="page">
      <header class="page-header">
        <div>
          <h1>${t('audit.title')}</h1>
          <p class="page-subtitle">${t('audit.subtitle')}</p>
        </div>
      </header>
      <${Filters} initial=${filters} onApply=${apply} />
      ${log.error
        ? html`<${Alert} tone="danger" title=${t('audit.loadFailed')} actions=${html`<button type="button" onClick=${log.reload}>${t('audit.retry')}</button>`}>${log.error.message}<//>`
        : log.data === undefined
          ? html`<p class="loading" aria-busy="true"><span class="spinner"></span> ${t('audit.loading')}</p>`
          : html`<section class="card card-flush" aria-label=${t('audit.title')}>
              <${Table} caption=${t('audit.title')} rows=${entries} columns=${columns} empty=${html`<${EmptyState} icon="history" title=${t('audit.empty')} />`} />
            </section>`}
      <nav class="toolbar" aria-label=${t('audit.page', { n: cursors.length })}>
        ${cursors.length > 1 && html`<button type="button" onClick=${() => setCursors([undefined])}>${t('audit.newest')}</button>`}
        <span class="muted small">${t('audit.page', { n: cursors.length })}</span>
        <button type="button" disabled=${entries.length < PAGE_SIZE} onClick=${() => setCursors([...cursors, entries[entries.length - 1].id])}>${t('audit.older')}</button>
      </nav>
      <${Details} entry=${open} onClose=${() => setOpen(null)} />
    </div>
  `
}
