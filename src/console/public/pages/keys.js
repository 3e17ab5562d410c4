// API keys (admin): list the managed keys, create one (its secret shown once), rotate (a new
// secret, shown once) and revoke. From /api/keys; docs/keys.md says what each role may do.
import { useState } from 'preact/hooks'
import { Alert, Badge, Dialog, EmptyState, Field, Table, formatDateTime, toast, useApi, usePageTitle } from '../components/index.js'
import { api, html, t } from '../lib.js'
import './keysStrings.js'

const ROLES = ['agent', 'ops', 'approver', 'admin', 'ingest']

/** Field errors of an API refusal by field name ('name', 'role', 'source'); the rest under 'form'. */
function fieldErrors(err) {
  const out = {}
  for (const e of err?.body?.errors ?? []) {
    const field = e.path.replace(/^\//, '').split('/')[0] || 'form'
    ;(out[field] ??= []).push(e.message)
  }
  if (Object.keys(out).length === 0) out.form = [err?.message ?? '']
  return out
}

function Secret({ shown, onDone }) {
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(shown.key)
      toast(t('keys.secret.copied'), { tone: 'success' })
    } catch {
      document.getElementById('key-secret')?.select()
    }
  }
  return html`
    <${Dialog} id="key-secret-dialog" open=${shown !== null} title=${t('keys.secret.title')} onClose=${onDone}
      footer=${html`<button type="button" class="primary" onClick=${onDone}>${t('keys.secret.done')}</button>`}>
      ${shown &&
      html`<div class="stack">
        <p>${t('keys.secret.lead', { name: shown.name })}</p>
        <${Field} id="key-secret" label=${t('keys.secret.label')}>
          ${(a) => html`<div class="row"><input ...${a} type="text" class="mono" readonly value=${shown.key} onFocus=${(e) => e.target.select()} /><button type="button" onClick=${copy}>${t('keys.secret.copy')}</button></div>`}
        <//>
      </div>`}
    <//>
  `
}

