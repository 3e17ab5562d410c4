// Queues and agents: each queue's opening hours, capacity, skills and live load (GET /api/queues),
// each agent's shift and the tasks they hold (GET /api/agents). Ops and admins edit a queue's
// name, time zone, hours and capacity and move anyone on or off shift; an agent changes only
// their own shift (the API refuses the rest, the page does not offer it).
import { useState } from 'preact/hooks'
import { Alert, Badge, Dialog, EmptyState, Field, Table, formatDateTime, formatNumber, toast, useApi, usePageTitle } from '../components/index.js'
import { api, html, t } from '../lib.js'
import { WEEKDAYS } from './queuesStrings.js'

// An approver may do whatever ops may (src/api/plugins/auth.ts).
const canEditQueues = (me) => me.role === 'admin' || me.role === 'ops' || me.role === 'approver'
const SPAN = /^([01][0-9]|2[0-3]):[0-5][0-9]-(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$/

/** "Mon–Fri 09:00–18:00 · Sat 10:00–14:00": consecutive days with the same spans read as one range. */
export function hoursText(hours) {
  if (hours === null) return t('queues.alwaysOpen')
  const spans = (day) => (hours[day] ?? []).map(([a, b]) => `${a}–${b}`).join(', ')
  const parts = []
  for (let i = 0; i < WEEKDAYS.length; i++) {
    const text = spans(WEEKDAYS[i])
    if (!text) continue
    let j = i
    while (j + 1 < WEEKDAYS.length && spans(WEEKDAYS[j + 1]) === text) j++
    const days = j === i ? t(`queues.short.${WEEKDAYS[i]}`) : `${t(`queues.short.${WEEKDAYS[i]}`)}–${t(`queues.short.${WEEKDAYS[j]}`)}`
    parts.push(`${days} ${text}`)
    i = j
  }
  return parts.length > 0 ? parts.join(' · ') : t('queues.neverOpens')
}

const spansText = (spans) => (spans ?? []).map(([a, b]) => `${a}-${b}`).join(', ')
/** "09:00-12:00, 13:00-18:00" → [["09:00","12:00"], …]; undefined when a span is malformed. */
function parseSpans(text) {
  const parts = text.split(',').map((s) => s.replace(/\s+/g, '')).filter(Boolean)
  if (!parts.every((p) => SPAN.test(p))) return undefined
  return parts.map((p) => p.split('-'))
}

/** Per queue, the SLAs enabled rules' task actions give its tasks: queue → [{ sla, rules }]. Documents are read defensively. */
export function slaTargets(rules) {
  const byQueue = new Map()
  for (const rule of rules) {
    if (!rule.enabled) continue
    for (const action of Array.isArray(rule.document?.actions) ? rule.document.actions : []) {
      const task = action?.task
      if (typeof task?.queue !== 'string' || typeof task.sla !== 'string') continue
      const targets = byQueue.get(task.queue) ?? new Map()
      targets.set(task.sla, [...(targets.get(task.sla) ?? []), rule.id])
      byQueue.set(task.queue, targets)
    }
  }
  return new Map([...byQueue].map(([queue, targets]) => [queue, [...targets].map(([sla, ruleIds]) => ({ sla, ruleIds: [...new Set(ruleIds)] }))]))
}

function SlaCell({ q, targets }) {
  return html`<span class="stack-sm">
    ${q.pastSla > 0 ? html`<${Badge} tone="danger">${t('queues.pastSla', { n: formatNumber(q.pastSla) })}<//>` : html`<span class="muted small">${t('queues.noneLate')}</span>`}
    ${(targets ?? []).map((x) => html`<span class="small" title=${x.ruleIds.join(', ')}>${t('queues.slaOf', { sla: x.sla, rules: x.ruleIds.join(', ') })}</span>`)}
  </span>`
}

function StateCell({ q }) {
  if (q.open) return html`<${Badge} tone="success" dot>${t('queues.open')}<//>`
  return html`<span class="stack-sm"><${Badge} dot>${t('queues.closed')}<//>
    <span class="muted small">${q.nextOpeningAt ? t('queues.opensAt', { at: formatDateTime(Date.parse(q.nextOpeningAt), { timeZone: q.timezone, timeZoneName: 'short' }) }) : t('queues.neverOpens')}</span></span>`
}

function LoadCell({ open, capacity, detail, label }) {
  const over = open > capacity
  return html`<span class="stack-sm">
    <span><b>${t('queues.loadText', { open: formatNumber(open), capacity: formatNumber(capacity) })}</b>
      ${capacity === 0 ? html` <${Badge} tone="warning">${t('queues.noStaff')}<//>` : over ? html` <${Badge} tone="danger">${t('queues.overCapacity')}<//>` : ''}</span>
    ${capacity > 0 && html`<meter min="0" max=${capacity} high=${capacity * 0.8} optimum="0" value=${Math.min(open, capacity)} aria-label=${label}></meter>`}
    ${detail && html`<span class="muted small">${detail}</span>`}
  </span>`
}

function QueueForm({ queue, onClose, onSaved }) {
  const [form, setForm] = useState(() => ({
    name: queue.name,
    timezone: queue.timezone,
    capacityPerAgent: String(queue.capacityPerAgent),
    alwaysOpen: queue.hours === null,
    days: Object.fromEntries(WEEKDAYS.map((d) => [d, spansText(queue.hours?.[d])])),
  }))
  const [errors, setErrors] = useState(new Map())
  const [busy, setBusy] = useState(false)
  const set = (patch) => setForm((f) => ({ ...f, ...patch }))
  const err = (path) => errors.get(path)

  const submit = async (e) => {
    e.preventDefault()
    const local = new Map()
    const hours = {}
    if (!form.alwaysOpen) {
      for (const day of WEEKDAYS) {
        const spans = parseSpans(form.days[day])
        if (spans === undefined) local.set(`/hours/${day}`, [t('queues.badSpans')])
        else if (spans.length > 0) hours[day] = spans
      }
    }
    if (local.size > 0) return setErrors(local)
    const { id, open: _o, nextOpeningAt: _n, agentsOnShift: _a, openTasks: _t, unclaimed: _u, claimed: _c, pastSla: _p, capacity: _cap, ...rest } = queue
    const body = { ...rest, name: form.name, timezone: form.timezone, capacityPerAgent: Number(form.capacityPerAgent), hours: form.alwaysOpen ? null : hours }
    setBusy(true)
    try {
      await api('PUT', `/api/queues/${encodeURIComponent(id)}`, body)
      toast(t('queues.saved', { name: form.name }), { tone: 'success' })
      onSaved()
    } catch (error) {
      const byPath = new Map()
      // /hours/mon/0/1 belongs to Monday's field; anything else to its own path or the form.
      for (const p of error.body?.errors ?? [{ path: '/', message: error.message }]) {
        const key = p.path.startsWith('/hours/') ? p.path.split('/').slice(0, 3).join('/') : p.path
        byPath.set(key, [...(byPath.get(key) ?? []), p.message])
      }
      setErrors(byPath)
    } finally {
      setBusy(false)
    }
  }
  const known = new Set(['/name', '/timezone', '/capacityPerAgent', ...WEEKDAYS.map((d) => `/hours/${d}`)])
  const other = [...errors].filter(([path]) => !known.has(path)).flatMap(([path, messages]) => messages.map((m) => `${path} ${m}`))
  return html`
    <form class="stack" onSubmit=${submit} id="queue-form">
      ${other.length > 0 && html`<${Alert} tone="danger" title=${t('queues.saveFailed')}>${other.map((m) => html`<p>${m}</p>`)}<//>`}
      <div class="grid grid-3">
        <${Field} id="queue-name" label=${t('queues.name')} error=${err('/name')}>${(a) => html`<input ...${a} value=${form.name} onInput=${(e) => set({ name: e.target.value })} required maxlength="200" />`}<//>
        <${Field} id="queue-timezone" label=${t('queues.timezone')} error=${err('/timezone')}>${(a) => html`<input ...${a} value=${form.timezone} onInput=${(e) => set({ timezone: e.target.value })} required maxlength="64" />`}<//>
        <${Field} id="queue-capacity" label=${t('queues.capacity')} error=${err('/capacityPerAgent')}>
          ${(a) => html`<input ...${a} type="number" min="1" max="1000" value=${form.capacityPerAgent} onInput=${(e) => set({ capacityPerAgent: e.target.value })} required />`}
        <//>
      </div>
      <label class="checkbox"><input type="checkbox" checked=${form.alwaysOpen} onChange=${(e) => set({ alwaysOpen: e.target.checked })} /> ${t('queues.alwaysOpen')}</label>
      ${!form.alwaysOpen &&
      html`<fieldset class="stack-sm"><legend>${t('queues.colHours')}</legend>
        <p class="field-hint">${t('queues.hoursHint')}</p>
        <div class="grid grid-2">
          ${WEEKDAYS.map(
            (day) => html`<${Field} id=${`queue-hours-${day}`} label=${t(`queues.day.${day}`)} error=${err(`/hours/${day}`)}>
              ${(a) => html`<input ...${a} value=${form.days[day]} placeholder="09:00-18:00" onInput=${(e) => set({ days: { ...form.days, [day]: e.target.value } })} />`}
            <//>`,
          )}
        </div>
      </fieldset>`}
      <div class="toolbar">
        <button type="submit" class="primary" disabled=${busy}>${t('queues.save')}</button>
        <button type="button" onClick=${onClose}>${t('queues.cancel')}</button>
      </div>
    </form>
  `
}

