// The rule editor's form tab: basics, triggers, shared conditions, actions and guards, each
// field bound to a path of the rule document with its server-side errors next to it.
import { useEffect, useState } from 'preact/hooks'
import { Field, Icon } from '../components/index.js'
import { html, t } from '../lib.js'
import { canonical, fieldId, getIn, parseJson, pointer } from './ruleDocument.js'
import { CHANNELS, PRIORITIES, TOPICS } from '../vocabulary.js'
import { ConditionBuilder, buildable, shownPointers } from './conditionBuilder.js'
import './ruleStrings.js'

const EVENTS = [
  'Product Viewed',
  'Product Added',
  'Product Removed',
  'Checkout Started',
  'Order Completed',
  'Payment Failed',
  'Order Shipped',
  'Shipment Updated',
  'Order Delivered',
  'Order Cancelled',
  'Order Refunded',
  'Return Requested',
  'Complaint Filed',
  'Care Call Completed',
  'Survey Answered',
]

// ---------- small controls ----------

/** A comma-separated list bound to an array; keeps what is typed until it means something else. */
function ListInput({ value, onChange, attrs, placeholder, list }) {
  const toList = (s) => s.split(',').map((x) => x.trim()).filter(Boolean)
  const [text, setText] = useState((value ?? []).join(', '))
  useEffect(() => {
    if (JSON.stringify(toList(text)) !== JSON.stringify(value ?? [])) setText((value ?? []).join(', '))
  }, [JSON.stringify(value ?? [])])
  return html`<input ...${attrs} type="text" list=${list} placeholder=${placeholder} value=${text} onInput=${(e) => (setText(e.target.value), onChange(toList(e.target.value)))} />`
}

/** A JSON condition tree in a textarea; invalid JSON stays local (with its message) until fixed. */
function ConditionInput({ value, onChange, attrs, onJsonError }) {
  const show = (v) => (v === undefined ? '' : JSON.stringify(canonical(v), null, 2))
  const [text, setText] = useState(show(value))
  useEffect(() => {
    const parsed = text.trim() === '' ? { ok: true, value: undefined } : parseJson(text)
    if (!parsed.ok || JSON.stringify(parsed.value) !== JSON.stringify(value)) {
      if (parsed.ok || value !== undefined) setText(show(value))
    }
  }, [JSON.stringify(value)])
  const onInput = (e) => {
    const next = e.target.value
    setText(next)
    if (next.trim() === '') {
      onJsonError(undefined)
      return onChange(undefined)
    }
    const parsed = parseJson(next)
    if (parsed.ok) {
      onJsonError(undefined)
      onChange(parsed.value)
    } else onJsonError(parsed.message)
  }
  const rows = Math.min(16, Math.max(3, text.split('\n').length + 1))
  return html`<textarea ...${attrs} class="code" spellcheck="false" rows=${rows} value=${text} onInput=${onInput} placeholder='{ "fact": "properties.value", "gte": 300 }'></textarea>`
}

// ---------- the form ----------

