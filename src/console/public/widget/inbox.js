/*
 * careloop in-app inbox widget, for a shop's own site. No dependencies, no build step.
 *
 *   <script type="module" src="https://careloop.example/console/widget/inbox.js"
 *           data-token="<shopper JWT>" data-base="https://careloop.example"></script>
 *
 * A bell button with the number of unread messages, where the script tag is (or in the top right
 * corner when the tag is in <head>); it opens a panel listing the shopper's messages (title, body,
 * link, time). Opening the panel marks them read; each can be dismissed. New messages are fetched
 * every 30 seconds and announced to screen readers. Everything lives in a shadow root, so the
 * shop's styles do not leak in and ours do not leak out. English or Chinese (简体 / 繁體) by the
 * page's lang attribute.
 *
 * Attributes (all optional but data-token):
 *   data-token   the shopper token (POST /api/shopper-tokens, or minted by the shop's backend);
 *                change the attribute to hand the widget a fresh one
 *   data-base    careloop's address (default: where this script comes from)
 *   data-lang    language instead of <html lang>
 *   data-target  CSS selector of the element to render into instead of next to the script tag
 *   data-poll    seconds between checks for new messages (default 30, at least 5)
 *
 * Events on the widget's host element (they bubble): careloop-inbox:unauthorized (the token was
 * refused or expired: set a new data-token), careloop-inbox:update (detail: { unread }).
 * Scripting: window.CareloopInbox.mount({ token, base, target, lang }) returns
 * { setToken(token), refresh(), open(), close(), destroy() }.
 *
 * Written to run both as a module and as a classic script (no import/export, no import.meta), so
 * a plain <script src defer> works too.
 */
