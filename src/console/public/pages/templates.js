// Templates: every channel's message templates, their source, and a live preview for a real
// shopper in a chosen language. Unsaved edits are previews (POST …/preview with `source`); Save
// stores a new version (PUT …/:locale) that real sends use instead of the shipped file, at once or,
// with four eyes on, once a second person (approver or admin) approved it. The versions list shows
// status, author and time, with approve and restore.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { Alert, Badge, EmptyState, Field, Icon, TabPanel, Tabs, formatDateTime, formatNumber, toast, useApi, useDebounced, usePageTitle } from '../components/index.js'
import { api, html, register, t } from '../lib.js'

register({
  en: {
    'templates.title': 'Templates',
    'templates.subtitle': 'What each message says, in every language, for a real shopper.',
    'templates.note': 'Edits are previews; shipped templates are files.',
    'templates.noteText': 'Until saved, a change here only shows how it would read for a shopper. Save makes a new version that real sends use instead of the shipped file (after a second person approved it, when approval is required). Every version can be restored.',
    'templates.save': 'Save version',
    'templates.saving': 'Saving…',
    'templates.saved': 'Saved as version {version}',
    'templates.savedDraft': 'Saved as version {version}; it awaits approval by a second person',
    'templates.saveFailed': 'The version was not saved',
    'templates.versions': 'Versions · {locale}',
    'templates.noVersions': 'No saved versions: shoppers get the shipped file.',
    'templates.version': 'Version',
    'templates.status': 'Status',
    'templates.author': 'Author',
    'templates.when': 'When',
    'templates.status.draft': 'awaiting approval',
    'templates.status.approved': 'approved',
    'templates.status.live': 'live',
    'templates.status.superseded': 'superseded',
    'templates.approve': 'Approve',
    'templates.approved': 'Version {version} approved; it is live',
    'templates.restore': 'Restore',
    'templates.restored': 'Version {version} restored as version {new}',
    'templates.restoredDraft': 'Version {version} restored as version {new}; it awaits approval',
    'templates.awaiting': 'Version {version} awaits approval',
    'templates.awaitingText': 'Shoppers keep getting the live version until a second person with the approver role approves it.',
    'templates.awaitingOwn': 'You wrote it, so someone else must approve it.',
    'templates.liveStored': 'Live: version {version}',
    'templates.liveFile': 'Live: shipped file',
    'templates.rollbackOf': 'restores v{version}',
    'templates.approvedBy': 'approved by {name}',
    'templates.list': 'Templates by channel',
    'templates.template': 'Template',
    'templates.locales': '{n} languages',
    'templates.empty': 'No templates',
    'templates.pick': 'Pick a template to see its source and a preview.',
    'templates.shopper': 'Shopper',
    'templates.shopperHint': 'A customer id careloop has seen. Shoppers with tasks are suggested.',
    'templates.locale': 'Language',
    'templates.source': 'Source',
    'templates.sourceOf': 'Source · {file}',
    'templates.sourceHint': 'Handlebars, one {{!-- @section --}} marker per part.',
    'templates.edited': 'Edited',
    'templates.reset': 'Reset to shipped',
    'templates.preview': 'Preview',
    'templates.rendering': 'Rendering…',
    'templates.renderedIn': 'Rendered in {locale}',
    'templates.fallback': 'This template has no {wanted}; shoppers asking for it get {locale}.',
    'templates.chooseShopper': 'Choose a shopper to preview',
    'templates.chooseShopperText': 'Previews use the shopper’s own name, orders and latest event, as a real send would.',
    'templates.renderFailed': 'The template does not render',
    'templates.noShopper': 'No such shopper',
    'templates.subject': 'Subject',
    'templates.html': 'HTML',
    'templates.text': 'Plain text',
    'templates.emailTabs': 'Email part',
    'templates.emailFrame': 'Email preview (HTML)',
    'templates.chars': '{n} characters',
    'templates.segments': '{n} SMS segments ({encoding})',
    'templates.segment': '1 SMS segment ({encoding})',
    'templates.now': 'now',
    'templates.appName': 'Your shop’s app',
    'templates.voiceHint': 'Read aloud by the phone robot, then put through to the care line when one is set.',
    'templates.loadFailed': 'The templates could not be loaded.',
    'channel.email': 'Email',
    'channel.sms': 'SMS',
    'channel.push': 'Push',
    'channel.voice': 'Voice',
    'channel.inapp': 'In-app',
    'channel.webhook': 'Webhook',
  },
  'zh-CN': {
    'templates.title': '模板',
    'templates.subtitle': '每条消息在各种语言下对真实顾客说了什么。',
    'templates.note': '此处的修改仅用于预览；正式模板是代码库中的文件。',
    'templates.noteText': '在这里修改模板可查看顾客看到的效果。保存会生成新版本，真实发送将使用它而不是代码库中的文件（若需要审批，则在第二个人批准之后）。每个版本都可以恢复。',
    'templates.save': '保存版本',
    'templates.saving': '正在保存…',
    'templates.saved': '已保存为版本 {version}',
    'templates.savedDraft': '已保存为版本 {version}，等待第二个人审批',
    'templates.saveFailed': '版本未保存',
    'templates.versions': '版本 · {locale}',
    'templates.noVersions': '没有已保存的版本：顾客收到的是代码库中的文件。',
    'templates.version': '版本',
    'templates.status': '状态',
    'templates.author': '作者',
    'templates.when': '时间',
    'templates.status.draft': '等待审批',
    'templates.status.approved': '已批准',
    'templates.status.live': '生效中',
    'templates.status.superseded': '已被取代',
    'templates.approve': '批准',
    'templates.approved': '版本 {version} 已批准并生效',
    'templates.restore': '恢复',
    'templates.restored': '版本 {version} 已恢复为版本 {new}',
    'templates.restoredDraft': '版本 {version} 已恢复为版本 {new}，等待审批',
    'templates.awaiting': '版本 {version} 等待审批',
    'templates.awaitingText': '在具有审批人角色的第二个人批准之前，顾客仍收到当前生效的版本。',
    'templates.awaitingOwn': '这是你写的版本，需要由其他人批准。',
    'templates.liveStored': '生效：版本 {version}',
    'templates.liveFile': '生效：代码库中的文件',
    'templates.rollbackOf': '恢复自 v{version}',
    'templates.approvedBy': '由 {name} 批准',
    'templates.list': '按渠道列出的模板',
    'templates.template': '模板',
    'templates.locales': '{n} 种语言',
    'templates.empty': '没有模板',
    'templates.pick': '选择一个模板，查看源码和预览。',
    'templates.shopper': '顾客',
    'templates.shopperHint': 'careloop 见过的顾客 ID。建议列表来自有任务的顾客。',
    'templates.locale': '语言',
    'templates.source': '源码',
    'templates.sourceOf': '源码 · {file}',
    'templates.sourceHint': 'Handlebars 模板，每个部分以 {{!-- @section --}} 标记开头。',
    'templates.edited': '已修改',
    'templates.reset': '恢复为正式版本',
    'templates.preview': '预览',
    'templates.rendering': '正在渲染…',
    'templates.renderedIn': '以 {locale} 渲染',
    'templates.fallback': '此模板没有 {wanted} 版本；请求该语言的顾客会收到 {locale} 版本。',
    'templates.chooseShopper': '选择一位顾客进行预览',
    'templates.chooseShopperText': '预览会使用该顾客自己的姓名、订单和最近的事件，与真实发送一致。',
    'templates.renderFailed': '模板无法渲染',
    'templates.noShopper': '没有这位顾客',
    'templates.subject': '主题',
    'templates.html': 'HTML',
    'templates.text': '纯文本',
    'templates.emailTabs': '邮件内容',
    'templates.emailFrame': '邮件预览（HTML）',
    'templates.chars': '{n} 个字符',
    'templates.segments': '{n} 条短信（{encoding}）',
    'templates.segment': '1 条短信（{encoding}）',
    'templates.now': '现在',
    'templates.appName': '商店 App',
    'templates.voiceHint': '由电话机器人朗读；若设置了客服热线，随后转接人工。',
    'templates.loadFailed': '无法加载模板。',
    'channel.email': '邮件',
    'channel.sms': '短信',
    'channel.push': '推送',
    'channel.voice': '语音',
    'channel.inapp': '应用内',
    'channel.webhook': 'Webhook',
  },
})

