// Task webhooks and helpdesk bridges (admin): the endpoints with their events, on/off, a new
// endpoint (a generated signing secret is shown once), and each endpoint's deliveries with the
// last error and "Send again" for dead ones (GET/PUT/DELETE /api/webhooks…, docs/webhooks.md).
import { useState } from 'preact/hooks'
import { Alert, Badge, Dialog, EmptyState, Table, formatDateTime, toast, useApi, usePageTitle } from '../components/index.js'
import { api, html, t } from '../lib.js'
import { EVENTS, KINDS, SETTINGS } from './webhookStrings.js'

function EndpointForm({ onCreated }) {
  const [id, setId] = useState('')
  const [kind, setKind] = useState('standard')
  const [url, setUrl] = useState('')
  const [secret, setSecret] = useState('')
  const [events, setEvents] = useState(() => new Set(EVENTS))
  const [settings, setSettings] = useState(() => new Map())
  const [errors, setErrors] = useState([])
  const errorAt = (path) => errors.filter((e) => e.path === path || e.path.startsWith(path + '/')).map((e) => html`<p class="field-error">${e.message}</p>`)
  const submit = async (e) => {
    e.preventDefault()
    setErrors([])
    const body = { kind, url, events: EVENTS.filter((x) => events.has(x)), ...(secret ? { secret } : {}), ...(kind === 'standard' ? {} : { settings: Object.fromEntries(settings) }) }
    try {
      const created = await api('PUT', `/api/webhooks/${encodeURIComponent(id)}`, body)
      onCreated(created)
      setId('')
      setUrl('')
      setSecret('')
      setSettings(new Map())
    } catch (err) {
      setErrors(Array.isArray(err.body?.errors) && err.body.errors.length > 0 ? err.body.errors : [{ path: '', message: err.message }])
    }
  }
  const toggle = (event) => setEvents((s) => (s.has(event) ? (s.delete(event), new Set(s)) : new Set(s.add(event))))
  return html`<form class="card form-grid" onSubmit=${submit} aria-labelledby="wh-new">
    <h2 class="card-title span-2" id="wh-new">${t('wh.new')}</h2>
    ${errorAt('').length > 0 && html`<div class="span-2">${errors.filter((e) => e.path === '').map((e) => html`<${Alert} tone="danger">${e.message}<//>`)}</div>`}
    <div class="field"><label for="wh-id">${t('wh.id')}</label>
      <input id="wh-id" class="mono" required value=${id} onInput=${(e) => setId(e.target.value)} placeholder="crm" aria-describedby="wh-id-hint" />
      <p class="field-hint" id="wh-id-hint">${t('wh.idHint')}</p>${errorAt('/id')}</div>
    <div class="field"><label for="wh-kind">${t('wh.kind')}</label>
      <select id="wh-kind" value=${kind} onChange=${(e) => setKind(e.target.value)}>${KINDS.map((k) => html`<option value=${k}>${t(`wh.kind.${k}`)}</option>`)}</select></div>
    <div class="field span-2"><label for="wh-url">${t('wh.url')}</label>
      <input id="wh-url" type="url" required value=${url} onInput=${(e) => setUrl(e.target.value)} placeholder="https://crm.example/hooks/careloop" />${errorAt('/url')}</div>
    <div class="field span-2"><label for="wh-secret">${kind === 'standard' ? t('wh.secret') : t('wh.token')}</label>
      <input id="wh-secret" type="password" autocomplete="off" value=${secret} onInput=${(e) => setSecret(e.target.value)} aria-describedby="wh-secret-hint" />
      <p class="field-hint" id="wh-secret-hint">${kind === 'standard' ? t('wh.secretHint') : t('wh.tokenHint')}</p>${errorAt('/secret')}</div>
    ${kind !== 'standard' &&
    SETTINGS.get(kind).map(
      (key) => html`<div class="field"><label for=${`wh-set-${key}`}>${key}</label>
        <input id=${`wh-set-${key}`} type=${/secret|token/i.test(key) ? 'password' : 'text'} value=${settings.get(key) ?? ''}
          onInput=${(e) => setSettings((m) => new Map(m).set(key, /Id$/.test(key) && /^\d+$/.test(e.target.value) ? Number(e.target.value) : e.target.value))} />
        ${errorAt(`/settings/${key}`)}</div>`,
    )}
    <fieldset class="field span-2 wh-events"><legend>${t('wh.events')}</legend>
      <div class="wh-event-list">${EVENTS.map((ev) => html`<label class="checkbox"><input type="checkbox" checked=${events.has(ev)} onChange=${() => toggle(ev)} />${ev}</label>`)}</div>
      ${errorAt('/events')}</fieldset>
    <div class="span-2 toolbar"><button type="submit" class="primary">${t('wh.create')}</button></div>
  </form>`
}

