// The guard policy: caps, channels that interrupt, quiet hours, conflict window, the agent-contact
// rule and digests (GET / PUT /api/guard-policy). A draft is previewed against the recorded
// messages of the last days (POST /api/guard-policy/preview) and can be saved once its preview
// has been seen. Errors from either call show at the field they name.
import { useMemo, useState } from 'preact/hooks'
import { Alert, Badge, Field, toast, useApi, usePageTitle } from '../components/index.js'
import { api, html, t } from '../lib.js'
import { CHANNELS, TOPICS } from '../vocabulary.js'
import { PreviewResult } from './guardPolicyPreview.js'
import './guardPolicyStrings.js'

const PREVIEW_DAYS = [1, 7, 14, 30]
const text = (n) => (n === null || n === undefined ? '' : String(n))
/** '' → absent; digits → a number; anything else as typed, so the API names the field. */
const count = (s) => (s.trim() === '' ? undefined : /^\d+$/.test(s.trim()) ? Number(s.trim()) : s)

function toForm(policy) {
  const digest = (topic) => {
    const d = policy.digest?.[topic]?.email
    return { on: d !== undefined, window: d?.window ?? 'local-day', maxItems: text(d?.maxItems ?? 5) }
  }
  return {
    interruptive: CHANNELS.filter((c) => policy.interruptive.includes(c)),
    perDay: text(policy.caps.perDay),
    perChannel: new Map(CHANNELS.map((c) => [c, text(policy.caps.perChannel[c])])),
    quietOn: policy.quietHours !== null,
    quietStart: policy.quietHours?.start ?? '21:00',
    quietEnd: policy.quietHours?.end ?? '08:00',
    conflictWindow: policy.conflictWindow,
    humanContactQuietsDay: policy.humanContactQuietsDay,
    digest: new Map(TOPICS.map((topic) => [topic, digest(topic)])),
  }
}

/** The fields this page edits, as a PUT body (consent defaults and the default time zone stay as stored). */
function toDraft(form) {
  const perChannel = {}
  for (const [channel, value] of form.perChannel) if (count(value) !== undefined) perChannel[channel] = count(value)
  const digest = {}
  for (const [topic, d] of form.digest) if (d.on) digest[topic] = { email: { window: d.window.trim(), maxItems: count(d.maxItems) ?? null } }
  return {
    interruptive: form.interruptive,
    caps: { perDay: count(form.perDay) ?? null, perChannel },
    quietHours: form.quietOn ? { start: form.quietStart, end: form.quietEnd } : null,
    conflictWindow: form.conflictWindow.trim(),
    humanContactQuietsDay: form.humanContactQuietsDay,
    digest,
  }
}

/** Field errors by path without the preview's "/policy" prefix; the rest under '/'. */
function errorsOf(error, prefix) {
  const byPath = new Map()
  for (const e of error.body?.errors ?? [{ path: '/', message: error.message }]) {
    const path = e.path.startsWith(prefix) ? e.path.slice(prefix.length) || '/' : e.path
    byPath.set(path, [...(byPath.get(path) ?? []), e.message])
  }
  return byPath
}

function Section({ id, title, children }) {
  return html`<section class="card" aria-labelledby=${id}>
    <div class="card-header"><h2 class="card-title" id=${id}>${title}</h2></div>
    <div class="stack">${children}</div>
  </section>`
}