;(() => {
  'use strict'

  const STRINGS = {
    en: {
      bell: 'Messages',
      bellUnread: (n) => (n === 1 ? 'Messages, 1 unread' : `Messages, ${n} unread`),
      title: 'Messages',
      close: 'Close messages',
      empty: "You're all caught up. Messages about your orders will appear here.",
      loading: 'Loading messages…',
      dismiss: 'Dismiss',
      dismissLabel: (title) => `Dismiss message: ${title}`,
      dismissed: 'Message dismissed.',
      open: 'View',
      talk: 'Talk to a person',
      newOne: (title) => `New message: ${title}`,
      newMany: (n) => `${n} new messages`,
      unauthorized: 'Please sign in again to see your messages.',
      offline: "Messages can't be loaded right now. We'll try again shortly.",
      unread: 'Unread',
      justNow: 'just now',
    },
    'zh-CN': {
      bell: '消息',
      bellUnread: (n) => `消息，${n} 条未读`,
      title: '消息',
      close: '关闭消息',
      empty: '没有新消息。关于您订单的消息会显示在这里。',
      loading: '正在加载消息…',
      dismiss: '删除',
      dismissLabel: (title) => `删除消息：${title}`,
      dismissed: '消息已删除。',
      open: '查看',
      talk: '联系真人客服',
      newOne: (title) => `新消息：${title}`,
      newMany: (n) => `${n} 条新消息`,
      unauthorized: '请重新登录以查看消息。',
      offline: '暂时无法加载消息，稍后会自动重试。',
      unread: '未读',
      justNow: '刚刚',
    },
    'zh-TW': {
      bell: '訊息',
      bellUnread: (n) => `訊息，${n} 則未讀`,
      title: '訊息',
      close: '關閉訊息',
      empty: '目前沒有新訊息。與您訂單相關的訊息會顯示在這裡。',
      loading: '正在載入訊息…',
      dismiss: '刪除',
      dismissLabel: (title) => `刪除訊息：${title}`,
      dismissed: '訊息已刪除。',
      open: '查看',
      talk: '聯絡真人客服',
      newOne: (title) => `新訊息：${title}`,
      newMany: (n) => `${n} 則新訊息`,
      unauthorized: '請重新登入以查看訊息。',
      offline: '暫時無法載入訊息，稍後會自動重試。',
      unread: '未讀',
      justNow: '剛剛',
    },
  }

  function languageOf(tag) {
    const lang = String(tag || '').toLowerCase()
    if (/^zh-(tw|hk|mo|hant)/.test(lang)) return 'zh-TW'
    if (lang.startsWith('zh')) return 'zh-CN'
    return 'en'
  }

  const CSS = `
:host { all: initial; display: inline-block; position: relative; vertical-align: middle;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif;
  font-size: 14px; line-height: 1.45; color: #1f2937;
  --cl-accent: var(--careloop-accent, #4f46e5); --cl-surface: var(--careloop-surface, #ffffff); --cl-border: #e5e7eb; --cl-muted: #6b7280; }
:host(.cl-corner) { position: fixed; top: 12px; right: 12px; z-index: 2147483000; }
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
.sr { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
button { font: inherit; color: inherit; }
:focus { outline: none; }
:focus-visible { outline: 2px solid var(--cl-accent); outline-offset: 2px; }
.bell { position: relative; display: inline-grid; place-items: center; width: 40px; height: 40px; padding: 0; border-radius: 50%;
  border: 1px solid var(--cl-border); background: var(--cl-surface); color: #374151; cursor: pointer; box-shadow: 0 1px 2px rgba(0,0,0,.06); }
.bell:hover { background: #f9fafb; color: #111827; }
.bell[aria-expanded="true"] { background: #f3f4f6; }
.bell svg { width: 20px; height: 20px; }
.count { position: absolute; top: -4px; right: -4px; min-width: 19px; height: 19px; padding: 0 5px; border-radius: 10px;
  background: #dc2626; color: #fff; font-size: 11px; font-weight: 700; line-height: 19px; text-align: center; box-shadow: 0 0 0 2px var(--cl-surface); }
.panel { position: absolute; top: calc(100% + 8px); right: 0; width: min(360px, calc(100vw - 24px)); max-height: min(480px, 75vh);
  display: flex; flex-direction: column; background: var(--cl-surface); border: 1px solid var(--cl-border); border-radius: 12px;
  box-shadow: 0 16px 40px rgba(17,24,39,.18), 0 2px 6px rgba(17,24,39,.08); overflow: hidden; text-align: left; z-index: 2147483000; }
.head { display: flex; align-items: center; justify-content: space-between; gap: 8px; padding: 12px 12px 12px 16px; border-bottom: 1px solid var(--cl-border); }
.head h2 { margin: 0; font-size: 15px; font-weight: 650; color: #111827; }
.head h2 .n { margin-left: 6px; font-size: 12px; font-weight: 600; color: var(--cl-accent); }
.icon-btn { display: inline-grid; place-items: center; width: 30px; height: 30px; padding: 0; border: 0; border-radius: 8px; background: transparent; color: var(--cl-muted); cursor: pointer; }
.icon-btn:hover { background: #f3f4f6; color: #111827; }
.icon-btn svg { width: 16px; height: 16px; }
.note { margin: 0; padding: 28px 20px; text-align: center; color: var(--cl-muted); }
.note.error { color: #b91c1c; padding: 12px 16px; text-align: left; background: #fef2f2; border-bottom: 1px solid #fecaca; }
.list { list-style: none; margin: 0; padding: 0; overflow-y: auto; overscroll-behavior: contain; }
.msg { position: relative; display: grid; grid-template-columns: 8px minmax(0, 1fr) auto; gap: 10px; padding: 14px 12px 14px 14px; border-bottom: 1px solid #f3f4f6; }
.msg:last-child { border-bottom: 0; }
.msg.unread { background: #f8f9ff; }
.dot { width: 8px; height: 8px; margin-top: 6px; border-radius: 50%; background: transparent; }
.msg.unread .dot { background: var(--cl-accent); }
.msg h3 { margin: 0; font-size: 14px; font-weight: 600; color: #111827; }
.msg p { margin: 3px 0 0; color: #4b5563; font-size: 13px; white-space: pre-line; overflow-wrap: anywhere; }
.meta { display: flex; align-items: center; gap: 10px; margin-top: 8px; }
.meta time { color: var(--cl-muted); font-size: 12px; }
.cta { display: inline-flex; align-items: center; height: 28px; padding: 0 12px; border-radius: 7px; background: var(--cl-accent); color: #fff;
  font-size: 12.5px; font-weight: 600; text-decoration: none; }
.cta:hover { filter: brightness(.93); }
.talk { color: var(--cl-accent); font-size: 13px; text-decoration: underline; text-underline-offset: 2px; }
.msg .icon-btn { margin-top: -4px; }
@media (prefers-reduced-motion: no-preference) { .panel { animation: cl-in .14s ease-out; } }
@keyframes cl-in { from { opacity: 0; transform: translateY(-4px); } }
`

  const BELL = '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false"><path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9"/><path d="M10.3 21a1.94 1.94 0 0 0 3.4 0"/></svg>'
  const CROSS = '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" aria-hidden="true" focusable="false"><path d="M18 6 6 18M6 6l12 12"/></svg>'

  const el = (tag, attrs = {}, text) => {
    const node = document.createElement(tag)
    for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? '' : String(v))
    if (text !== undefined) node.textContent = text
    return node
  }
  const isWebUrl = (url) => {
    try {
      const u = new URL(url)
      return u.protocol === 'https:' || u.protocol === 'http:'
    } catch {
      return false
    }
  }

  function relativeTime(ts, lang, strings) {
    const diff = ts - Date.now()
    const abs = Math.abs(diff)
    if (abs < 60_000) return strings.justNow
    try {
      const rtf = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' })
      if (abs < 3_600_000) return rtf.format(Math.round(diff / 60_000), 'minute')
      if (abs < 86_400_000) return rtf.format(Math.round(diff / 3_600_000), 'hour')
      if (abs < 7 * 86_400_000) return rtf.format(Math.round(diff / 86_400_000), 'day')
      return new Date(ts).toLocaleDateString(lang, { month: 'short', day: 'numeric' })
    } catch {
      return new Date(ts).toLocaleString()
    }
  }

  /** Renders the widget into `host` (its shadow root). */
  function createInbox(host, options) {
    let token = options.token || ''
    const base = String(options.base || '').replace(/\/+$/, '')
    const lang = languageOf(options.lang || document.documentElement.lang || navigator.language)
    const s = STRINGS[lang]
    const pollMs = Math.max(5, Number(options.poll) || 30) * 1000
    const uid = Math.random().toString(36).slice(2, 8)

    const root = host.shadowRoot || host.attachShadow({ mode: 'open' })
    root.innerHTML = ''
    const style = el('style')
    style.textContent = CSS
    const bell = el('button', { type: 'button', class: 'bell', 'aria-haspopup': 'dialog', 'aria-expanded': 'false', 'aria-controls': `cl-panel-${uid}`, 'aria-label': s.bell })
    bell.innerHTML = BELL
    const count = el('span', { class: 'count', 'aria-hidden': 'true', hidden: true })
    bell.append(count)
    const panel = el('div', { class: 'panel', id: `cl-panel-${uid}`, role: 'dialog', 'aria-labelledby': `cl-title-${uid}`, hidden: true, tabindex: '-1' })
    const head = el('div', { class: 'head' })
    const title = el('h2', { id: `cl-title-${uid}` }, s.title)
    const titleCount = el('span', { class: 'n', 'aria-hidden': 'true' })
    title.append(titleCount)
    const close = el('button', { type: 'button', class: 'icon-btn close', 'aria-label': s.close })
    close.innerHTML = CROSS
    head.append(title, close)
    const notice = el('p', { class: 'note error', role: 'alert', hidden: true })
    const empty = el('p', { class: 'note empty', hidden: true }, s.loading)
    const list = el('ul', { class: 'list', 'aria-labelledby': `cl-title-${uid}` })
    panel.append(head, notice, empty, list)
    const live = el('div', { class: 'sr', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true' })
    root.append(style, bell, panel, live)

    let messages = []
    let unread = 0
    let loaded = false
    const seen = new Set()
    const items = new Map()
    let timer
    let destroyed = false

    function announce(text) {
      live.textContent = ''
      setTimeout(() => (live.textContent = text), 60)
    }

    async function call(method, path) {
      const res = await fetch(base + path, { method, headers: { authorization: `Bearer ${token}` }, credentials: 'omit', cache: 'no-store' })
      if (res.status === 401) {
        const err = new Error('unauthorized')
        err.status = 401
        throw err
      }
      if (!res.ok) throw new Error(`HTTP ${res.status}`)
      return res.json()
    }

    function fail(err) {
      notice.textContent = err && err.status === 401 ? s.unauthorized : s.offline
      notice.hidden = false
      if (err && err.status === 401) host.dispatchEvent(new CustomEvent('careloop-inbox:unauthorized', { bubbles: true, composed: true }))
    }

    function setUnread(n) {
      unread = Math.max(0, n)
      count.hidden = unread === 0
      count.textContent = unread > 99 ? '99+' : String(unread)
      titleCount.textContent = unread > 0 ? String(unread) : ''
      bell.setAttribute('aria-label', unread > 0 ? s.bellUnread(unread) : s.bell)
      host.dispatchEvent(new CustomEvent('careloop-inbox:update', { bubbles: true, composed: true, detail: { unread } }))
    }

    function itemFor(m) {
      let li = items.get(m.id)
      if (!li) {
        li = el('li', { class: 'msg', 'data-id': m.id })
        const dot = el('span', { class: 'dot', 'aria-hidden': 'true' })
        const body = el('div', { class: 'body' })
        const h = el('h3')
        const unreadLabel = el('span', { class: 'sr unread-label' })
        const titleText = el('span', { class: 'title-text' })
        h.append(unreadLabel, titleText)
        const p = el('p')
        const meta = el('div', { class: 'meta' })
        const time = el('time')
        meta.append(time)
        body.append(h, p, meta)
        const dismiss = el('button', { type: 'button', class: 'icon-btn dismiss' })
        dismiss.innerHTML = CROSS
        dismiss.addEventListener('click', () => remove(m.id))
        li.append(dot, body, dismiss)
        items.set(m.id, li)
      }
      li.classList.toggle('unread', !m.readAt)
      li.querySelector('.unread-label').textContent = m.readAt ? '' : `${s.unread}: `
      li.querySelector('.title-text').textContent = m.title
      li.querySelector('p').textContent = m.body
      const time = li.querySelector('time')
      time.dateTime = new Date(m.createdAt).toISOString()
      time.textContent = relativeTime(m.createdAt, lang, s)
      time.title = new Date(m.createdAt).toLocaleString(lang)
      li.querySelector('.dismiss').setAttribute('aria-label', s.dismissLabel(m.title))
      const meta = li.querySelector('.meta')
      for (const old of meta.querySelectorAll('.cta, .talk')) old.remove()
      // Every message offers a person: the page behind the link asks, and one request makes one task.
      const talk = m.data && m.data.links && typeof m.data.links.talkToPerson === 'string' ? m.data.links.talkToPerson : ''
      if (talk && isWebUrl(talk)) meta.prepend(el('a', { class: 'talk', href: talk, target: '_blank', rel: 'noopener' }, s.talk))
      if (m.link && isWebUrl(m.link)) {
        const label = m.data && typeof m.data.cta === 'string' && m.data.cta.trim() ? m.data.cta.trim() : s.open
        const a = el('a', { class: 'cta', href: m.link, rel: 'noopener' }, label)
        meta.prepend(a)
      }
      return li
    }

    function render() {
      const ids = new Set(messages.map((m) => m.id))
      for (const [id, li] of items) {
        if (!ids.has(id)) {
          li.remove()
          items.delete(id)
        }
      }
      messages.forEach((m, i) => {
        const li = itemFor(m)
        // Only nodes out of place move (moving a node would take the keyboard focus away).
        if (list.children[i] !== li) list.insertBefore(li, list.children[i] || null)
      })
      empty.hidden = messages.length > 0
      if (loaded) empty.textContent = s.empty
    }

    async function refresh() {
      if (!token) return fail({ status: 401 })
      try {
        const data = await call('GET', '/v1/inbox?limit=30')
        if (destroyed) return
        notice.hidden = true
        const fresh = data.messages.filter((m) => !seen.has(m.id))
        for (const m of data.messages) seen.add(m.id)
        messages = data.messages
        setUnread(data.unread)
        if (loaded && fresh.length > 0) announce(fresh.length === 1 ? s.newOne(fresh[0].title) : s.newMany(fresh.length))
        loaded = true
        render()
        if (isOpen()) markRead()
      } catch (err) {
        if (!destroyed) fail(err)
      }
    }

    async function markRead() {
      const pending = messages.filter((m) => !m.readAt)
      for (const m of pending) {
        m.readAt = Date.now() // shown as read at once; the server agrees a moment later
        try {
          const r = await call('POST', `/v1/inbox/${encodeURIComponent(m.id)}/read`)
          setUnread(r.unread)
        } catch (err) {
          m.readAt = null
          fail(err)
        }
      }
      render()
    }

    async function remove(id) {
      const index = messages.findIndex((m) => m.id === id)
      if (index < 0) return
      try {
        const r = await call('POST', `/v1/inbox/${encodeURIComponent(id)}/dismiss`)
        messages = messages.filter((m) => m.id !== id)
        setUnread(r.unread)
        render()
        announce(s.dismissed)
        // Keep the keyboard in the list: the next message's dismiss button, else the previous, else the panel.
        const next = messages[index] || messages[index - 1]
        const target = next ? items.get(next.id).querySelector('.dismiss') : panel
        target.focus()
      } catch (err) {
        fail(err)
      }
    }

    const isOpen = () => !panel.hidden
    function open() {
      if (isOpen()) return
      panel.hidden = false
      bell.setAttribute('aria-expanded', 'true')
      panel.focus()
      markRead()
    }
    function closePanel(returnFocus = true) {
      if (!isOpen()) return
      panel.hidden = true
      bell.setAttribute('aria-expanded', 'false')
      if (returnFocus) bell.focus()
    }

    bell.addEventListener('click', () => (isOpen() ? closePanel() : open()))
    close.addEventListener('click', () => closePanel())
    root.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && isOpen()) {
        e.preventDefault()
        e.stopPropagation()
        closePanel()
      }
    })
    const outside = (e) => {
      if (isOpen() && !e.composedPath().includes(host)) closePanel(false)
    }
    document.addEventListener('pointerdown', outside, true)
    const onVisible = () => document.visibilityState === 'visible' && refresh()
    document.addEventListener('visibilitychange', onVisible)

    const schedule = () => {
      timer = setTimeout(async () => {
        if (document.visibilityState !== 'hidden') await refresh()
        if (!destroyed) schedule()
      }, pollMs)
    }
    refresh()
    schedule()

    return {
      setToken(next) {
        token = next || ''
        refresh()
      },
      refresh,
      open,
      close: closePanel,
      destroy() {
        destroyed = true
        clearTimeout(timer)
        document.removeEventListener('pointerdown', outside, true)
        document.removeEventListener('visibilitychange', onVisible)
        root.innerHTML = ''
      },
    }
  }

  /** Mounts a widget: into options.target (element or selector), else a new element in the page's corner. */
  function mount(options = {}) {
    let target = typeof options.target === 'string' ? document.querySelector(options.target) : options.target
    const host = document.createElement('span')
    host.className = 'careloop-inbox'
    if (target) target.append(host)
    else {
      host.classList.add('cl-corner')
      document.body.append(host)
    }
    return createInbox(host, options)
  }

  /** Mounts the widget a <script data-token …> tag asks for, next to the tag. */
  function fromScript(script) {
    if (script.__careloopInbox) return
    const d = script.dataset
    const base = d.base || new URL(script.src, location.href).origin
    const options = { token: d.token, base, lang: d.lang, poll: d.poll }
    let widget
    if (d.target) widget = mount({ ...options, target: d.target })
    else if (script.parentElement && script.parentElement !== document.head && document.body.contains(script)) {
      const host = document.createElement('span')
      host.className = 'careloop-inbox'
      script.after(host)
      widget = createInbox(host, options)
    } else widget = mount(options)
    script.__careloopInbox = widget
    // A new token is handed over by changing the attribute.
    new MutationObserver(() => widget.setToken(script.dataset.token)).observe(script, { attributes: true, attributeFilter: ['data-token'] })
  }

  // Which tags: a classic script knows its own; a module (run once per URL) finds every tag.
  const current = document.currentScript
  const scan = () => {
    const tags = current ? [current] : Array.from(document.querySelectorAll('script[src]')).filter((s) => /\/widget\/inbox\.js(?:[?#]|$)/.test(s.src))
    for (const tag of tags) if (tag.dataset && 'token' in tag.dataset) fromScript(tag)
  }

  window.CareloopInbox = window.CareloopInbox || { mount }
  if (document.body) scan()
  else document.addEventListener('DOMContentLoaded', scan, { once: true })
})()
