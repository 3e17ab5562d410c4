// The task hand-off's forms: log a contact, add a note, snooze, resolve; and the resolution
// once the task is resolved.
import { useState } from 'preact/hooks'
import { Badge } from '../components/index.js'
import { html, t } from '../lib.js'
import { Card, Message, dateTime } from './taskParts.js'
import './taskStrings.js'

const OUTCOMES = ['resolved', 'compensated', 'no_answer', 'not_needed', 'should_be_automated']
const VIAS = ['call', 'sms', 'email', 'chat']
const CONTACT_OUTCOMES = ['reached', 'no_answer', 'voicemail', 'message_sent']

/** The local date-time input value for a moment (yyyy-MM-ddTHH:mm). */
function localInput(ms) {
  const d = new Date(ms)
  const pad = (n) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
}

export function Actions({ task, busy, act, path, mine, canWork }) {
  const [contactMsg, setContactMsg] = useState(null)
  const [noteMsg, setNoteMsg] = useState(null)
  const [snoozeMsg, setSnoozeMsg] = useState(null)
  const [resolveMsg, setResolveMsg] = useState(null)
  const [contact, setContact] = useState({ via: 'call', outcome: 'reached', note: '' })
  const [note, setNote] = useState('')
  const [until, setUntil] = useState(() => localInput(Date.now() + 2 * 3_600_000))
  const [resolve, setResolve] = useState({ outcome: 'resolved', note: '', suggestion: '', survey: false })

  const submitContact = async (e) => {
    e.preventDefault()
    const body = { via: contact.via, outcome: contact.outcome }
    if (contact.note.trim()) body.note = contact.note.trim()
    if (await act('contact', 'POST', `${path}/contacts`, body, setContactMsg, t('task.contactLogged'))) setContact((c) => ({ ...c, note: '' }))
  }
  const submitNote = async (e) => {
    e.preventDefault()
    if (await act('note', 'POST', `${path}/notes`, { body: note }, setNoteMsg, t('task.noteAdded'))) setNote('')
  }
  const submitSnooze = async (e) => {
    e.preventDefault()
    const ms = until ? new Date(until).getTime() : NaN
    if (Number.isNaN(ms)) return setSnoozeMsg({ kind: 'error', text: t('task.snoozeRequired') })
    await act('snooze', 'POST', `${path}/snooze`, { until: new Date(ms).toISOString() }, setSnoozeMsg, (r) => t('task.snoozed', { at: dateTime(r.snoozedUntil) }))
  }
  const submitResolve = async (e) => {
    e.preventDefault()
    const body = { outcome: resolve.outcome }
    if (resolve.note.trim()) body.note = resolve.note.trim()
    if (resolve.suggestion.trim()) body.suggestion = resolve.suggestion.trim()
    if (resolve.survey) body.survey = true
    await act('resolve', 'POST', `${path}/resolve`, body, setResolveMsg, t('task.resolvedOk'))
  }

  if (task.status === 'resolved') {
    return html`<${Card} id="actions-title" title=${t('task.resolution')}>
      <div class="stack-sm">
        <${Message} msg=${resolveMsg} />
        <p class="resolution">
          <${Badge} tone="success">${task.outcome ? t(`task.outcome.${task.outcome}`) : t('agent.status.resolved')}<//>
          <span>${t('task.resolvedLine', { who: task.resolvedBy ?? '', when: dateTime(task.resolvedAt) })}</span>
        </p>
        ${task.note && html`<p class="note-body">${task.note}</p>`}
        <p><a href="#/work" class="button">${t('task.nextTask')}</a></p>
      </div>
    <//>`
  }

  const hint = !canWork ? null : task.status === 'open' ? t('task.claimFirst') : !mine ? t('task.heldBy', { who: task.claimedBy }) : null
  const working = (name) => busy === name

  return html`<${Card} id="actions-title" title=${t('task.actions')} className="actions-card">
    ${hint && html`<p class="hint">${hint}</p>`}
    ${canWork &&
    html`<form class="action-form" onSubmit=${submitContact} aria-labelledby="contact-legend">
      <h3 id="contact-legend">${t('task.logContact')}</h3>
      <div class="form-grid">
        <div class="field">
          <label for="contact-via">${t('task.via')}</label>
          <select id="contact-via" value=${contact.via} onChange=${(e) => setContact({ ...contact, via: e.currentTarget.value })}>
            ${VIAS.map((v) => html`<option value=${v}>${t(`task.via.${v}`)}</option>`)}
          </select>
        </div>
        <div class="field">
          <label for="contact-outcome">${t('task.contactOutcome')}</label>
          <select id="contact-outcome" value=${contact.outcome} onChange=${(e) => setContact({ ...contact, outcome: e.currentTarget.value })}>
            ${CONTACT_OUTCOMES.map((v) => html`<option value=${v}>${t(`task.co.${v}`)}</option>`)}
          </select>
        </div>
        <div class="field span-2">
          <label for="contact-note">${t('task.contactNote')}</label>
          <textarea id="contact-note" rows="2" maxlength="5000" value=${contact.note} onInput=${(e) => setContact({ ...contact, note: e.currentTarget.value })}></textarea>
        </div>
      </div>
      <div class="form-actions"><button type="submit" disabled=${working('contact')}>${working('contact') ? t('task.working') : t('task.logContactButton')}</button></div>
      <${Message} msg=${contactMsg} />
    </form>`}

    <form class="action-form" onSubmit=${submitNote} aria-labelledby="note-legend">
      <h3 id="note-legend">${t('task.addNote')}</h3>
      <div class="field">
        <label for="task-note" class="visually-hidden">${t('task.note')}</label>
        <textarea id="task-note" rows="2" maxlength="5000" required value=${note} onInput=${(e) => setNote(e.currentTarget.value)}></textarea>
      </div>
      <div class="form-actions"><button type="submit" disabled=${working('note')}>${t('task.addNoteButton')}</button></div>
      <${Message} msg=${noteMsg} />
    </form>

    <form class="action-form" onSubmit=${submitSnooze} aria-labelledby="snooze-legend">
      <h3 id="snooze-legend">${t('task.snooze')}</h3>
      <div class="inline-form">
        <div class="field">
          <label for="snooze-until">${t('task.snoozeUntil')}</label>
          <input id="snooze-until" type="datetime-local" value=${until} onInput=${(e) => setUntil(e.currentTarget.value)} />
        </div>
        <button type="submit" disabled=${working('snooze')}>${t('task.snoozeButton')}</button>
      </div>
      <${Message} msg=${snoozeMsg} />
    </form>

    ${canWork &&
    html`<form class="action-form resolve-form" onSubmit=${submitResolve} aria-labelledby="resolve-legend">
      <h3 id="resolve-legend">${t('task.resolve')}</h3>
      <div class="stack-sm">
        <div class="field">
          <label for="resolve-outcome">${t('task.outcome')}</label>
          <select id="resolve-outcome" value=${resolve.outcome} onChange=${(e) => setResolve({ ...resolve, outcome: e.currentTarget.value })}>
            ${OUTCOMES.map((o) => html`<option value=${o}>${t(`task.outcome.${o}`)}</option>`)}
          </select>
        </div>
        <div class="field">
          <label for="resolve-note">${t('task.resolveNote')}</label>
          <textarea id="resolve-note" rows="2" maxlength="5000" value=${resolve.note} onInput=${(e) => setResolve({ ...resolve, note: e.currentTarget.value })}></textarea>
        </div>
        <div class="field">
          <label for="resolve-suggestion">${t('task.suggestion')}</label>
          <textarea id="resolve-suggestion" rows="2" maxlength="5000" value=${resolve.suggestion} onInput=${(e) => setResolve({ ...resolve, suggestion: e.currentTarget.value })}></textarea>
        </div>
        <label class="checkbox">
          <input type="checkbox" checked=${resolve.survey} onChange=${(e) => setResolve({ ...resolve, survey: e.currentTarget.checked })} />
          ${t('task.survey')}
        </label>
      </div>
      <div class="form-actions"><button type="submit" class="primary" disabled=${working('resolve')}>${working('resolve') ? t('task.working') : t('task.resolveButton')}</button></div>
      <${Message} msg=${resolveMsg} />
    </form>`}
  <//>`
}
