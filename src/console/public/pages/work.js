// The agent's work list: what is waiting, most urgent first, with a live SLA countdown. Claim a
// row or the next one; new tasks arrive without a reload (polled every 5 s) and are announced.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks'
import { Alert, Badge, EmptyState, useNow, usePageTitle } from '../components/index.js'
import { api, html, register, t } from '../lib.js'
import { holderFrom, localTimeOf, PriorityBadge, shopperOf, SlaCountdown, StatusBadge, subjectOf, useAgentStyles } from './agentKit.js'

const POLL_MS = 5000
const FILTERS = 'careloop.work.filters'

register({
  en: {
    'work.title': 'My queue',
    'work.lead': 'Most urgent first, then the nearest SLA.',
    'work.filters': 'Filters',
    'work.mine': 'Only tasks I hold',
    'work.queue': 'Queue',
    'work.allQueues': 'All my queues',
    'work.claimNext': 'Claim next',
    'work.claimNextHint': 'Takes the most urgent task you may work on and opens it.',
    'work.nothing': 'Nothing to claim right now.',
    'work.caption': '{n} tasks',
    'work.caption1': '1 task',
    'work.col.priority': 'Priority',
    'work.col.task': 'Task',
    'work.col.queue': 'Queue',
    'work.col.shopper': 'Shopper',
    'work.col.sla': 'Time to SLA',
    'work.col.status': 'Status',
    'work.col.actions': 'Actions',
    'work.claim': 'Claim',
    'work.claimTask': 'Claim “{title}” for {shopper}',
    'work.open': 'Open',
    'work.openTask': 'Open “{title}” for {shopper}',
    'work.view': 'View',
    'work.viewTask': 'View “{title}” for {shopper}',
    'work.claimed': 'You claimed “{title}”.',
    'work.heldBy': '“{title}” is already claimed by {who}.',
    'work.taken': '“{title}” was taken in the meantime: {message}',
    'work.empty': 'No tasks waiting. New ones appear here by themselves.',
    'work.emptyMine': 'You hold no tasks.',
    'work.new1': '1 new task',
    'work.newN': '{n} new tasks',
    'work.updated': 'Updated {time}',
    'work.loadFailed': 'Could not load the work list: {message}',
    'work.vip': 'VIP',
    'work.new': 'New',
    'work.escalated': 'Escalated from {queue}',
  },
  'zh-CN': {
    'work.title': '我的队列',
    'work.lead': '最紧急的在前，其次是最近的 SLA。',
    'work.filters': '筛选',
    'work.mine': '只看我认领的',
    'work.queue': '队列',
    'work.allQueues': '我的所有队列',
    'work.claimNext': '认领下一个',
    'work.claimNextHint': '认领您可处理的最紧急任务并打开。',
    'work.nothing': '目前没有可认领的任务。',
    'work.caption': '{n} 个任务',
    'work.caption1': '1 个任务',
    'work.col.priority': '优先级',
    'work.col.task': '任务',
    'work.col.queue': '队列',
    'work.col.shopper': '顾客',
    'work.col.sla': '距 SLA',
    'work.col.status': '状态',
    'work.col.actions': '操作',
    'work.claim': '认领',
    'work.claimTask': '认领 {shopper} 的“{title}”',
    'work.open': '打开',
    'work.openTask': '打开 {shopper} 的“{title}”',
    'work.view': '查看',
    'work.viewTask': '查看 {shopper} 的“{title}”',
    'work.claimed': '您已认领“{title}”。',
    'work.heldBy': '“{title}”已被 {who} 认领。',
    'work.taken': '“{title}”已被他人处理：{message}',
    'work.empty': '暂无待处理任务。新任务会自动出现在这里。',
    'work.emptyMine': '您没有认领任何任务。',
    'work.new1': '1 个新任务',
    'work.newN': '{n} 个新任务',
    'work.updated': '更新于 {time}',
    'work.loadFailed': '无法加载工作列表：{message}',
    'work.vip': 'VIP',
    'work.new': '新',
    'work.escalated': '从 {queue} 升级',
  },
})