const LOCALES = [
  ['en', 'English (en)'],
  ['zh-CN', '简体中文 (zh-CN)'],
  ['zh-TW', '繁體中文 (zh-TW)'],
]
const CHANNEL_ORDER = ['email', 'sms', 'push', 'voice', 'inapp', 'webhook']

// GSM 03.38 basic set (plus the extension table, which costs two septets).
const GSM = '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà'
const GSM_EXT = '^{}\\[~]|€'
/** Length and segments of an SMS as carriers count them (GSM-7: 160 / 153; UCS-2: 70 / 67). */
export function smsSegments(text) {
  const chars = [...text]
  const gsm = chars.every((c) => GSM.includes(c) || GSM_EXT.includes(c))
  if (gsm) {
    const units = chars.reduce((n, c) => n + (GSM_EXT.includes(c) ? 2 : 1), 0)
    return { encoding: 'GSM-7', length: chars.length, segments: units <= 160 ? 1 : Math.ceil(units / 153) }
  }
  const units = [...text].reduce((n, c) => n + (c.codePointAt(0) > 0xffff ? 2 : 1), 0)
  return { encoding: 'UCS-2', length: chars.length, segments: units <= 70 ? 1 : Math.ceil(units / 67) }
}

function EmailPreview({ out }) {
  const [part, setPart] = useState('html')
  return html`
    <div class="stack">
      <dl class="email-meta">
        <dt>${t('templates.subject')}</dt>
        <dd data-testid="email-subject">${out.subject}</dd>
      </dl>
      <${Tabs} id="email-part" label=${t('templates.emailTabs')} tabs=${[{ id: 'html', label: t('templates.html') }, { id: 'text', label: t('templates.text') }]} value=${part} onChange=${setPart} />
      <${TabPanel} id="email-part" tab="html" value=${part}>
        <iframe class="preview-frame" title=${t('templates.emailFrame')} sandbox="" srcdoc=${out.html}></iframe>
      <//>
      <${TabPanel} id="email-part" tab="text" value=${part}><pre class="text-preview">${out.text}</pre><//>
    </div>
  `
}