function Deliveries({ endpoint }) {
  const [status, setStatus] = useState('')
  const list = useApi(`/api/webhooks/${encodeURIComponent(endpoint.id)}/deliveries?limit=100${status ? `&status=${status}` : ''}`)
  const again = async (d) => {
    try {
      await api('POST', `/api/webhooks/${encodeURIComponent(endpoint.id)}/deliveries/${d.id}/redeliver`)
      toast(t('wh.redelivering'))
      list.reload()
    } catch (err) {
      toast(err.message, { tone: 'danger' })
    }
  }
  const tone = (s) => (s === 'delivered' ? 'success' : s === 'dead' ? 'danger' : 'warning')
  return html`<section class="card card-flush" aria-labelledby="wh-deliveries">
    <div class="card-header">
      <h2 class="card-title" id="wh-deliveries">${t('wh.deliveriesOf', { id: endpoint.id })}</h2>
      <div class="wh-filter">
        <label for="wh-status" class="small">${t('wh.status')}</label>
        <select id="wh-status" value=${status} onChange=${(e) => setStatus(e.target.value)}>
          <option value="">${t('wh.all')}</option>${['pending', 'delivered', 'dead'].map((s) => html`<option value=${s}>${t(`wh.s.${s}`)}</option>`)}
        </select>
        <button type="button" class="ghost small" onClick=${list.reload}>${t('wh.refresh')}</button>
      </div>
    </div>
    ${list.error
      ? html`<div class="card-body"><${Alert} tone="danger">${list.error.message}<//></div>`
      : html`<${Table}
          caption=${t('wh.deliveriesOf', { id: endpoint.id })}
          rows=${list.data?.deliveries ?? []}
          empty=${html`<${EmptyState} icon="inbox" title=${t('wh.noDeliveries')} />`}
          columns=${[
            { key: 'occurredAt', label: t('wh.when'), render: (d) => formatDateTime(d.occurredAt) },
            { key: 'event', label: t('wh.event'), render: (d) => html`<code>${d.event}</code>` },
            { key: 'taskId', label: t('wh.task'), render: (d) => html`<a href=${`#/tasks/${encodeURIComponent(d.taskId)}`} class="mono small">${d.taskId.slice(0, 10)}…</a>` },
            { key: 'status', label: t('wh.status'), render: (d) => html`<${Badge} tone=${tone(d.status)}>${t(`wh.s.${d.status}`)}<//>` },
            { key: 'attempts', label: t('wh.attempts'), num: true },
            { key: 'lastError', label: t('wh.lastError'), render: (d) => d.lastError ?? '' },
            { key: 'again', label: t('wh.again'), hideLabel: true, render: (d) => d.status === 'dead' && html`<button type="button" class="small" onClick=${() => again(d)}>${t('wh.again')}</button>` },
          ]}
        />`}
  </section>`
}