export function RuleForm({ doc, update, errorsAt, errorsUnder, errorsOutside, isNew, templates }) {
  const [jsonErrors, setJsonErrors] = useState({})
  const [openConditions, setOpenConditions] = useState({})
  // Per condition field: 'builder' or 'json'; unset: the builder when it can show the whole tree.
  const [conditionModes, setConditionModes] = useState(() => new Map())
  const jsonError = (ptr) => (jsonErrors[ptr] ? [t('editor.notJson', { message: jsonErrors[ptr] })] : [])
  const setJsonError = (ptr) => (message) => setJsonErrors((e) => ({ ...e, [ptr]: message }))

  const text = (path, label, opts = {}) => {
    const ptr = pointer(path)
    return html`<${Field} id=${fieldId(ptr)} label=${label} hint=${opts.hint} optional=${opts.optional} optionalLabel=${t('editor.optional')} error=${errorsAt(ptr)} className=${opts.className ?? ''}>
      ${(a) =>
        opts.multiline
          ? html`<textarea ...${a} rows="2" value=${getIn(doc, path) ?? ''} onInput=${(e) => update(path, e.target.value === '' ? undefined : e.target.value)}></textarea>`
          : html`<input
              ...${a}
              type=${opts.number ? 'number' : 'text'}
              inputmode=${opts.number ? 'numeric' : undefined}
              list=${opts.list}
              disabled=${opts.disabled}
              placeholder=${opts.placeholder}
              class=${opts.mono ? 'mono' : undefined}
              value=${getIn(doc, path) ?? ''}
              onInput=${(e) => {
                const v = e.target.value
                update(path, v === '' ? undefined : opts.number && /^-?\d+$/.test(v) ? Number(v) : v)
              }}
            />`}
    <//>`
  }
  const select = (path, label, options, opts = {}) => {
    const ptr = pointer(path)
    return html`<${Field} id=${fieldId(ptr)} label=${label} error=${errorsAt(ptr)} optional=${opts.optional} optionalLabel=${t('editor.optional')}>
      ${(a) => html`<select ...${a} value=${getIn(doc, path) ?? ''} onChange=${(e) => update(path, e.target.value === '' ? undefined : e.target.value)}>
        ${opts.optional && html`<option value="">—</option>`}
        ${options.map(([v, l]) => html`<option value=${v}>${l}</option>`)}
      </select>`}
    <//>`
  }
  const list = (path, label, opts = {}) => {
    const ptr = pointer(path)
    return html`<${Field} id=${fieldId(ptr)} label=${label} hint=${opts.hint} optional=${opts.optional} optionalLabel=${t('editor.optional')} error=${errorsUnder(ptr)} className=${opts.className ?? ''}>
      ${(a) => html`<${ListInput} attrs=${a} list=${opts.list} value=${getIn(doc, path)} onChange=${(v) => update(path, v.length === 0 ? undefined : v)} />`}
    <//>`
  }
  const condition = (path, label, hint, alwaysOpen = false) => {
    const ptr = pointer(path)
    const shown = alwaysOpen || openConditions[ptr] || getIn(doc, path) !== undefined || jsonError(ptr).length > 0 || errorsUnder(ptr).length > 0
    if (!shown) {
      const open = () => {
        setOpenConditions((o) => ({ ...o, [ptr]: true }))
        setTimeout(() => document.getElementById(fieldId(ptr))?.focus(), 0)
      }
      return html`<div class="span-2"><button type="button" class="ghost small" id=${fieldId(ptr)} onClick=${open}><${Icon} name="plus" size=${14} />${t('editor.addCondition')}</button></div>`
    }
    const value = getIn(doc, path)
    const mode = conditionModes.get(ptr) ?? (buildable(value) && jsonError(ptr).length === 0 ? 'builder' : 'json')
    const setMode = (next) => setConditionModes((m) => new Map(m).set(ptr, next))
    const errors = mode === 'builder' ? errorsOutside(ptr, shownPointers(value, ptr)) : [...jsonError(ptr), ...errorsUnder(ptr)]
    const modes = html`<div class="segmented small cb-mode" role="group" aria-label=${t('editor.conditionView', { label })}>
      <button type="button" aria-pressed=${mode === 'builder' ? 'true' : 'false'} disabled=${!buildable(value) || jsonError(ptr).length > 0} onClick=${() => setMode('builder')}>${t('editor.builder')}</button>
      <button type="button" aria-pressed=${mode === 'json' ? 'true' : 'false'} onClick=${() => setMode('json')}>JSON</button>
    </div>`
    return html`<${Field} id=${fieldId(ptr)} label=${label} hint=${hint} optional optionalLabel=${t('editor.optional')} error=${errors} className="span-2">
      ${(a) =>
        mode === 'builder'
          ? html`${modes}<div ...${a} tabindex="-1"><${ConditionBuilder} value=${value} onChange=${(v) => update(path, v)} ptr=${ptr} errorsUnder=${errorsUnder} events=${EVENTS} /></div>`
          : html`${modes}<${ConditionInput} attrs=${a} value=${value} onChange=${(v) => update(path, v)} onJsonError=${setJsonError(ptr)} />`}
    <//>`
  }
  const check = (path, label) => {
    const ptr = pointer(path)
    return html`<div class="field">
      <label class="checkbox" for=${fieldId(ptr)}>
        <input type="checkbox" id=${fieldId(ptr)} checked=${getIn(doc, path) === true} onChange=${(e) => update(path, e.target.checked ? true : undefined)} />
        ${label}
      </label>
      ${errorsAt(ptr).map((e) => html`<p class="field-error">${e}</p>`)}
    </div>`
  }
  const sectionErrors = (ptr) => errorsAt(ptr).map((e) => html`<p class="field-error" id=${fieldId(ptr)} tabindex="-1">${e}</p>`)

  const triggers = Array.isArray(doc.triggers) ? doc.triggers : []
  const actions = Array.isArray(doc.actions) ? doc.actions : []
  const templatesFor = (channel) => templates.filter((x) => x.channel === channel).map((x) => x.id)

  return html`
    <datalist id="rule-events">${EVENTS.map((e) => html`<option value=${e} />`)}</datalist>
    ${CHANNELS.map((c) => html`<datalist id=${`templates-${c}`}>${templatesFor(c).map((id) => html`<option value=${id} />`)}</datalist>`)}

    <section class="card" aria-labelledby="sec-basics">
      <div class="card-header"><div><h2 class="card-title" id="sec-basics">${t('editor.basics')}</h2><p class="card-description">${t('editor.basicsHint')}</p></div></div>
      <div class="form-grid">
        ${text(['id'], t('editor.id'), { hint: t('editor.idHint'), disabled: !isNew, mono: true, placeholder: 'big-basket-help' })}
        ${text(['name'], t('editor.name'), { placeholder: 'Help with a big basket' })}
        ${text(['description'], t('editor.description'), { multiline: true, optional: true, className: 'span-2' })}
        ${text(['priority'], t('editor.priority'), { number: true, hint: t('editor.priorityHint'), optional: true })}
        ${list(['tags'], t('editor.tags'), { hint: t('editor.tagsHint'), optional: true })}
      </div>
    </section>

    <section class="card" aria-labelledby="sec-triggers">
      <div class="card-header">
        <div><h2 class="card-title" id="sec-triggers">${t('editor.triggers')}</h2><p class="card-description">${t('editor.triggersHint')}</p></div>
        <button type="button" class="small" onClick=${() => update(['triggers'], [...triggers, { event: 'Order Completed' }])}><${Icon} name="plus" size=${14} />${t('editor.addTrigger')}</button>
      </div>
      <div class="stack">
        ${sectionErrors('/triggers')}
        ${triggers.map((trigger, i) => {
          const base = ['triggers', i]
          const absence = trigger && typeof trigger === 'object' && 'absence' in trigger
          const setKind = (kind) =>
            update(base, kind === 'absence'
              ? { absence: { start: [trigger.event ?? 'Order Shipped'], awaited: ['Order Delivered'], entity: trigger.entity ?? 'order_id', after: '1d' }, ...(trigger.when ? { when: trigger.when } : {}) }
              : { event: trigger.absence?.start?.[0] ?? 'Order Completed', ...(trigger.absence?.entity ? { entity: trigger.absence.entity } : {}), ...(trigger.when ? { when: trigger.when } : {}) })
          return html`<div class="item-card" key=${`t${i}`}>
            <div class="item-card-header">
              <span class="item-card-title">${t('editor.trigger', { n: i + 1 })}</span>
              <button type="button" class="ghost small" disabled=${triggers.length < 2} aria-label=${t('editor.removeTrigger', { n: i + 1 })} onClick=${() => update(['triggers'], triggers.filter((_, k) => k !== i))}><${Icon} name="trash" size=${14} />${t('editor.remove')}</button>
            </div>
            ${sectionErrors(pointer(base))}
            <div class="form-grid">
              <${Field} id=${fieldId(pointer(base) + '/kind')} label=${t('editor.kind')}>
                ${(a) => html`<select ...${a} value=${absence ? 'absence' : 'event'} onChange=${(e) => setKind(e.target.value)}>
                  <option value="event">${t('editor.kindEvent')}</option>
                  <option value="absence">${t('editor.kindAbsence')}</option>
                </select>`}
              <//>
              ${absence
                ? html`
                    ${text([...base, 'absence', 'entity'], t('editor.entity'), { hint: t('editor.entityHint'), mono: true })}
                    ${list([...base, 'absence', 'start'], t('editor.start'), { hint: t('editor.listHint'), list: 'rule-events' })}
                    ${list([...base, 'absence', 'awaited'], t('editor.awaited'), { hint: t('editor.listHint'), list: 'rule-events' })}
                    ${text([...base, 'absence', 'after'], t('editor.after'), { hint: t('editor.afterHint'), optional: true, mono: true })}
                    ${text([...base, 'absence', 'grace'], t('editor.grace'), { optional: true, mono: true })}
                    ${list([...base, 'absence', 'at'], t('editor.at'), { hint: t('editor.atHint'), optional: true, className: 'span-2' })}
                  `
                : html`
                    ${text([...base, 'event'], t('editor.event'), { list: 'rule-events' })}
                    ${text([...base, 'entity'], t('editor.entity'), { hint: t('editor.entityHint'), optional: true, mono: true })}
                  `}
              ${condition([...base, 'when'], t('editor.triggerWhen'))}
            </div>
          </div>`
        })}
      </div>
    </section>

    <section class="card" aria-labelledby="sec-when">
      <div class="card-header"><div><h2 class="card-title" id="sec-when">${t('editor.conditions')}</h2><p class="card-description">${t('editor.conditionsHint')}</p></div></div>
      <div class="form-grid">${condition(['when'], t('editor.when'), t('editor.whenHint'), true)}</div>
    </section>

    <section class="card" aria-labelledby="sec-actions">
      <div class="card-header">
        <div><h2 class="card-title" id="sec-actions">${t('editor.actions')}</h2><p class="card-description">${t('editor.actionsHint')}</p></div>
        <div class="card-actions">
          <button type="button" class="small" onClick=${() => update(['actions'], [...actions, { nudge: { channel: 'email', template: templatesFor('email')[0] ?? 'long-dwell', topic: 'care' } }])}><${Icon} name="plus" size=${14} />${t('editor.addNudge')}</button>
          <button type="button" class="small" onClick=${() => update(['actions'], [...actions, { task: { queue: 'care', priority: 'normal', sla: '4h' } }])}><${Icon} name="plus" size=${14} />${t('editor.addTask')}</button>
        </div>
      </div>
      <div class="stack">
        ${sectionErrors('/actions')}
        ${actions.map((action, i) => {
          const base = ['actions', i]
          const isTask = action && typeof action === 'object' && 'task' in action
          const setKind = (kind) =>
            update(base, kind === 'task'
              ? { task: { queue: 'care', priority: 'normal', sla: '4h' }, ...(action.when ? { when: action.when } : {}) }
              : { nudge: { channel: 'email', template: templatesFor('email')[0] ?? 'long-dwell', topic: 'care' }, ...(action.when ? { when: action.when } : {}) })
          const channel = getIn(doc, [...base, 'nudge', 'channel']) ?? 'email'
          return html`<div class="item-card" key=${`a${i}`}>
            <div class="item-card-header">
              <span class="item-card-title">${t('editor.action', { n: i + 1 })}</span>
              <button type="button" class="ghost small" disabled=${actions.length < 2} aria-label=${t('editor.removeAction', { n: i + 1 })} onClick=${() => update(['actions'], actions.filter((_, k) => k !== i))}><${Icon} name="trash" size=${14} />${t('editor.remove')}</button>
            </div>
            ${sectionErrors(pointer(base))}
            <div class="form-grid">
              <${Field} id=${fieldId(pointer(base) + '/kind')} label=${t('editor.kind')} className="span-2">
                ${(a) => html`<select ...${a} value=${isTask ? 'task' : 'nudge'} onChange=${(e) => setKind(e.target.value)}>
                  <option value="nudge">${t('editor.kindNudge')}</option>
                  <option value="task">${t('editor.kindTask')}</option>
                </select>`}
              <//>
              ${isTask
                ? html`
                    ${text([...base, 'task', 'queue'], t('editor.queue'), { mono: true })}
                    ${select([...base, 'task', 'priority'], t('editor.taskPriority'), PRIORITIES.map((p) => [p, p]))}
                    ${text([...base, 'task', 'sla'], t('editor.sla'), { hint: t('editor.slaHint'), mono: true })}
                    ${text([...base, 'task', 'title'], t('editor.title'), { optional: true })}
                    ${list([...base, 'task', 'skills'], t('editor.skills'), { optional: true, hint: t('editor.tagsHint') })}
                  `
                : html`
                    ${select([...base, 'nudge', 'channel'], t('editor.channel'), CHANNELS.map((c) => [c, c]))}
                    ${text([...base, 'nudge', 'template'], t('editor.template'), { list: `templates-${channel}`, mono: true })}
                    ${select([...base, 'nudge', 'topic'], t('editor.topic'), TOPICS.map((topic) => [topic, topic]), { optional: true })}
                    <div class="field" style="justify-content:flex-end">${check([...base, 'nudge', 'urgent'], t('editor.urgent'))}</div>
                  `}
              ${condition([...base, 'when'], t('editor.triggerWhen'))}
            </div>
          </div>`
        })}
      </div>
    </section>

    <section class="card" aria-labelledby="sec-guards">
      <div class="card-header"><div><h2 class="card-title" id="sec-guards">${t('editor.guards')}</h2><p class="card-description">${t('editor.guardsHint')}</p></div></div>
      ${sectionErrors('/guards')}
      <div class="form-grid">
        ${text(['guards', 'cooldown'], t('editor.cooldown'), { hint: t('editor.cooldownHint'), optional: true, mono: true })}
        ${select(['guards', 'per'], t('editor.per'), [['customer', t('editor.perCustomer')], ['entity', t('editor.perEntity')]], { optional: true })}
        ${check(['guards', 'once'], t('editor.once'))}
      </div>
    </section>
  `
}

/** Focuses the form field of an error path (or its nearest parent with a field). */
export function focusField(ptr) {
  let p = ptr
  for (;;) {
    const el = document.getElementById(fieldId(p))
    if (el) {
      el.focus()
      el.scrollIntoView({ block: 'center' })
      return true
    }
    if (p === '' || p === '/') return false
    p = p.slice(0, p.lastIndexOf('/'))
  }
}