function savedFilters() {
  try {
    const f = JSON.parse(sessionStorage.getItem(FILTERS) ?? '{}')
    return { mine: f.mine === true, queue: typeof f.queue === 'string' ? f.queue : '' }
  } catch {
    return { mine: false, queue: '' }
  }
}

const taskHref = (id) => `#/tasks/${encodeURIComponent(id)}`

/** Tasks per shopper, each shopper where their most urgent task stands in the list. */
function byShopper(tasks) {
  const groups = new Map()
  for (const task of tasks) {
    const group = groups.get(task.customerId)
    if (group) group.push(task)
    else groups.set(task.customerId, [task])
  }
  return [...groups.values()]
}

export function WorkPage({ me }) {
  useAgentStyles()
  usePageTitle(t('work.title'))
  const now = useNow(5000)
  const [filters, setFilters] = useState(savedFilters)
  const [tasks, setTasks] = useState(null)
  const [queues, setQueues] = useState([])
  const [loadError, setLoadError] = useState('')
  const [notice, setNotice] = useState(null) // { kind: 'ok' | 'info' | 'error', text }
  const [announcement, setAnnouncement] = useState('')
  const [fresh, setFresh] = useState(() => new Set())
  const [busy, setBusy] = useState('')
  const [updatedAt, setUpdatedAt] = useState(0)
  const known = useRef(null)
  const generation = useRef(0)
  const isAgent = me.role === 'agent' || me.role === 'admin'

  const load = useCallback(async () => {
    const gen = generation.current
    const qs = new URLSearchParams()
    if (filters.mine) qs.set('mine', 'true')
    if (filters.queue) qs.set('queue', filters.queue)
    try {
      const query = qs.toString()
      const data = await api('GET', `/api/tasks${query ? `?${query}` : ''}`)
      if (gen !== generation.current) return // the filters changed while this was in flight
      const list = data.tasks.filter((task) => task.status !== 'resolved')
      if (known.current) {
        const added = list.filter((task) => !known.current.has(task.id))
        if (added.length) {
          setFresh(new Set(added.map((task) => task.id)))
          // Cleared first, so the same words are announced again next time.
          setAnnouncement('')
          setTimeout(() => setAnnouncement(added.length === 1 ? t('work.new1') : t('work.newN', { n: added.length })), 50)
        }
        for (const task of list) known.current.add(task.id)
      } else known.current = new Set(list.map((task) => task.id))
      setTasks(list)
      setLoadError('')
      setUpdatedAt(Date.now())
    } catch (err) {
      if (gen === generation.current) setLoadError(t('work.loadFailed', { message: err.message }))
    }
  }, [filters])

  useEffect(() => {
    generation.current++
    known.current = null
    setFresh(new Set())
    sessionStorage.setItem(FILTERS, JSON.stringify(filters))
    load()
    let timer
    const poll = () => {
      timer = setTimeout(async () => {
        if (document.visibilityState !== 'hidden') await load()
        poll()
      }, POLL_MS)
    }
    poll()
    return () => clearTimeout(timer)
  }, [load])

  // The "new" highlight fades after half a minute.
  useEffect(() => {
    if (fresh.size === 0) return
    const timer = setTimeout(() => setFresh(new Set()), 30_000)
    return () => clearTimeout(timer)
  }, [fresh])

  useEffect(() => {
    api('GET', '/api/queues').then(
      (data) => setQueues(data.queues.map((q) => q.id).sort()),
      () => setQueues([]),
    )
  }, [])

  // Queues of the listed tasks too (a queue without settings is not in /api/queues).
  const queueOptions = [...new Set([...queues, ...(tasks ?? []).map((task) => task.queue), ...(filters.queue ? [filters.queue] : [])])].sort()

  async function claim(task) {
    const shopper = shopperOf(task)
    setBusy(task.id)
    setNotice(null)
    try {
      const updated = await api('POST', `/api/tasks/${encodeURIComponent(task.id)}/claim`)
      setTasks((list) => list.map((x) => (x.id === updated.id ? updated : x)))
      setNotice({ kind: 'ok', text: t('work.claimed', { title: task.title, shopper: shopper.name || shopper.id }) })
      // The Claim button became an Open link: keep the keyboard where it was.
      requestAnimationFrame(() => document.getElementById(`open-${task.id}`)?.focus())
    } catch (err) {
      const who = err.status === 409 ? holderFrom(err.message) : null
      setNotice({ kind: 'error', text: who ? t('work.heldBy', { title: task.title, who }) : err.status === 409 ? t('work.taken', { title: task.title, message: err.message }) : err.message })
      load()
    } finally {
      setBusy('')
    }
  }

  async function claimNext() {
    setBusy('next')
    setNotice(null)
    try {
      const task = await api('POST', '/api/tasks/claim-next', filters.queue ? { queues: [filters.queue] } : {})
      if (!task) setNotice({ kind: 'info', text: t('work.nothing') })
      else location.hash = taskHref(task.id)
    } catch (err) {
      setNotice({ kind: 'error', text: err.message })
    } finally {
      setBusy('')
    }
  }

  const setFilter = (change) => setFilters((f) => ({ ...f, ...change }))
  const count = tasks?.length ?? 0

  return html`
    <div class="page agent-page work-page">
      <header class="page-header">
        <div>
          <h1>${t('work.title')}</h1>
          <p class="page-subtitle">${t('work.lead')}</p>
        </div>
        ${isAgent &&
        html`<div class="toolbar">
          <button type="button" class="primary" onClick=${claimNext} disabled=${busy === 'next'} aria-describedby="claim-next-hint">${t('work.claimNext')}</button>
          <span id="claim-next-hint" class="visually-hidden">${t('work.claimNextHint')}</span>
        </div>`}
      </header>

      <div class="visually-hidden" role="status" aria-live="polite" aria-atomic="true" data-testid="work-announcer">${announcement}</div>
      ${notice && html`<${Alert} tone=${notice.kind === 'error' ? 'danger' : notice.kind === 'ok' ? 'success' : 'info'} onDismiss=${() => setNotice(null)}>${notice.text}<//>`}
      ${loadError && html`<${Alert} tone="danger">${loadError}<//>`}

      <section class="card card-flush" aria-label=${t('work.title')}>
        <div class="card-header">
          <form class="toolbar" role="search" aria-label=${t('work.filters')} onSubmit=${(e) => e.preventDefault()}>
            <label class="checkbox">
              <input type="checkbox" checked=${filters.mine} onChange=${(e) => setFilter({ mine: e.currentTarget.checked })} />
              ${t('work.mine')}
            </label>
            <span class="toolbar-divider" aria-hidden="true"></span>
            <label for="work-queue">${t('work.queue')}</label>
            <select id="work-queue" class="queue-select" value=${filters.queue} onChange=${(e) => setFilter({ queue: e.currentTarget.value })}>
              <option value="">${t('work.allQueues')}</option>
              ${queueOptions.map((q) => html`<option value=${q}>${q}</option>`)}
            </select>
          </form>
          <span class="subtle">
            ${tasks && (count === 1 ? t('work.caption1') : t('work.caption', { n: count }))}
            ${updatedAt ? html` · <span aria-hidden="true">${t('work.updated', { time: new Date(updatedAt).toLocaleTimeString() })}</span>` : ''}
          </span>
        </div>
        ${tasks === null
          ? !loadError && html`<p class="loading card-body" aria-busy="true"><span class="spinner"></span> ${t('shell.loading')}</p>`
          : count === 0
            ? html`<${EmptyState} icon="work" title=${filters.mine ? t('work.emptyMine') : t('work.empty')} />`
            : html`
                <div class="table-wrap">
                  <table class="table worklist">
                    <caption class="visually-hidden">${t('work.title')}: ${count === 1 ? t('work.caption1') : t('work.caption', { n: count })}</caption>
                    <thead>
                      <tr>
                        <th scope="col">${t('work.col.priority')}</th>
                        <th scope="col">${t('work.col.task')}</th>
                        <th scope="col">${t('work.col.queue')}</th>
                        <th scope="col">${t('work.col.shopper')}</th>
                        <th scope="col">${t('work.col.sla')}</th>
                        <th scope="col">${t('work.col.status')}</th>
                        <th scope="col" class="num"><span class="visually-hidden">${t('work.col.actions')}</span></th>
                      </tr>
                    </thead>
                    ${byShopper(tasks).map(
                      (group) => html`<tbody key=${group[0].customerId} class=${group.length > 1 ? 'shopper-group' : undefined}>
                        ${group.length > 1 &&
                        html`<tr class="group-row">
                          <th colspan="7" scope="rowgroup">${t('agent.group', { who: shopperOf(group[0]).name || group[0].customerId, n: group.length })}</th>
                        </tr>`}
                        ${group.map((task) => html`<${Row} key=${task.id} task=${task} me=${me} now=${now} fresh=${fresh.has(task.id)} busy=${busy === task.id} onClaim=${claim} canClaim=${isAgent} />`)}
                      </tbody>`,
                    )}
                  </table>
                </div>
              `}
      </section>
    </div>
  `
}

function Row({ task, me, now, fresh, busy, onClaim, canClaim }) {
  const shopper = shopperOf(task)
  const who = shopper.name || shopper.id
  const mine = task.status === 'claimed' && task.claimedBy === me.name
  const breached = task.slaDueAt < now
  const subject = subjectOf(task)
  const local = localTimeOf(task.context?.customer, now)
  return html`
    <tr class=${['task-row', fresh ? 'row-new' : '', breached ? 'row-breached' : '', mine ? 'row-mine' : ''].join(' ').trim()} data-task-id=${task.id} data-priority=${task.priority}>
      <td><${PriorityBadge} priority=${task.priority} /></td>
      <td>
        <a href=${taskHref(task.id)} class="cell-title task-link">${task.title}</a>
        ${fresh && html` <${Badge} tone="accent">${t('work.new')}<//>`}
        ${subject && html`<div class="cell-sub mono" data-testid="task-subject">${subject}</div>`}
        ${task.escalatedFrom && html`<div class="cell-sub">${t('work.escalated', { queue: task.escalatedFrom })}</div>`}
      </td>
      <td><span class="queue-name">${task.queue}</span></td>
      <td>
        <div class="shopper-cell">
          <a class="shopper-name" href=${`#/customers/${encodeURIComponent(task.customerId)}`}>${who}</a>${shopper.vip && html`<span class="vip">${t('work.vip')}</span>`}
        </div>
        ${shopper.name && html`<div class="cell-sub mono">${shopper.id}</div>`}
        ${local &&
        html`<div class="cell-sub" title=${local.zone}>
          ${t('agent.local', { time: local.time })}${local.night && html` <${Badge} tone="warning">${t('agent.night')}<//>`}
        </div>`}
      </td>
      <td><${SlaCountdown} task=${task} now=${now} /></td>
      <td><${StatusBadge} task=${task} me=${me} /></td>
      <td class="num">
        ${task.status === 'open' && canClaim
          ? html`<button type="button" class="small" onClick=${() => onClaim(task)} disabled=${busy} aria-label=${t('work.claimTask', { title: task.title, shopper: who })}>${t('work.claim')}</button>`
          : html`<a id=${`open-${task.id}`} class=${mine ? 'button small primary' : 'button small'} href=${taskHref(task.id)} aria-label=${t(mine ? 'work.openTask' : 'work.viewTask', { title: task.title, shopper: who })}>${mine ? t('work.open') : t('work.view')}</a>`}
      </td>
    </tr>
  `
}