export function WebhooksPage() {
  usePageTitle(t('wh.title'))
  const list = useApi('/api/webhooks')
  const [selected, setSelected] = useState(undefined)
  const [secret, setSecret] = useState(undefined)
  const [deleting, setDeleting] = useState(undefined)
  const endpoints = list.data?.endpoints ?? []
  const shown = endpoints.find((e) => e.id === selected)
  // The switch shows what was asked at once (a re-render before the answer must not flip it back).
  const [asked, setAsked] = useState(() => new Map())
  const ask = (id, enabled) =>
    setAsked((m) => {
      const next = new Map(m)
      if (enabled === undefined) next.delete(id)
      else next.set(id, enabled)
      return next
    })
  const setEnabled = async (e, enabled) => {
    ask(e.id, enabled)
    try {
      const saved = await api('PUT', `/api/webhooks/${encodeURIComponent(e.id)}`, { kind: e.kind, url: e.url, events: e.events, enabled, ...(e.kind === 'standard' ? {} : { settings: e.settings }) })
      list.setData({ ...list.data, endpoints: (list.data?.endpoints ?? []).map((x) => (x.id === e.id ? { ...x, enabled: saved?.enabled ?? enabled } : x)) })
      list.reload()
    } catch (err) {
      toast(err.message, { tone: 'danger' })
    }
    ask(e.id, undefined)
  }
  const remove = async () => {
    try {
      await api('DELETE', `/api/webhooks/${encodeURIComponent(deleting.id)}`)
      if (selected === deleting.id) setSelected(undefined)
      setDeleting(undefined)
      list.reload()
    } catch (err) {
      toast(err.message, { tone: 'danger' })
    }
  }
  return html`<div class="page">
    <header class="page-header"><div>
      <h1>${t('wh.title')}</h1>
      <p class="page-subtitle">${t('wh.subtitle')}</p>
    </div></header>
    ${secret &&
    html`<${Alert} tone="success" title=${t('wh.secretOnce', { id: secret.id })}>
      <code class="mono break" data-testid="webhook-secret">${secret.secret}</code>
      <button type="button" class="ghost small" onClick=${() => setSecret(undefined)}>${t('wh.done')}</button>
    <//>`}
    <section class="card card-flush" aria-labelledby="wh-list">
      <div class="card-header"><h2 class="card-title" id="wh-list">${t('wh.endpoints')}</h2></div>
      ${list.error
        ? html`<div class="card-body"><${Alert} tone="danger">${list.error.message}<//></div>`
        : html`<${Table}
            caption=${t('wh.endpoints')}
            rows=${endpoints}
            selectedKey=${selected}
            empty=${html`<${EmptyState} icon="inbox" title=${t('wh.none')}>${t('wh.noneText')}<//>`}
            columns=${[
              { key: 'id', label: t('wh.id'), render: (e) => html`<button type="button" class="link mono" aria-pressed=${selected === e.id ? 'true' : 'false'} onClick=${() => setSelected(e.id)}>${e.id}</button>` },
              { key: 'kind', label: t('wh.kind'), render: (e) => t(`wh.kind.${e.kind}`) },
              { key: 'url', label: t('wh.url'), render: (e) => html`<span class="mono small break">${e.url}</span>` },
              { key: 'events', label: t('wh.events'), render: (e) => html`<span class="small">${e.events.length === EVENTS.length ? t('wh.allEvents') : e.events.join(', ')}</span>` },
              {
                key: 'enabled',
                label: t('wh.enabled'),
                render: (e) => {
                  const on = asked.get(e.id) ?? e.enabled
                  return html`<label class="checkbox"><input type="checkbox" checked=${on} aria-label=${t('wh.enabledOf', { id: e.id })} onChange=${(ev) => setEnabled(e, ev.target.checked)} />${on ? t('wh.on') : t('wh.off')}</label>`
                },
              },
              { key: 'delete', label: t('wh.delete'), hideLabel: true, render: (e) => html`<button type="button" class="ghost small" onClick=${() => setDeleting(e)}>${t('wh.delete')}</button>` },
            ]}
          />`}
    </section>
    ${shown && html`<${Deliveries} key=${shown.id} endpoint=${shown} />`}
    <${EndpointForm} onCreated=${(created) => {
      if (created.secret) setSecret({ id: created.id, secret: created.secret })
      setSelected(created.id)
      list.reload()
    }} />
    <${Dialog} id="wh-delete" open=${deleting !== undefined} title=${deleting ? t('wh.deleteTitle', { id: deleting.id }) : ''} onClose=${() => setDeleting(undefined)}
      footer=${html`<button type="button" onClick=${() => setDeleting(undefined)}>${t('wh.cancel')}</button><button type="button" class="danger" onClick=${remove}>${t('wh.delete')}</button>`}>
      <p>${t('wh.deleteText')}</p>
    <//>
  </div>`
}