function NewKey({ onCreated }) {
  const [open, setOpen] = useState(false)
  const [form, setForm] = useState({ name: '', role: 'agent', source: '' })
  const [errors, setErrors] = useState({})
  const [busy, setBusy] = useState(false)
  const set = (key) => (e) => setForm({ ...form, [key]: e.target.value })
  const close = () => (setOpen(false), setErrors({}))
  const submit = async (e) => {
    e.preventDefault()
    const problems = {}
    if (!form.name.trim()) problems.name = [t('keys.form.required')]
    if (form.role === 'ingest' && !form.source.trim()) problems.source = [t('keys.form.required')]
    setErrors(problems)
    if (Object.keys(problems).length > 0) return
    setBusy(true)
    try {
      const body = { name: form.name.trim(), role: form.role, ...(form.role === 'ingest' ? { source: form.source.trim() } : {}) }
      const created = await api('POST', '/api/keys', body)
      close()
      setForm({ name: '', role: 'agent', source: '' })
      onCreated(created)
    } catch (err) {
      setErrors(fieldErrors(err))
    } finally {
      setBusy(false)
    }
  }
  const footer = html`
    <button type="button" onClick=${close}>${t('keys.form.cancel')}</button>
    <button type="submit" form="key-new-form" class="primary" disabled=${busy}>${busy ? t('keys.form.busy') : t('keys.form.create')}</button>
  `
  return html`
    <button type="button" class="primary" onClick=${() => setOpen(true)}>${t('keys.new')}</button>
    <${Dialog} id="key-new" open=${open} title=${t('keys.form.title')} onClose=${close} footer=${footer}>
      <form id="key-new-form" class="stack" onSubmit=${submit} novalidate>
        <${Field} id="key-name" label=${t('keys.form.name')} hint=${t('keys.form.nameHint')} error=${errors.name}>
          ${(a) => html`<input ...${a} type="text" autocomplete="off" maxlength="200" value=${form.name} onInput=${set('name')} />`}
        <//>
        <${Field} id="key-role" label=${t('keys.form.role')} error=${errors.role}>
          ${(a) => html`<select ...${a} value=${form.role} onChange=${set('role')}>${ROLES.map((r) => html`<option value=${r}>${t(`keys.role.${r}`)}</option>`)}</select>`}
        <//>
        ${form.role === 'ingest' &&
        html`<${Field} id="key-source" label=${t('keys.form.source')} hint=${t('keys.form.sourceHint')} error=${errors.source}>
          ${(a) => html`<input ...${a} type="text" autocomplete="off" maxlength="200" value=${form.source} onInput=${set('source')} />`}
        <//>`}
        ${errors.form && html`<p class="field-error" role="alert">${errors.form.join(' ')}</p>`}
      </form>
    <//>
  `
}

/** Confirms a rotate or revoke of `target.key`, then runs it. */
function Confirm({ target, onClose, onDone }) {
  const [busy, setBusy] = useState(false)
  if (!target) return html`<${Dialog} id="key-confirm" open=${false} />`
  const { action, key } = target
  const run = async () => {
    setBusy(true)
    try {
      const result = action === 'rotate' ? await api('POST', `/api/keys/${encodeURIComponent(key.id)}/rotate`) : await api('DELETE', `/api/keys/${encodeURIComponent(key.id)}`)
      onDone(action, result)
    } catch (err) {
      toast(t('keys.failed', { why: err.message }), { tone: 'danger' })
      onClose()
    } finally {
      setBusy(false)
    }
  }
  const footer = html`
    <button type="button" onClick=${onClose}>${t('keys.form.cancel')}</button>
    <button type="button" class=${action === 'revoke' ? 'danger' : 'primary'} disabled=${busy} onClick=${run}>${t(`keys.${action}`)}</button>
  `
  return html`
    <${Dialog} id="key-confirm" open=${true} title=${t(`keys.${action}.title`, { name: key.name })} onClose=${onClose} footer=${footer}>
      <p>${t(`keys.${action}.text`)}</p>
    <//>
  `
}

export function KeysPage() {
  usePageTitle(t('keys.title'))
  const [revoked, setRevoked] = useState(false)
  const keys = useApi(`/api/keys${revoked ? '?revoked=true' : ''}`)
  const [secret, setSecret] = useState(null)
  const [confirm, setConfirm] = useState(null)
  const shown = (result) => {
    setSecret(result)
    keys.reload()
  }
  const done = (action, result) => {
    setConfirm(null)
    if (action === 'rotate') return shown(result)
    toast(t('keys.revoked.done', { name: result.name }), { tone: 'success' })
    keys.reload()
  }
  const columns = [
    { key: 'name', label: t('keys.colName'), render: (k) => html`<span class="cell-title">${k.name}</span>` },
    { key: 'role', label: t('keys.colRole'), render: (k) => html`<${Badge}>${k.role}<//>` },
    { key: 'prefix', label: t('keys.colPrefix'), render: (k) => html`<code class="muted">${k.prefix}…</code>` },
    { key: 'source', label: t('keys.colSource'), render: (k) => k.source ?? '—' },
    { key: 'created', label: t('keys.colCreated'), render: (k) => t('keys.createdBy', { when: formatDateTime(k.createdAt), who: k.createdBy }) },
    { key: 'used', label: t('keys.colLastUsed'), render: (k) => (k.lastUsedAt === null ? t('keys.never') : formatDateTime(k.lastUsedAt)) },
    {
      key: 'status',
      label: t('keys.colStatus'),
      render: (k) => (k.revokedAt === null ? html`<${Badge} tone="success" dot>${t('keys.live')}<//>` : html`<${Badge} dot>${t('keys.revoked', { when: formatDateTime(k.revokedAt) })}<//>`),
    },
    {
      key: 'actions',
      label: t('keys.colActions'),
      hideLabel: true,
      render: (k) =>
        k.revokedAt === null &&
        html`<span class="toolbar">
          <button type="button" class="small" aria-label=${t('keys.rotateOf', { name: k.name })} onClick=${() => setConfirm({ action: 'rotate', key: k })}>${t('keys.rotate')}</button>
          <button type="button" class="small danger" aria-label=${t('keys.revokeOf', { name: k.name })} onClick=${() => setConfirm({ action: 'revoke', key: k })}>${t('keys.revoke')}</button>
        </span>`,
    },
  ]
  return html`
    <div class="page">
      <header class="page-header">
        <div>
          <h1>${t('keys.title')}</h1>
          <p class="page-subtitle">${t('keys.subtitle')}</p>
        </div>
        <div class="toolbar">
          <label class="row small"><input type="checkbox" checked=${revoked} onChange=${(e) => setRevoked(e.target.checked)} /> ${t('keys.showRevoked')}</label>
          <${NewKey} onCreated=${shown} />
        </div>
      </header>
      ${keys.error
        ? html`<${Alert} tone="danger" title=${t('keys.loadFailed')} actions=${html`<button type="button" onClick=${keys.reload}>${t('keys.retry')}</button>`}>${keys.error.message}<//>`
        : keys.data === undefined
          ? html`<p class="loading" aria-busy="true"><span class="spinner"></span> ${t('keys.loading')}</p>`
          : html`<section class="card card-flush" aria-label=${t('keys.title')}>
              <${Table} caption=${t('keys.title')} rows=${keys.data.keys} columns=${columns} empty=${html`<${EmptyState} icon="lock" title=${t('keys.empty')} />`} />
            </section>`}
      <${Confirm} target=${confirm} onClose=${() => setConfirm(null)} onDone=${done} />
      <${Secret} shown=${secret} onDone=${() => setSecret(null)} />
    </div>
  `
}
