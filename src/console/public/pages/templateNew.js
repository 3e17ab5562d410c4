// "New template": any id, channel and language, starting from the channel's blank text or from a
// copy of the template on screen. Saving stores version 1 (live at once, or a draft awaiting a
// second person when approval is required); rules can name it once it is live.
import { useState } from 'preact/hooks'
import { Dialog, Field, toast } from '../components/index.js'
import { api, html, t } from '../lib.js'
import { CHANNELS } from '../vocabulary.js'
import './templateStrings.js'

const TEMPLATE_ID = /^[a-z0-9][a-z0-9._-]{0,79}$/
const SUGGESTED_LOCALES = ['en', 'zh-CN', 'zh-TW', 'en-GB', 'de', 'fr', 'es', 'ja']

/** Field errors from an API refusal, by field ('id', 'locale', 'source'). */
function fieldErrors(err) {
  const out = {}
  for (const e of err?.body?.errors ?? []) {
    const field = e.path.replace(/^.*\//, '')
    out[field === 'url' ? 'id' : field] = e.message
  }
  if (Object.keys(out).length === 0) out.source = err?.message
  return out
}

export function NewTemplate({ skeletons, current, onCreated }) {
  const channels = CHANNELS.filter((c) => skeletons?.[c] !== undefined)
  const [open, setOpen] = useState(false)
  const [channel, setChannel] = useState(current?.channel ?? 'email')
  const [id, setId] = useState('')
  const [locale, setLocale] = useState('en')
  const [start, setStart] = useState('blank')
  const [errors, setErrors] = useState({})
  const [busy, setBusy] = useState(false)
  const canCopy = current && current.channel === channel
  const close = () => {
    setOpen(false)
    setErrors({})
  }
  const create = async (e) => {
    e.preventDefault()
    const problems = {}
    if (!TEMPLATE_ID.test(id)) problems.id = t('templates.new.idRule')
    if (locale.trim() === '') problems.locale = t('templates.new.localeRule')
    setErrors(problems)
    if (Object.keys(problems).length > 0) return
    setBusy(true)
    try {
      const source =
        start === 'copy' && canCopy
          ? (await api('GET', `/api/templates/${current.channel}/${encodeURIComponent(current.id)}/source?locale=${encodeURIComponent(locale)}`)).source
          : skeletons[channel]
      const saved = await api('PUT', `/api/templates/${channel}/${encodeURIComponent(id)}/${encodeURIComponent(locale.trim())}`, { source })
      toast(t(saved.status === 'draft' ? 'templates.new.createdDraft' : 'templates.new.created', { id }), { tone: 'success' })
      close()
      setId('')
      onCreated({ channel, id, locale: locale.trim() })
    } catch (err) {
      setErrors(fieldErrors(err))
    } finally {
      setBusy(false)
    }
  }
  const footer = html`
    <button type="button" onClick=${close}>${t('templates.new.cancel')}</button>
    <button type="submit" form="tpl-new-form" class="primary" disabled=${busy}>${busy ? t('templates.saving') : t('templates.new.create')}</button>
  `
  // Until the catalogue has come there is no blank text to start from (nor a channel to pick).
  return html`
    <button type="button" class="primary" disabled=${!skeletons} onClick=${() => setOpen(true)}>${t('templates.new')}</button>
    <${Dialog} id="tpl-new" open=${open} title=${t('templates.new.title')} onClose=${close} footer=${footer}>
      <form id="tpl-new-form" class="stack" onSubmit=${create} novalidate>
        <${Field} id="tpl-new-channel" label=${t('templates.new.channel')}>
          ${(a) => html`<select ...${a} value=${channel} onChange=${(e) => setChannel(e.target.value)}>${channels.map((c) => html`<option value=${c}>${t(`channel.${c}`)}</option>`)}</select>`}
        <//>
        <${Field} id="tpl-new-id" label=${t('templates.new.id')} hint=${t('templates.new.idHint')} error=${errors.id}>
          ${(a) => html`<input ...${a} type="text" class="mono" autocomplete="off" value=${id} onInput=${(e) => setId(e.target.value)} />`}
        <//>
        <${Field} id="tpl-new-locale" label=${t('templates.locale')} hint=${t('templates.new.localeHint')} error=${errors.locale}>
          ${(a) => html`<input ...${a} type="text" list="tpl-new-locales" class="mono" autocomplete="off" value=${locale} onInput=${(e) => setLocale(e.target.value)} />`}
        <//>
        <datalist id="tpl-new-locales">${SUGGESTED_LOCALES.map((l) => html`<option value=${l} />`)}</datalist>
        <fieldset class="stack-sm">
          <legend>${t('templates.new.start')}</legend>
          <label class="row"><input type="radio" name="tpl-new-start" value="blank" checked=${start === 'blank' || !canCopy} onChange=${() => setStart('blank')} /> ${t('templates.new.blank')}</label>
          ${canCopy &&
          html`<label class="row"><input type="radio" name="tpl-new-start" value="copy" checked=${start === 'copy'} onChange=${() => setStart('copy')} /> ${t('templates.new.copy', { id: current.id })}</label>`}
        </fieldset>
        ${errors.source && html`<p class="field-error">${errors.source}</p>`}
      </form>
    <//>
  `
}