function PolicyForm({ policy, canEdit, onSaved }) {
  const [form, setForm] = useState(() => toForm(policy))
  const [errors, setErrors] = useState(new Map())
  const [days, setDays] = useState(7)
  const [preview, setPreview] = useState(undefined)
  const [busy, setBusy] = useState(undefined)
  const draft = useMemo(() => toDraft(form), [form])
  const draftKey = JSON.stringify(draft)
  const dirty = draftKey !== JSON.stringify(toDraft(toForm(policy)))
  const previewed = preview !== undefined && preview.key === draftKey
  const set = (patch) => setForm((f) => ({ ...f, ...patch }))
  const err = (path) => errors.get(path)
  const known = new Set(['/caps/perDay', '/quietHours/start', '/quietHours/end', '/conflictWindow', '/interruptive', ...CHANNELS.map((c) => `/caps/perChannel/${c}`), ...TOPICS.flatMap((tp) => [`/digest/${tp}/email/window`, `/digest/${tp}/email/maxItems`])])
  const other = [...errors].filter(([path]) => !known.has(path)).flatMap(([path, messages]) => messages.map((m) => (path === '/' ? m : `${path} ${m}`)))

  const runPreview = async () => {
    setBusy('preview')
    try {
      const result = await api('POST', '/api/guard-policy/preview', { policy: draft, days })
      setErrors(new Map())
      setPreview({ key: draftKey, result })
    } catch (error) {
      setPreview(undefined)
      setErrors(errorsOf(error, '/policy'))
    } finally {
      setBusy(undefined)
    }
  }
  const save = async (e) => {
    e.preventDefault()
    if (!previewed) return
    setBusy('save')
    try {
      const { policy: saved } = await api('PUT', '/api/guard-policy', draft)
      toast(t('guard.saved'), { tone: 'success' })
      setErrors(new Map())
      setPreview(undefined)
      onSaved(saved)
    } catch (error) {
      setErrors(errorsOf(error, ''))
    } finally {
      setBusy(undefined)
    }
  }
  const numberInput = (value, onInput) => (a) => html`<input ...${a} inputmode="numeric" value=${value} onInput=${(e) => onInput(e.target.value)} disabled=${!canEdit} />`

  return html`
    <form class="stack" onSubmit=${save} aria-label=${t('guard.title')}>
      ${!canEdit && html`<${Alert} tone="info">${t('guard.readOnly')}<//>`}
      ${other.length > 0 && html`<${Alert} tone="danger" title=${t('guard.previewFailed')}>${other.map((m) => html`<p>${m}</p>`)}<//>`}
      <div class="grid grid-2">
        <${Section} id="guard-caps" title=${t('guard.capsTitle')}>
          <${Field} id="guard-per-day" label=${t('guard.perDay')} hint=${t('guard.perDayHint')} error=${err('/caps/perDay')}>${numberInput(form.perDay, (v) => set({ perDay: v }))}<//>
          <div class="grid grid-2">
            ${form.interruptive.map(
              (c) => html`<${Field} id=${`guard-cap-${c}`} label=${t('guard.perChannel', { channel: c })} error=${err(`/caps/perChannel/${c}`)}>
                ${numberInput(form.perChannel.get(c) ?? '', (v) => set({ perChannel: new Map(form.perChannel).set(c, v) }))}
              <//>`,
            )}
          </div>
          <p class="field-hint">${t('guard.perChannelHint')}</p>
          <fieldset class="stack-sm">
            <legend>${t('guard.interruptive')}</legend>
            <div class="toolbar">
              ${CHANNELS.map(
                (c) => html`<label class="checkbox"><input type="checkbox" checked=${form.interruptive.includes(c)} disabled=${!canEdit}
                  onChange=${(e) => set({ interruptive: CHANNELS.filter((x) => (x === c ? e.target.checked : form.interruptive.includes(x))) })} /> ${c}</label>`,
              )}
            </div>
            <p class="field-hint">${t('guard.interruptiveHint')}</p>
          </fieldset>
        <//>
        <div class="stack">
          <${Section} id="guard-quiet" title=${t('guard.quietTitle')}>
            <label class="checkbox"><input type="checkbox" checked=${form.quietOn} disabled=${!canEdit} onChange=${(e) => set({ quietOn: e.target.checked })} /> ${t('guard.quietOn')}</label>
            ${form.quietOn &&
            html`<div class="grid grid-2">
              <${Field} id="guard-quiet-start" label=${t('guard.quietStart')} error=${err('/quietHours/start')}>${(a) => html`<input ...${a} type="time" value=${form.quietStart} disabled=${!canEdit} onInput=${(e) => set({ quietStart: e.target.value })} />`}<//>
              <${Field} id="guard-quiet-end" label=${t('guard.quietEnd')} error=${err('/quietHours/end')}>${(a) => html`<input ...${a} type="time" value=${form.quietEnd} disabled=${!canEdit} onInput=${(e) => set({ quietEnd: e.target.value })} />`}<//>
            </div>
            <p class="field-hint">${t('guard.quietHint')}</p>`}
          <//>
          <${Section} id="guard-others" title=${t('guard.othersTitle')}>
            <${Field} id="guard-conflict" label=${t('guard.conflictWindow')} hint=${t('guard.conflictHint')} error=${err('/conflictWindow')}>
              ${(a) => html`<input ...${a} value=${form.conflictWindow} disabled=${!canEdit} onInput=${(e) => set({ conflictWindow: e.target.value })} />`}
            <//>
            <label class="checkbox"><input type="checkbox" checked=${form.humanContactQuietsDay} disabled=${!canEdit} onChange=${(e) => set({ humanContactQuietsDay: e.target.checked })} /> ${t('guard.humanContact')}</label>
          <//>
        </div>
      </div>
      <${Section} id="guard-digest" title=${t('guard.digestTitle')}>
        <div class="grid grid-2">
          ${TOPICS.map((topic) => {
            const d = form.digest.get(topic)
            const put = (patch) => set({ digest: new Map(form.digest).set(topic, { ...d, ...patch }) })
            return html`<div class="stack-sm">
              <label class="checkbox"><input type="checkbox" checked=${d.on} disabled=${!canEdit} onChange=${(e) => put({ on: e.target.checked })} /> ${t('guard.digestOn', { topic: t(`guard.topic.${topic}`) })}</label>
              ${d.on &&
              html`<div class="grid grid-2">
                <${Field} id=${`guard-digest-${topic}-window`} label=${t('guard.digestWindow')} hint=${t('guard.digestWindowHint')} error=${err(`/digest/${topic}/email/window`)}>
                  ${(a) => html`<input ...${a} value=${d.window} disabled=${!canEdit} onInput=${(e) => put({ window: e.target.value })} />`}
                <//>
                <${Field} id=${`guard-digest-${topic}-max`} label=${t('guard.digestMax')} error=${err(`/digest/${topic}/email/maxItems`)}>${numberInput(d.maxItems, (v) => put({ maxItems: v }))}<//>
              </div>`}
            </div>`
          })}
        </div>
      <//>
      ${canEdit &&
      html`<${Section} id="guard-preview" title=${t('guard.previewTitle')}>
        <div class="toolbar">
          <span>${t('guard.previewDays')}</span>
          <div class="segmented" role="group" aria-label=${t('guard.previewDays')}>
            ${PREVIEW_DAYS.map((d) => html`<button type="button" aria-pressed=${days === d ? 'true' : 'false'} onClick=${() => setDays(d)}>${t('guard.days', { days: d })}</button>`)}
          </div>
          <button type="button" onClick=${runPreview} disabled=${busy !== undefined}>${busy === 'preview' ? t('guard.previewing') : t('guard.preview')}</button>
          <span class="toolbar-spacer"></span>
          ${dirty && html`<${Badge} tone="warning" dot>${t('guard.unsaved')}<//>`}
          <button type="button" class="ghost" disabled=${!dirty || busy !== undefined} onClick=${() => (setForm(toForm(policy)), setErrors(new Map()), setPreview(undefined))}>${t('guard.reset')}</button>
          <button type="submit" class="primary" disabled=${!previewed || !dirty || busy !== undefined} aria-describedby=${previewed ? undefined : 'guard-save-hint'}>${t('guard.save')}</button>
        </div>
        ${!previewed && dirty && html`<p class="field-hint" id="guard-save-hint">${t('guard.saveNeedsPreview')}</p>`}
        ${previewed && html`<${PreviewResult} preview=${preview.result} />`}
      <//>`}
    </form>
  `
}

export function GuardPolicyPage({ me }) {
  usePageTitle(t('guard.title'))
  const current = useApi('/api/guard-policy')
  const canEdit = me.role === 'admin' || me.role === 'ops' || me.role === 'approver'
  return html`
    <div class="page">
      <header class="page-header">
        <div>
          <h1>${t('guard.title')}</h1>
          <p class="page-subtitle">${t('guard.subtitle')}</p>
        </div>
      </header>
      ${current.error
        ? html`<${Alert} tone="danger" title=${t('guard.loadFailed')} actions=${html`<button type="button" onClick=${current.reload}>${t('guard.retry')}</button>`}>${current.error.message}<//>`
        : current.data
          ? html`<${PolicyForm} key=${JSON.stringify(current.data.policy)} policy=${current.data.policy} canEdit=${canEdit} onSaved=${(policy) => current.setData({ ...current.data, policy })} />`
          : html`<p class="loading" aria-busy="true"><span class="spinner"></span> ${t('guard.loading')}</p>`}
    </div>
  `
}
