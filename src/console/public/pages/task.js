// One task, handed off: why it exists, who the shopper is, what they did and what careloop
// already sent them, with a suggested opening line; then the agent's actions (claim, release,
// log a contact, note, snooze, resolve). Everything comes from GET /api/tasks/:id/context.
// This module keeps the page, its header and actions (claim, release); the context cards are in
// taskContext.js, the activity in taskTimeline.js, the forms in taskForms.js, strings in taskStrings.js.
import { useEffect, useState } from 'preact/hooks'
import { Alert, Badge, useNow, usePageTitle } from '../components/index.js'
import { api, html, t } from '../lib.js'
import './taskStrings.js'
import { localTimeOf, NIGHT, PriorityBadge, SlaCountdown, StatusBadge, useAgentStyles } from './agentKit.js'
import { Opening, Shopper, Trigger } from './taskContext.js'
import { Actions } from './taskForms.js'
import { Message, dateTime, relative } from './taskParts.js'
import { EarlierTasks, NotesAndContacts, Nudges, Timeline } from './taskTimeline.js'

export { describeEvent } from './taskTimeline.js'

// ---- the page ----

export function TaskPage({ params, me }) {
  useAgentStyles()
  const now = useNow(5000)
  const [data, setData] = useState(null)
  const [loadError, setLoadError] = useState(null)
  const [headMsg, setHeadMsg] = useState(null)
  const [busy, setBusy] = useState('')
  const id = params.id
  usePageTitle(data?.task.title ?? t('task.back'))

  async function reload() {
    try {
      setData(await api('GET', `/api/tasks/${encodeURIComponent(id)}/context`))
      setLoadError(null)
    } catch (err) {
      setLoadError(err.status === 404 ? t('task.notFound', { id }) : t('task.loadFailed', { message: err.message }))
    }
  }
  useEffect(() => {
    setData(null)
    reload()
  }, [id])

  /** Runs an action, then reloads the hand-off; `report` gets { kind, text }. True when it worked. */
  async function act(name, method, path, body, report, okText) {
    setBusy(name)
    report(null)
    try {
      const result = await api(method, path, body)
      await reload()
      report({ kind: 'ok', text: typeof okText === 'function' ? okText(result) : okText })
      return true
    } catch (err) {
      report({ kind: 'error', text: err.message })
      return false
    } finally {
      setBusy('')
    }
  }

  const crumbs = html`<nav class="breadcrumbs" aria-label=${t('task.breadcrumbs')}><a href="#/work">${t('task.back')}</a><span aria-hidden="true">/</span><span aria-current="page">${data?.task.title ?? id}</span></nav>`
  if (loadError && !data) return html`<div class="page agent-page task-page">${crumbs}<${Alert} tone="danger">${loadError}<//></div>`
  if (!data) return html`<p class="loading" aria-busy="true"><span class="spinner"></span> ${t('shell.loading')}</p>`

  const { task } = data
  const path = `/api/tasks/${encodeURIComponent(task.id)}`
  const mine = task.status === 'claimed' && task.claimedBy === me.name
  const supervisor = me.role === 'ops' || me.role === 'admin'
  const canWork = me.role === 'agent' || me.role === 'admin'
  const local = task.status !== 'resolved' ? localTimeOf(data.customer, now) : null
  const who = data.customer?.traits?.name || task.customerId

  return html`
    <article class="page agent-page task-page" aria-labelledby="task-title">
      <header class="card task-head">
        ${crumbs}
        <div class="task-head-row">
          <div class="task-head-main">
            <h1 id="task-title">${task.title}</h1>
            <div class="task-head-meta">
              <${PriorityBadge} priority=${task.priority} />
              <span class="queue-name" title=${t('task.queue')}>${task.queue}</span>
              <${StatusBadge} task=${task} me=${me} />
              ${task.status !== 'resolved' && html`<${SlaCountdown} task=${task} now=${now} />`}
              <span class="subtle">${t('task.created', { when: relative(task.createdAt, now) })}</span>
              ${task.snoozedUntil && task.snoozedUntil > now && html`<${Badge} tone="info">${t('task.snoozedUntil', { at: dateTime(task.snoozedUntil) })}<//>`}
            </div>
          </div>
          <div class="toolbar">
            ${task.status === 'open' && canWork &&
            html`<button type="button" class="primary" disabled=${busy === 'claim'} onClick=${() => act('claim', 'POST', `${path}/claim`, undefined, setHeadMsg, t('task.claimedOk'))}>${t('task.claim')}</button>`}
            ${task.status === 'claimed' && (mine || supervisor) &&
            html`<button type="button" disabled=${busy === 'release'} onClick=${() => act('release', 'POST', `${path}/release`, undefined, setHeadMsg, t('task.releasedOk'))}>${t('task.release')}</button>`}
          </div>
        </div>
        <${Message} msg=${headMsg} />
        ${local?.night &&
        html`<${Alert} tone="warning" title=${t('agent.night')}>
          <span data-testid="night-warning">${t('agent.nightWarning', { time: local.time, who, zone: local.zone, morning: `${String(NIGHT.to).padStart(2, '0')}:00` })}</span>
        <//>`}
      </header>

      <div class="task-grid">
        <div class="stack task-main">
          <${Opening} opening=${data.suggestedOpening} locale=${data.customer.locale} />
          <${Trigger} data=${data} />
          <${Timeline} events=${data.timeline} now=${now} />
          <${Nudges} nudges=${data.nudges} now=${now} />
          <${EarlierTasks} tasks=${data.earlierTasks} me=${me} />
        </div>
        <div class="stack task-side">
          <${Shopper} customer=${data.customer} now=${now} />
          <${Actions} task=${task} busy=${busy} act=${act} path=${path} mine=${mine} canWork=${canWork} />
          <${NotesAndContacts} notes=${data.notes} contacts=${data.contacts} taskId=${task.id} now=${now} />
        </div>
      </div>
    </article>
  `
}