function SmsPreview({ text }) {
  const s = smsSegments(text)
  return html`
    <div class="device">
      <div class="device-top"><${Icon} name="message" size=${14} /> SMS</div>
      <div class="sms-bubble">${text}</div>
      <p class="sms-count">
        ${t('templates.chars', { n: formatNumber(s.length) })} · ${s.segments === 1 ? t('templates.segment', { encoding: s.encoding }) : t('templates.segments', { n: s.segments, encoding: s.encoding })}
      </p>
    </div>
  `
}

function PushPreview({ parts }) {
  return html`
    <div class="device">
      <div class="device-top">9:41</div>
      <div class="notification">
        <span class="notification-icon"><${Icon} name="loop" size=${18} /></span>
        <div>
          <div class="notification-app"><span>${t('templates.appName')}</span><span>${t('templates.now')}</span></div>
          <div class="notification-title">${parts.title}</div>
          <div class="notification-body">${parts.body}</div>
        </div>
      </div>
    </div>
  `
}

function VoicePreview({ say }) {
  const lines = say.split(/\n+/).filter((l) => l.trim())
  return html`
    <div class="stack">
      <p class="subtle">${t('templates.voiceHint')}</p>
      <div class="voice-script">
        ${lines.map((l) => html`<div class="voice-line"><span class="avatar"><${Icon} name="phone" size=${13} /></span><p>${l}</p></div>`)}
      </div>
    </div>
  `
}

function InappPreview({ parts }) {
  return html`
    <div class="inapp-card">
      <strong>${parts.title}</strong>
      <p>${parts.body}</p>
      ${parts.cta && html`<span class="button primary small" aria-hidden="true">${parts.cta}</span>`}
    </div>
  `
}

function Preview({ channel, out }) {
  if (channel === 'email') return html`<${EmailPreview} out=${out} />`
  const parts = out.parts ?? {}
  if (channel === 'sms') return html`<${SmsPreview} text=${parts.text ?? ''} />`
  if (channel === 'push') return html`<${PushPreview} parts=${parts} />`
  if (channel === 'voice') return html`<${VoicePreview} say=${parts.say ?? ''} />`
  if (channel === 'inapp') return html`<${InappPreview} parts=${parts} />`
  return html`<dl class="kv">${Object.entries(parts).map(([k, v]) => html`<dt>${k}</dt><dd><pre class="text-preview">${v}</pre></dd>`)}</dl>`
}

