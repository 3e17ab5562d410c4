// The rule editor ('/rules/:id', 'new' for a new rule): a form for the common parts and the raw
// document (JSON or YAML), kept in sync; live validation by the server (POST /api/rules/validate)
// with each error next to its field; save with optimistic concurrency (?version=); enable and
// disable (enabling first shows a backtest, ruleBacktest.js); a Backtest tab; version history with a
// line diff against the current version. Agents read only.
// This module keeps the page and its state; the form is in ruleForm.js, the raw document in
// ruleDocument.js, the history in ruleHistory.js and the strings in ruleStrings.js.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import {
  Alert,
  Badge,
  Dialog,
  EmptyState,
  Icon,
  TabPanel,
  Tabs,
  TimeAgo,
  formatNumber,
  toast,
  useApi,
  useDebounced,
  usePageTitle,
} from '../components/index.js'
import { api, html, t } from '../lib.js'
import './ruleStrings.js'
import { RawEditor, blank, getIn, jsonLines, lineOf, parseJson, pretty, selectLine, sendText, setIn } from './ruleDocument.js'
import { RuleForm, focusField } from './ruleForm.js'
import { BacktestTab, EnableDialog } from './ruleBacktest.js'
import { SweepTab } from './ruleSweep.js'
import { History } from './ruleHistory.js'
import { RuleStatus, canApproveRules, canEditRules } from './rules.js'

export { fieldId, pretty } from './ruleDocument.js'

const NEW_RULE = {
  id: '',
  name: '',
  priority: 30,
  triggers: [{ event: 'Product Viewed', entity: 'product_id' }],
  actions: [{ nudge: { channel: 'email', template: 'long-dwell', topic: 'care' } }],
  guards: { cooldown: '7d', per: 'customer' },
}

// ---------- the page ----------