function ShiftButton({ agent, own, onChanged }) {
  const [busy, setBusy] = useState(false)
  const toggle = async () => {
    setBusy(true)
    try {
      const updated = await api('POST', `/api/agents/${encodeURIComponent(agent.id)}/shift`, { onShift: !agent.onShift })
      toast(t('queues.shiftChanged', { name: agent.displayName, state: updated.onShift ? t('queues.stateOn') : t('queues.stateOff') }), { tone: 'success' })
      onChanged()
    } catch (error) {
      toast(`${t('queues.shiftFailed')} ${error.message}`, { tone: 'danger' })
    } finally {
      setBusy(false)
    }
  }
  const label = own ? (agent.onShift ? t('queues.goOff') : t('queues.goOn')) : t(agent.onShift ? 'queues.takeOff' : 'queues.putOn', { name: agent.displayName })
  return html`<button type="button" class=${own ? 'primary' : 'small'} disabled=${busy} onClick=${toggle}>${label}</button>`
}

/** An agent's capacity: their own, else the largest of their queues' per-agent figure. */
function agentCapacity(agent, queues) {
  if (agent.capacity !== null) return agent.capacity
  const mine = queues.filter((q) => agent.queues.includes(q.id))
  return mine.length > 0 ? Math.max(...mine.map((q) => q.capacityPerAgent)) : 0
}