const canEditTemplates = (me) => ['admin', 'ops', 'approver'].includes(me?.role)
const canApproveTemplates = (me) => me?.role === 'admin' || me?.role === 'approver'
const STATUS_TONE = { draft: 'warning', approved: 'info', live: 'success', superseded: 'neutral' }

/** Stored versions of one template locale: status, author, time; approve and restore. */
function Versions({ base, locale, me, data, error, onChanged }) {
  const [busy, setBusy] = useState(false)
  const act = async (path, body, message) => {
    setBusy(true)
    try {
      const out = await api('POST', `${base}/${path}`, body)
      toast(message(out), { tone: 'success' })
      onChanged()
    } catch (err) {
      toast(err.message, { tone: 'danger' })
    } finally {
      setBusy(false)
    }
  }
  if (error) return html`<${Alert} tone="danger">${error.message}<//>`
  if (!data) return html`<p class="loading"><span class="spinner"></span> ${t('shell.loading')}</p>`
  const pending = data.versions.find((v) => v.status === 'draft')
  return html`
    <div class="stack-sm" role="region" aria-labelledby="tpl-versions-title">
      <div class="row" style="justify-content:space-between">
        <h3 id="tpl-versions-title">${t('templates.versions', { locale })}</h3>
        <span class="subtle">${data.liveVersion ? t('templates.liveStored', { version: data.liveVersion }) : t('templates.liveFile')}</span>
      </div>
      ${pending &&
      html`<${Alert} tone="warning" title=${t('templates.awaiting', { version: pending.version })}>
        ${t('templates.awaitingText')} ${pending.createdBy === me?.name ? t('templates.awaitingOwn') : ''}
      <//>`}
      ${data.versions.length === 0
        ? html`<p class="subtle">${t('templates.noVersions')}</p>`
        : html`<table class="table" data-testid="template-versions">
            <thead><tr><th>${t('templates.version')}</th><th>${t('templates.status')}</th><th>${t('templates.author')}</th><th>${t('templates.when')}</th><th></th></tr></thead>
            <tbody>
              ${data.versions.map(
                (v) => html`<tr>
                  <td class="mono">v${v.version}${v.rollbackOf ? html` <span class="muted">${t('templates.rollbackOf', { version: v.rollbackOf })}</span>` : ''}</td>
                  <td><${Badge} tone=${STATUS_TONE[v.status] ?? 'neutral'}>${t(`templates.status.${v.status}`)}<//>${v.approvedBy ? html` <span class="muted small">${t('templates.approvedBy', { name: v.approvedBy })}</span>` : ''}</td>
                  <td>${v.createdBy}</td>
                  <td>${formatDateTime(v.createdAt)}</td>
                  <td class="row" style="justify-content:flex-end">
                    ${v.status === 'draft' &&
                    canApproveTemplates(me) &&
                    v.createdBy !== me?.name &&
                    html`<button type="button" class="small primary" disabled=${busy} onClick=${() => act(`versions/${v.version}/approve`, undefined, (out) => t('templates.approved', { version: out.version }))}>${t('templates.approve')}</button>`}
                    ${v.status === 'superseded' &&
                    canEditTemplates(me) &&
                    html`<button type="button" class="small" disabled=${busy} onClick=${() =>
                      act('rollback', { version: v.version }, (out) => t(out.status === 'draft' ? 'templates.restoredDraft' : 'templates.restored', { version: v.version, new: out.version }))}>${t('templates.restore')}</button>`}
                  </td>
                </tr>`,
              )}
            </tbody>
          </table>`}
    </div>
  `
}

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
    for (const x of [...list].sort((a, b) => CHANNEL_ORDER.indexOf(a.channel) - CHANNEL_ORDER.indexOf(b.channel) || a.id.localeCompare(b.id))) {
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
                              <span class="muted">${t('templates.locales', { n: x.locales.length })}</span>
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
