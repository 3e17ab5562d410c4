// Templates: every channel's message templates, their source, and a live preview for a real
// shopper in a chosen language. Unsaved edits are previews (POST …/preview with `source`); Save
// stores a new version (PUT …/:locale) that real sends use instead of the shipped file, at once or,
// with four eyes on, once a second person (approver or admin) approved it. The versions list shows
// status, author and time, with approve and restore.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { Alert, Badge, EmptyState, Field, toast, useApi, useDebounced, usePageTitle } from '../components/index.js'
import './templateStrings.js'
import { api, html, t } from '../lib.js'
import { CHANNELS } from '../vocabulary.js'
import { Preview, smsSegments } from './templatePreview.js'
import { NewTemplate } from './templateNew.js'
import { Versions, canEditTemplates } from './templateVersions.js'

export { smsSegments }

const LOCALES = [
  ['en', 'English (en)'],
  ['zh-CN', '简体中文 (zh-CN)'],
  ['zh-TW', '繁體中文 (zh-TW)'],
]
function Editor({ template, shoppers, locale, setLocale, customerId, setCustomerId, drafts, setDrafts, me }) {
  const { channel, id } = template
  const [shipped, setShipped] = useState({})
  const [sourceError, setSourceError] = useState(undefined)
  const [preview, setPreview] = useState({ state: 'idle' })
  const [versions, setVersions] = useState({})
  const [saving, setSaving] = useState(false)
  const seq = useRef(0)
  const key = `${channel}/${id}/${locale}`
  useEffect(() => {
    if (!customerId && shoppers[0]) setCustomerId(shoppers[0])
  }, [shoppers.join(',')])
  useEffect(() => {
    if (shipped[key]) return
    setSourceError(undefined)
    api('GET', `/api/templates/${channel}/${encodeURIComponent(id)}/source?locale=${encodeURIComponent(locale)}`).then(
      (res) => setShipped((s) => ({ ...s, [key]: res })),
      (err) => setSourceError(err),
    )
  }, [key])
  const file = shipped[key]
  // Stored versions belong to the locale the template renders in (after fallback).
  const base = file ? `/api/templates/${channel}/${encodeURIComponent(id)}/${encodeURIComponent(file.locale)}` : undefined
  const loadVersions = () => {
    if (!base) return
    api('GET', `${base}/versions`).then(
      (data) => setVersions((v) => ({ ...v, [base]: { data } })),
      (error) => setVersions((v) => ({ ...v, [base]: { error } })),
    )
  }
  useEffect(loadVersions, [base])
  /** After a save, approve or restore: the live text and the versions list change. */
  const reload = () => {
    setShipped((s) => ({ ...s, [key]: undefined }))
    api('GET', `/api/templates/${channel}/${encodeURIComponent(id)}/source?locale=${encodeURIComponent(locale)}`).then(
      (res) => setShipped((s) => ({ ...s, [key]: res })),
      (err) => setSourceError(err),
    )
    loadVersions()
  }
  const source = drafts[key] ?? file?.source ?? ''
  const edited = drafts[key] !== undefined && drafts[key] !== file?.source
  const save = async () => {
    setSaving(true)
    try {
      const saved = await api('PUT', base, { source })
      toast(t(saved.status === 'draft' ? 'templates.savedDraft' : 'templates.saved', { version: saved.version }), { tone: 'success' })
      setDrafts((d) => ({ ...d, [key]: undefined }))
      reload()
    } catch (err) {
      toast(`${t('templates.saveFailed')}: ${err.message}`, { tone: 'danger', timeout: 8000 })
    } finally {
      setSaving(false)
    }
  }
  const request = useDebounced(JSON.stringify({ channel, id, locale, customerId: customerId.trim(), source: edited ? source : undefined, ready: Boolean(file) }), 300)
  useEffect(() => {
    const r = JSON.parse(request)
    if (!r.customerId || !r.ready || r.channel !== channel || r.id !== id) return setPreview({ state: 'idle' })
    const n = ++seq.current
    setPreview((p) => ({ ...p, state: 'loading' }))
    const body = { customerId: r.customerId, locale: r.locale, ...(r.source !== undefined ? { source: r.source } : {}) }
    api('POST', `/api/templates/${r.channel}/${encodeURIComponent(r.id)}/preview`, body).then(
      (out) => n === seq.current && setPreview({ state: 'ok', out }),
      (error) => n === seq.current && setPreview({ state: 'error', error }),
    )
  }, [request])
  const out = preview.out
  return html`
    <section class="card" aria-labelledby="template-title">
      <div class="card-header">
        <div class="row">
          <${Badge} tone="accent">${t(`channel.${channel}`)}<//>
          <h2 class="card-title mono" id="template-title">${id}</h2>
          ${edited && html`<${Badge} tone="warning">${t('templates.edited')}<//>`}
        </div>
        <div class="tags">${template.locales.map((l) => html`<${Badge}>${l}<//>`)}</div>
      </div>
      <div class="stack">
        <div class="form-grid">
          <${Field} id="tpl-shopper" label=${t('templates.shopper')} hint=${t('templates.shopperHint')}>
            ${(a) => html`<input ...${a} type="text" list="tpl-shoppers" class="mono" autocomplete="off" value=${customerId} onInput=${(e) => setCustomerId(e.target.value)} />`}
          <//>
          <datalist id="tpl-shoppers">${shoppers.map((s) => html`<option value=${s} />`)}</datalist>
          <${Field} id="tpl-locale" label=${t('templates.locale')}>
            ${(a) => html`<select ...${a} value=${locale} onChange=${(e) => setLocale(e.target.value)}>${LOCALES.map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select>`}
          <//>
        </div>
        <div class="grid grid-2" style="align-items:start">
          <div class="stack-sm">
            <div class="row" style="justify-content:space-between">
              <label for="tpl-source">${file ? t('templates.sourceOf', { file: `${file.locale}.hbs` }) : t('templates.source')}</label>
              <div class="row">
                ${edited && html`<button type="button" class="small" onClick=${() => setDrafts((d) => ({ ...d, [key]: undefined }))}>${t('templates.reset')}</button>`}
                ${edited &&
                canEditTemplates(me) &&
                html`<button type="button" class="small primary" disabled=${saving || !base} onClick=${save}>${saving ? t('templates.saving') : t('templates.save')}</button>`}
              </div>
            </div>
            ${sourceError
              ? html`<${Alert} tone="danger">${sourceError.message}<//>`
              : html`<textarea
                  id="tpl-source"
                  class="code"
                  spellcheck="false"
                  wrap="off"
                  rows="28"
                  aria-describedby="tpl-source-hint"
                  value=${source}
                  disabled=${!file}
                  onInput=${(e) => setDrafts((d) => ({ ...d, [key]: e.target.value }))}
                ></textarea>`}
            <p class="field-hint" id="tpl-source-hint">${t('templates.sourceHint')}</p>
            ${base && html`<${Versions} base=${base} locale=${file.locale} me=${me} data=${versions[base]?.data} error=${versions[base]?.error} onChanged=${reload} />`}
          </div>
          <div class="stack-sm" aria-labelledby="preview-title" role="region">
            <div class="row" style="justify-content:space-between">
              <h3 id="preview-title">${t('templates.preview')}</h3>
              <span class="subtle" aria-live="polite">
                ${preview.state === 'loading' ? html`<span class="spinner"></span> ${t('templates.rendering')}` : out ? t('templates.renderedIn', { locale: out.locale }) : ''}
              </span>
            </div>
            ${file && file.locale !== locale && html`<${Alert} tone="warning">${t('templates.fallback', { wanted: locale, locale: file.locale })}<//>`}
            ${!customerId.trim()
              ? html`<div class="card"><${EmptyState} icon="user" title=${t('templates.chooseShopper')}>${t('templates.chooseShopperText')}<//></div>`
              : preview.state === 'error'
                ? html`<${Alert} tone="danger" title=${preview.error.status === 404 ? t('templates.noShopper') : t('templates.renderFailed')}><span class="mono small">${preview.error.message}</span><//>`
                : out && out.channel === channel && out.template === id
                  ? html`<div style=${preview.state === 'loading' ? 'opacity:.6' : undefined}><${Preview} channel=${channel} out=${out} /></div>`
                  : html`<p class="loading"><span class="spinner"></span> ${t('templates.rendering')}</p>`}
          </div>
        </div>
      </div>
    </section>
  `
}

export function TemplatesPage({ me }) {
  usePageTitle(t('templates.title'))
  const catalogue = useApi('/api/templates')
  const tasks = useApi('/api/tasks?limit=200')
  const [selected, setSelected] = useState(undefined)
  // Shopper, language and unsaved edits outlive switching between templates.
  const [locale, setLocale] = useState('en')
  const [customerId, setCustomerId] = useState('')
  const [drafts, setDrafts] = useState({})
  const list = catalogue.data?.templates ?? []
  const byChannel = useMemo(() => {
    const groups = new Map()
    for (const x of [...list].sort((a, b) => CHANNELS.indexOf(a.channel) - CHANNELS.indexOf(b.channel) || a.id.localeCompare(b.id))) {
      if (!groups.has(x.channel)) groups.set(x.channel, [])
      groups.get(x.channel).push(x)
    }
    return groups
  }, [catalogue.data])
  const shoppers = useMemo(() => [...new Set((tasks.data?.tasks ?? []).map((x) => x.customerId).filter(Boolean))], [tasks.data])
  const current = selected ? list.find((x) => x.channel === selected.channel && x.id === selected.id) : list.find((x) => x.channel === 'email') ?? list[0]
  return html`
    <div class="page">
      <header class="page-header">
        <div>
          <h1>${t('templates.title')}</h1>
          <p class="page-subtitle">${t('templates.subtitle')}</p>
        </div>
        ${canEditTemplates(me) &&
        html`<${NewTemplate}
          skeletons=${catalogue.data?.skeletons}
          current=${current}
          onCreated=${(created) => {
            setLocale(created.locale)
            setSelected({ channel: created.channel, id: created.id })
            catalogue.reload()
          }}
        />`}
      </header>
      <${Alert} tone="info" title=${t('templates.note')}>${t('templates.noteText')}<//>
      ${catalogue.error && html`<${Alert} tone="danger" title=${t('templates.loadFailed')}>${catalogue.error.message}<//>`}
      ${list.length > 0 &&
      html`<div class="field narrow-only">
        <label for="tpl-pick">${t('templates.template')}</label>
        <select id="tpl-pick" value=${current ? `${current.channel}/${current.id}` : ''} onChange=${(e) => {
          const [channel, ...rest] = e.target.value.split('/')
          setSelected({ channel, id: rest.join('/') })
        }}>
          ${[...byChannel].map(([channel, items]) => html`<optgroup label=${t(`channel.${channel}`)}>${items.map((x) => html`<option value=${`${x.channel}/${x.id}`}>${x.id}</option>`)}</optgroup>`)}
        </select>
      </div>`}
      <div class="split">
        <nav class="card card-flush wide-only" aria-label=${t('templates.list')}>
          ${catalogue.loading && !catalogue.data
            ? html`<p class="loading card-body"><span class="spinner"></span> ${t('shell.loading')}</p>`
            : list.length === 0
              ? html`<${EmptyState} icon="templates" title=${t('templates.empty')} />`
              : [...byChannel].map(
                  ([channel, items]) => html`
                    <div>
                      <p class="list-heading" id=${`tpl-group-${channel}`}>${t(`channel.${channel}`)}</p>
                      <ul class="list" aria-labelledby=${`tpl-group-${channel}`}>
                        ${items.map(
                          (x) => html`<li>
                            <button type="button" class="list-item" aria-current=${current && current.channel === x.channel && current.id === x.id ? 'true' : undefined} onClick=${() => setSelected({ channel: x.channel, id: x.id })}>
                              <span class="truncate">${x.id}</span>
                              <span class="muted">${x.draftOnly ? t('templates.draftOnly') : t(x.locales.length === 1 ? 'templates.locale1' : 'templates.locales', { n: x.locales.length })}</span>
                            </button>
                          </li>`,
                        )}
                      </ul>
                    </div>
                  `,
                )}
        </nav>
        <div>
          ${current
            ? html`<${Editor} key=${`${current.channel}/${current.id}`} template=${current} shoppers=${shoppers} locale=${locale} setLocale=${setLocale} customerId=${customerId} setCustomerId=${setCustomerId} drafts=${drafts} setDrafts=${setDrafts} me=${me} />`
            : !catalogue.loading && html`<div class="card"><${EmptyState} icon="templates" title=${t('templates.pick')} /></div>`}
        </div>
      </div>
    </div>
  `
}