export function QueuesPage({ me }) {
  usePageTitle(t('queues.title'))
  const queues = useApi('/api/queues')
  const agents = useApi('/api/agents')
  // Only for the SLA targets column: a queue's SLAs live in the rules that route tasks to it.
  const rules = useApi('/api/rules')
  const [editing, setEditing] = useState(undefined)
  const ops = canEditQueues(me)
  const reload = () => {
    queues.reload()
    agents.reload()
    rules.reload()
  }
  const error = queues.error ?? agents.error
  if (error) return html`<div class="page"><${Alert} tone="danger" title=${t('queues.loadFailed')} actions=${html`<button type="button" onClick=${reload}>${t('queues.retry')}</button>`}>${error.message}<//></div>`
  if (!queues.data || !agents.data) return html`<div class="page"><p class="loading" aria-busy="true"><span class="spinner"></span> ${t('queues.loading')}</p></div>`
  const queueList = queues.data.queues
  const agentList = agents.data.agents
  const me_ = agentList.find((a) => a.id === me.name)
  const names = new Map(queueList.map((q) => [q.id, q.name]))
  const targets = slaTargets(rules.data?.rules ?? [])
  return html`
    <div class="page">
      <header class="page-header">
        <div>
          <h1>${t('queues.title')}</h1>
          <p class="page-subtitle">${t('queues.subtitle')}</p>
        </div>
        <div class="toolbar"><button type="button" onClick=${reload}>${t('queues.refresh')}</button></div>
      </header>
      ${me.role === 'agent' &&
      html`<section class="card" aria-labelledby="my-shift">
        <div class="card-header"><h2 class="card-title" id="my-shift">${t('queues.myShift')}</h2></div>
        ${me_
          ? html`<div class="toolbar"><${Badge} tone=${me_.onShift ? 'success' : 'neutral'} dot>${me_.onShift ? t('queues.onShift') : t('queues.offShift')}<//>
              <span>${me_.onShift ? t('queues.myShiftOn') : t('queues.myShiftOff')}</span>
              <${ShiftButton} agent=${me_} own onChanged=${reload} /></div>`
          : html`<p class="muted">${t('queues.notAnAgent')}</p>`}
      </section>`}
      <section class="card card-flush" aria-labelledby="queues-table">
        <div class="card-header"><h2 class="card-title" id="queues-table">${t('queues.queuesTitle')}</h2></div>
        <${Table}
          caption=${t('queues.queuesTitle')}
          rows=${queueList}
          empty=${html`<${EmptyState} icon="work" title=${t('queues.empty')}>${t('queues.emptyText')}<//>`}
          columns=${[
            { key: 'name', label: t('queues.colQueue'), render: (q) => html`<span class="stack-sm"><b>${q.name}</b><span class="mono small muted">${q.id}</span></span>` },
            { key: 'open', label: t('queues.colState'), render: (q) => html`<${StateCell} q=${q} />` },
            { key: 'hours', label: t('queues.colHours'), render: (q) => html`<span class="stack-sm"><span>${hoursText(q.hours)}</span><span class="muted small">${q.timezone} · ${t('queues.perAgent', { n: q.capacityPerAgent })}</span></span>` },
            { key: 'skills', label: t('queues.colSkills'), render: (q) => (q.skills.length > 0 ? q.skills.map((s) => html`<${Badge}>${s}<//> `) : html`<span class="muted">${t('queues.none')}</span>`) },
            { key: 'agentsOnShift', label: t('queues.colOnShift'), num: true, render: (q) => formatNumber(q.agentsOnShift) },
            {
              key: 'load',
              label: t('queues.colLoad'),
              render: (q) => html`<${LoadCell} open=${q.openTasks} capacity=${q.capacity} label=${`${q.name}: ${t('queues.colLoad')}`} detail=${t('queues.loadDetail', { unclaimed: formatNumber(q.unclaimed), claimed: formatNumber(q.claimed) })} />`,
            },
            { key: 'sla', label: t('queues.colSla'), render: (q) => html`<${SlaCell} q=${q} targets=${targets.get(q.id)} />` },
            { key: 'escalateTo', label: t('queues.colEscalates'), render: (q) => (q.escalateTo ? names.get(q.escalateTo) ?? q.escalateTo : html`<span class="muted">${t('queues.none')}</span>`) },
            ...(ops ? [{ key: 'edit', label: t('queues.edit'), hideLabel: true, render: (q) => html`<button type="button" class="small" onClick=${() => setEditing(q)} aria-label=${t('queues.editQueue', { name: q.name })}>${t('queues.edit')}</button>` }] : []),
          ]}
        />
        <p class="muted small card-body">${t('queues.slaHint')}</p>
      </section>
      <section class="card card-flush" aria-labelledby="agents-table">
        <div class="card-header"><h2 class="card-title" id="agents-table">${t('queues.agentsTitle')}</h2></div>
        <${Table}
          caption=${t('queues.agentsTitle')}
          rows=${agentList}
          empty=${html`<${EmptyState} icon="user" title=${t('queues.emptyAgents')} />`}
          columns=${[
            { key: 'displayName', label: t('queues.colAgent'), render: (a) => html`<span class="stack-sm"><b>${a.displayName}</b><span class="mono small muted">${a.id}</span></span>` },
            { key: 'queues', label: t('queues.colQueues'), render: (a) => a.queues.map((id) => names.get(id) ?? id).join(', ') || t('queues.none') },
            { key: 'skills', label: t('queues.colSkills'), render: (a) => (a.skills.length > 0 ? a.skills.map((s) => html`<${Badge}>${s}<//> `) : html`<span class="muted">${t('queues.none')}</span>`) },
            { key: 'onShift', label: t('queues.colShift'), render: (a) => html`<${Badge} tone=${a.onShift ? 'success' : 'neutral'} dot>${a.onShift ? t('queues.onShift') : t('queues.offShift')}<//>` },
            { key: 'holds', label: t('queues.colHolds'), render: (a) => html`<${LoadCell} open=${a.claimedTasks} capacity=${agentCapacity(a, queueList)} label=${`${a.displayName}: ${t('queues.colHolds')}`} />` },
            ...(ops ? [{ key: 'shift', label: t('queues.colShift'), hideLabel: true, render: (a) => html`<${ShiftButton} agent=${a} onChanged=${reload} />` }] : []),
          ]}
        />
      </section>
      <${Dialog} open=${editing !== undefined} id="queue-dialog" title=${editing ? t('queues.editQueue', { name: editing.name }) : ''} onClose=${() => setEditing(undefined)}>
        ${editing && html`<${QueueForm} queue=${editing} onClose=${() => setEditing(undefined)} onSaved=${() => (setEditing(undefined), reload())} />`}
      <//>
    </div>
  `
}