export function RuleEditorPage({ params, me }) {
  const isNew = params.id === 'new'
  const editable = canEditRules(me)
  const readOnly = !editable
  const loaded = useApi(isNew ? null : `/api/rules/${encodeURIComponent(params.id)}`)
  const templates = useApi('/api/templates')
  const activity = useApi(isNew ? null : '/api/rules')
  const last24h = activity.data?.rules?.find((r) => r.id === params.id)?.last24h
  const [stored, setStored] = useState(undefined)
  const [raw, setRaw] = useState(isNew ? pretty(NEW_RULE) : '')
  const [baseline, setBaseline] = useState(isNew ? pretty(NEW_RULE) : '')
  const [doc, setDoc] = useState(isNew ? NEW_RULE : undefined)
  // #/rules/:id?tab=backtest opens a tab directly (the overview's "why didn't this fire" links there).
  const [tab, setTab] = useState(() => {
    const asked = new URLSearchParams(location.hash.split('?')[1] ?? '').get('tab')
    return editable && (asked === 'backtest' || (asked === 'whatif' && !isNew)) ? asked : 'form'
  })
  const [validation, setValidation] = useState({ state: 'idle', errors: [] })
  const [touched, setTouched] = useState(false)
  const [saving, setSaving] = useState(false)
  const [saveError, setSaveError] = useState(undefined)
  const [conflict, setConflict] = useState(undefined)
  const [confirmDiscard, setConfirmDiscard] = useState(false)
  const [confirmEnable, setConfirmEnable] = useState(false)
  const seq = useRef(0)
  const rule = stored ?? loaded.data
  usePageTitle(isNew ? t('editor.newTitle') : (doc?.name || params.id))

  const adopt = (r) => {
    const text = pretty(r.document)
    setStored(r)
    setRaw(text)
    setBaseline(text)
    setDoc(r.document)
    setValidation({ state: 'idle', errors: [] })
  }
  useEffect(() => {
    if (loaded.data && !stored) adopt(loaded.data)
  }, [loaded.data])

  // Live validation: the document text, debounced, checked by the server.
  const settled = useDebounced(raw, 350)
  useEffect(() => {
    if (readOnly || settled === '' || (!touched && settled === baseline)) return
    const n = ++seq.current
    setValidation((v) => ({ ...v, state: 'pending' }))
    sendText('POST', '/api/rules/validate', settled).then(
      (res) => {
        if (n !== seq.current) return
        setValidation({ state: res.valid ? 'valid' : 'invalid', errors: res.errors ?? [], hints: res.hints ?? [] })
        // YAML (or JSON the form could not read) follows into the form once valid.
        if (res.valid && res.document && !parseJson(settled).ok) setDoc(res.document)
      },
      (err) => n === seq.current && setValidation({ state: 'invalid', errors: [{ path: '/', message: err.message }] }),
    )
  }, [settled])
  const pending = validation.state === 'pending' || settled !== raw

  const dirty = raw !== baseline
  useEffect(() => {
    if (!dirty || readOnly) return
    const warn = (e) => (e.preventDefault(), (e.returnValue = ''))
    addEventListener('beforeunload', warn)
    return () => removeEventListener('beforeunload', warn)
  }, [dirty])

  const onFormChange = (path, value) => {
    let next = setIn(doc ?? {}, path, value)
    // Drop emptied optional containers so the document stays minimal.
    for (let k = path.length - 1; k > 0; k--) {
      const parent = path.slice(0, k)
      const v = getIn(next, parent)
      if (!Array.isArray(v) && blank(v) && !['triggers', 'actions'].includes(parent.at(-1))) next = setIn(next, parent, undefined)
      else break
    }
    setDoc(next)
    setRaw(pretty(next))
    setTouched(true)
  }
  const onRawChange = (text) => {
    setRaw(text)
    setTouched(true)
    const parsed = parseJson(text)
    if (parsed.ok && parsed.value && typeof parsed.value === 'object' && !Array.isArray(parsed.value)) setDoc(parsed.value)
  }

  const shownErrors = touched || !isNew ? validation.errors : []
  const errorsAt = (ptr) => shownErrors.filter((e) => e.path === ptr).map((e) => e.message)
  const under = (ptr) => shownErrors.filter((e) => e.path === ptr || e.path.startsWith(ptr + '/'))
  const relativeTo = (ptr) => (e) => (e.path === ptr ? e.message : `${e.path.slice(ptr.length + 1)}: ${e.message}`)
  const errorsUnder = (ptr) => under(ptr).map(relativeTo(ptr))
  /** Errors under ptr that none of `shown` (pointers another control displays) covers. */
  const errorsOutside = (ptr, shown) => under(ptr).filter((e) => !shown.some((s) => e.path === s || e.path.startsWith(s + '/'))).map(relativeTo(ptr))
  const rawIsJson = parseJson(raw).ok
  const lines = useMemo(() => (rawIsJson ? jsonLines(raw) : new Map()), [raw])

  const save = async () => {
    if (readOnly || saving) return
    setSaving(true)
    setSaveError(undefined)
    setConflict(undefined)
    try {
      if (isNew) {
        const created = await sendText('POST', '/api/rules?enabled=false', raw)
        toast(t('editor.created'))
        setBaseline(raw)
        location.hash = `#/rules/${encodeURIComponent(created.id)}`
      } else {
        const updated = await sendText('PUT', `/api/rules/${encodeURIComponent(rule.id)}?version=${rule.version}`, raw)
        adopt(updated)
        toast(t('editor.saved', { version: updated.version }))
      }
    } catch (err) {
      if (err.status === 409 && !isNew) {
        const latest = await api('GET', `/api/rules/${encodeURIComponent(rule.id)}`).catch(() => undefined)
        setConflict(latest ?? { version: '?' })
      } else {
        setSaveError(err)
        if (Array.isArray(err.body?.errors) && err.body.errors.length > 0) {
          setTouched(true)
          setValidation({ state: 'invalid', errors: err.body.errors })
        }
      }
    } finally {
      setSaving(false)
    }
  }
  const approve = async () => {
    try {
      await api('POST', `/api/rules/${encodeURIComponent(rule.id)}/versions/${rule.pendingApproval}/approve`)
      setStored(await api('GET', `/api/rules/${encodeURIComponent(rule.id)}`))
      toast(t('editor.approved', { version: rule.pendingApproval }))
    } catch (err) {
      toast(err.message, { tone: 'danger' })
    }
  }
  const setEnabled = async (enabled) => {
    try {
      const next = await api('POST', `/api/rules/${encodeURIComponent(rule.id)}/${enabled ? 'enable' : 'disable'}`)
      setStored({ ...rule, ...next })
      toast(enabled ? t('editor.enabled') : t('editor.disabled'))
      return true
    } catch (err) {
      toast(err.message, { tone: 'danger' })
      return false
    }
  }
  // Ctrl/Cmd+S saves.
  useEffect(() => {
    const onKey = (e) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 's') {
        e.preventDefault()
        save()
      }
    }
    addEventListener('keydown', onKey)
    return () => removeEventListener('keydown', onKey)
  })

  if (!isNew && loaded.error) {
    return html`<div class="page"><div class="card">
      ${loaded.error.status === 404
        ? html`<${EmptyState} icon="rules" title=${t('editor.notFound', { id: params.id })} actions=${html`<a class="button" href="#/rules">${t('editor.back')}</a>`}>${t('editor.notFoundText')}<//>`
        : html`<${Alert} tone="danger" title=${t('editor.loadFailed')}>${loaded.error.message}<//>`}
    </div></div>`
  }
  if (!doc) return html`<div class="page"><p class="loading" aria-busy="true"><span class="spinner"></span> ${t('shell.loading')}</p></div>`

  const problems = shownErrors.length
  const status =
    readOnly || (!touched && isNew)
      ? null
      : pending
        ? html`<span class="validation validation-pending"><span class="spinner"></span>${t('editor.checking')}</span>`
        : problems > 0
          ? html`<span class="validation validation-bad"><${Icon} name="alert" size=${15} />${problems === 1 ? t('editor.problem') : t('editor.problems', { n: problems })}</span>`
          : validation.state === 'valid'
            ? html`<span class="validation validation-ok"><${Icon} name="check" size=${15} />${t('editor.valid')}</span>`
            : null
  const tabs = [
    { id: 'form', label: t('editor.tabForm') },
    { id: 'raw', label: t('editor.tabRaw'), count: problems || undefined, countLabel: problems === 1 ? t('editor.problem') : t('editor.problems', { n: problems }) },
    ...(editable ? [{ id: 'backtest', label: t('backtest.tab') }] : []),
    ...(editable && !isNew ? [{ id: 'whatif', label: t('sweep.tab') }] : []),
    ...(isNew ? [] : [{ id: 'history', label: t('editor.tabHistory') }]),
  ]
  const goTo = (e) => {
    if (tab === 'raw') selectLine(rawIsJson ? lineOf(lines, e.path) : undefined)
    else if (tab === 'form' && !focusField(e.path)) {
      setTab('raw')
      setTimeout(() => selectLine(lineOf(lines, e.path)), 0)
    }
  }

  return html`
    <div class="page">
      <header class="page-header">
        <div>
          <nav class="breadcrumbs" aria-label="breadcrumb"><a href="#/rules">${t('editor.rules')}</a><span aria-hidden="true">/</span><span class="mono">${isNew ? 'new' : rule.id}</span></nav>
          <div class="row">
            <h1>${isNew ? t('editor.newTitle') : doc.name || rule.id}</h1>
            ${!isNew && html`<${RuleStatus} rule=${rule} />`}
            ${!isNew && html`<${Badge}>v${rule.version}<//>`}
            ${!isNew && rule.pendingApproval && html`<${Badge} tone="warning">${t('editor.awaiting', { version: rule.pendingApproval })}<//>`}
          </div>
        </div>
        <div class="toolbar">
          <span aria-live="polite">${status}</span>
          ${dirty && !readOnly && html`<${Badge} tone="warning">${t('editor.unsaved')}<//>`}
          ${dirty && !readOnly && html`<button type="button" class="ghost" onClick=${() => setConfirmDiscard(true)}>${t('editor.discard')}</button>`}
          ${!isNew && rule.pendingApproval && canApproveRules(me) && rule.updatedBy !== me.name && html`<button type="button" onClick=${approve}>${t('editor.approve', { version: rule.pendingApproval })}</button>`}
          ${editable && !isNew && html`<button type="button" onClick=${() => (rule.enabled ? setEnabled(false) : setConfirmEnable(true))}>${rule.enabled ? t('editor.disable') : t('editor.enable')}</button>`}
          ${editable && html`<button type="button" class="primary" onClick=${save} disabled=${saving || (!dirty && !isNew)} title=${t('editor.shortcut')}>${saving ? t('editor.saving') : t('editor.save')}</button>`}
        </div>
      </header>

      <${Dialog}
        id="discard-dialog"
        open=${confirmDiscard}
        title=${t('editor.discardTitle')}
        onClose=${() => setConfirmDiscard(false)}
        footer=${html`
          <button type="button" onClick=${() => setConfirmDiscard(false)}>${t('editor.keepEditing')}</button>
          <button type="button" class="danger" onClick=${() => {
            setConfirmDiscard(false)
            if (isNew) {
              setRaw(baseline)
              setDoc(NEW_RULE)
              setTouched(false)
              setValidation({ state: 'idle', errors: [] })
            } else adopt(rule)
          }}>${t('editor.discard')}</button>
        `}
      >
        <p>${t('editor.discardText')}</p>
      <//>
      ${editable && !isNew &&
      html`<${EnableDialog}
        open=${confirmEnable}
        rule=${rule}
        dirty=${dirty}
        onClose=${() => setConfirmEnable(false)}
        onConfirm=${async () => {
          if (await setEnabled(true)) setConfirmEnable(false)
        }}
      />`}
      ${readOnly && html`<${Alert} tone="info" title=${t('editor.readOnly')} />`}
      ${isNew && editable && html`<${Alert} tone="info">${t('editor.newNote')}<//>`}
      ${conflict &&
      html`<${Alert}
        tone="danger"
        title=${t('editor.conflictTitle')}
        actions=${html`<button type="button" onClick=${() => (adopt(conflict), setConflict(undefined), setTouched(false))}>${t('editor.loadLatest')}</button>`}
        >${t('editor.conflict', { version: conflict.version })}<//
      >`}
      ${saveError && !conflict && html`<${Alert} tone="danger" title=${t('editor.saveFailed')} onDismiss=${() => setSaveError(undefined)}>${saveError.message}<//>`}
      ${problems > 0 &&
      html`<div id="rule-problems"><${Alert} tone="danger" title=${t('editor.problemsTitle')}>
        <ul class="error-list">
          ${shownErrors.map((e) => {
            const line = rawIsJson ? lineOf(lines, e.path) : undefined
            return html`<li>
              <button type="button" class="link" onClick=${() => goTo(e)} aria-label=${`${t('editor.problemAt', { path: e.path })}: ${e.message}. ${t('editor.goto')}`}><code class="error-path">${e.path}</code></button>
              <span>${e.message}</span>
              ${tab === 'raw' && line && html`<span class="muted small">${t('editor.line', { n: line })}</span>`}
            </li>`
          })}
        </ul>
      <//></div>`}

      ${problems === 0 &&
      (validation.hints ?? []).length > 0 &&
      html`<div id="rule-hints"><${Alert} tone="warning" title=${t('editor.hintsTitle')}>
        <ul class="error-list">
          ${validation.hints.map(
            (e) => html`<li>
              <button type="button" class="link" onClick=${() => goTo(e)} aria-label=${`${t('editor.problemAt', { path: e.path })}: ${e.message}. ${t('editor.goto')}`}><code class="error-path">${e.path}</code></button>
              <span>${e.message}</span>
            </li>`,
          )}
        </ul>
      <//></div>`}

      <div class="editor-layout" style=${tab === 'history' || tab === 'backtest' || tab === 'whatif' ? 'grid-template-columns: minmax(0, 1fr)' : undefined}>
        <div class="stack">
          <${Tabs} id="rule-editor" label=${t('editor.tabs')} tabs=${tabs} value=${tab} onChange=${setTab} />
          <${TabPanel} id="rule-editor" tab="form" value=${tab}>
            <fieldset disabled=${readOnly} style="border:0;padding:0;margin:0;min-width:0" class="stack">
              <${RuleForm} doc=${doc} update=${onFormChange} errorsAt=${errorsAt} errorsUnder=${errorsUnder} errorsOutside=${errorsOutside} isNew=${isNew} templates=${templates.data?.templates ?? []} />
            </fieldset>
          <//>
          <${TabPanel} id="rule-editor" tab="raw" value=${tab}>
            <div class="card"><${RawEditor} raw=${raw} onChange=${onRawChange} readOnly=${readOnly} errors=${shownErrors} lines=${lines} rawIsJson=${rawIsJson} /></div>
          <//>
          ${editable && html`<${TabPanel} id="rule-editor" tab="backtest" value=${tab}><${BacktestTab} doc=${doc} /><//>`}
          ${editable && !isNew && html`<${TabPanel} id="rule-editor" tab="whatif" value=${tab}><${SweepTab} rule=${rule} doc=${doc} onSaved=${adopt} /><//>`}
          ${!isNew && html`<${TabPanel} id="rule-editor" tab="history" value=${tab}><${History} ruleId=${rule.id} current=${rule} editedText=${raw} dirty=${dirty} /><//>`}
        </div>
        <aside class="editor-aside" aria-label=${t('editor.status')} hidden=${tab === 'history' || tab === 'backtest' || tab === 'whatif'}>
          ${!isNew &&
          html`<section class="card">
            <dl class="meta-list">
              <div><dt>${t('editor.status')}</dt><dd><${RuleStatus} rule=${rule} /></dd></div>
              <div><dt>${t('editor.version')}</dt><dd class="num">v${rule.version}</dd></div>
              <div><dt>${t('editor.updated')}</dt><dd>${rule.updatedBy} · <${TimeAgo} ts=${rule.updatedAt} /></dd></div>
            </dl>
            ${rule.problem && html`<div style="margin-top:12px"><${Alert} tone="danger">${rule.problem}<//></div>`}
          </section>`}
          ${!isNew && last24h &&
          html`<section class="card" aria-labelledby="rule-24h">
            <h2 class="card-title" id="rule-24h" style="margin-bottom:12px">${t('editor.last24h')}</h2>
            <dl class="meta-list">
              <div><dt>${t('editor.signals')}</dt><dd class="num">${formatNumber(last24h.signals)}</dd></div>
              <div><dt>${t('editor.planned')}</dt><dd class="num">${formatNumber(last24h.planned)}</dd></div>
              <div><dt>${t('editor.suppressed')}</dt><dd class="num">${formatNumber(last24h.suppressed)}</dd></div>
            </dl>
          </section>`}
          ${editable &&
          html`<section class="card" aria-labelledby="rule-help">
            <h2 class="card-title" id="rule-help" style="margin-bottom:8px">${t('editor.helpTitle')}</h2>
            <dl class="stack-sm small" style="margin:0">
              <div><dt><b>${t('editor.triggers')}</b></dt><dd class="muted" style="margin:0">${t('editor.helpTriggers')}</dd></div>
              <div><dt><b>${t('editor.conditions')}</b></dt><dd class="muted" style="margin:0">${t('editor.helpConditions')}</dd></div>
              <div><dt><b>${t('editor.actions')}</b></dt><dd class="muted" style="margin:0">${t('editor.helpActions')}</dd></div>
              <div><dt><b>${t('editor.guards')}</b></dt><dd class="muted" style="margin:0">${t('editor.helpGuards')}</dd></div>
            </dl>
            <p class="subtle small" style="margin-top:12px">${t('editor.shortcut')}</p>
          </section>`}
        </aside>
      </div>
    </div>
  `
}
