// The console shell: sign-in with an API key, navigation by role, hash routes to page modules.
// Pages are plain ES modules exporting a component that gets { params, me }.
import { render } from 'preact'
import { useEffect, useRef, useState } from 'preact/hooks'
import { Icon } from './components/icons.js'
import { ToastHost } from './components/alert.js'
import { api, currentLanguage, html, languages, register, session, setLanguage, t } from './lib.js'

/** Route table: pattern → [module, export, roles allowed (admin always)]. */
const ROUTES = [
  ['/', './pages/overview.js', 'OverviewPage', ['ops', 'agent']],
  ['/overview/rules', './pages/ruleOutcomes.js', 'RuleOutcomesPage', ['ops', 'agent']],
  ['/rules', './pages/rules.js', 'RulesPage', ['ops', 'agent']],
  ['/rules/:id', './pages/ruleEditor.js', 'RuleEditorPage', ['ops', 'agent']],
  ['/templates', './pages/templates.js', 'TemplatesPage', ['ops']],
  ['/work', './pages/work.js', 'WorkPage', ['agent', 'ops']],
  ['/tasks/:id', './pages/task.js', 'TaskPage', ['agent', 'ops']],
  ['/reached', './pages/reachedFirst.js', 'ReachedFirstPage', ['ops']],
  ['/webhooks', './pages/webhooks.js', 'WebhooksPage', []],
  ['/queues', './pages/queues.js', 'QueuesPage', ['ops', 'agent']],
  ['/guard-policy', './pages/guardPolicy.js', 'GuardPolicyPage', ['ops']],
  ['/customers', './pages/journey.js', 'JourneyPage', ['ops', 'agent']],
  ['/customers/:id', './pages/journey.js', 'JourneyPage', ['ops', 'agent']],
  ['/audit', './pages/audit.js', 'AuditPage', ['ops']],
  ['/feedback', './pages/feedback.js', 'FeedbackPage', ['ops']],
  ['/reports', './pages/reports.js', 'ReportsPage', ['ops']],
  ['/keys', './pages/keys.js', 'KeysPage', []],
  ['/dead-letters', './pages/deadLetters.js', 'DeadLettersPage', ['ops']],
  ['/dead-letters/:id', './pages/deadLetter.js', 'DeadLetterPage', ['ops']],
]

/** Navigation: [path, label key, icon, roles]. */
const NAV = [
  ['/', 'nav.overview', 'overview', ['ops', 'agent']],
  ['/work', 'nav.work', 'work', ['agent', 'ops']],
  ['/customers', 'nav.customers', 'user', ['ops', 'agent']],
  ['/rules', 'nav.rules', 'rules', ['ops', 'agent']],
  ['/templates', 'nav.templates', 'templates', ['ops']],
  ['/queues', 'nav.queues', 'user', ['ops', 'agent']],
  ['/guard-policy', 'nav.guardPolicy', 'clock', ['ops']],
  ['/reached', 'nav.reached', 'chart', ['ops']],
  ['/reports', 'nav.reports', 'chart', ['ops']],
  ['/feedback', 'nav.feedback', 'message', ['ops']],
  ['/dead-letters', 'nav.deadLetters', 'alert', ['ops']],
  ['/audit', 'nav.audit', 'history', ['ops']],
  ['/webhooks', 'nav.webhooks', 'loop', []],
  ['/keys', 'nav.keys', 'lock', []],
]

register({
  en: {
    'nav.overview': 'Overview',
    'nav.rules': 'Rules',
    'nav.templates': 'Templates',
    'nav.work': 'Work list',
    'nav.reached': 'Reached first',
    'nav.webhooks': 'Webhooks',
    'nav.queues': 'Queues and agents',
    'nav.guardPolicy': 'Guard policy',
    'nav.customers': 'Shoppers',
    'nav.audit': 'Audit log',
    'nav.feedback': 'Feedback',
    'nav.reports': 'Reports',
    'nav.keys': 'API keys',
    'nav.deadLetters': 'Dead letters',
    'nav.signOut': 'Sign out',
    'nav.language': 'Console language',
    'nav.skip': 'Skip to content',
    'nav.main': 'main',
    'role.admin': 'Admin',
    'role.ops': 'Operations',
    'role.agent': 'Agent',
    'role.approver': 'Approver',
    'shell.notFound': 'Page not found',
    'shell.notFoundText': 'There is nothing at this address.',
    'shell.home': 'Go to the overview',
    'shell.loading': 'Loading…',
    'shell.forbidden': 'Your role cannot open this page.',
    'shell.forbiddenTitle': 'Not available for your role',
    'shell.pageFailed': 'This page could not be loaded.',
  },
  'zh-CN': {
    'nav.overview': '概览',
    'nav.rules': '规则',
    'nav.templates': '模板',
    'nav.work': '工作列表',
    'nav.reached': '抢先触达',
    'nav.webhooks': 'Webhook',
    'nav.queues': '队列与客服',
    'nav.guardPolicy': '发送保护策略',
    'nav.customers': '顾客',
    'nav.audit': '审计日志',
    'nav.feedback': '反馈',
    'nav.reports': '报表',
    'nav.keys': 'API 密钥',
    'nav.deadLetters': '死信',
    'nav.signOut': '退出',
    'nav.language': '界面语言 (Console language)',
    'nav.skip': '跳到正文',
    'nav.main': 'main',
    'role.admin': '管理员',
    'role.ops': '运营',
    'role.agent': '客服',
    'role.approver': '审批人',
    'shell.notFound': '页面不存在',
    'shell.notFoundText': '这个地址没有内容。',
    'shell.home': '返回概览',
    'shell.loading': '加载中…',
    'shell.forbidden': '您的角色无法打开此页面。',
    'shell.forbiddenTitle': '您的角色无权访问',
    'shell.pageFailed': '此页面加载失败。',
  },
})

/** Admin may do everything; an approver whatever ops may (and approve others' rule changes). */
const allowed = (me, roles) => me.role === 'admin' || roles.includes(me.role) || (me.role === 'approver' && roles.includes('ops'))

function match(path) {
  const pathname = path.split('?')[0]
  for (const [pattern, module, name, roles] of ROUTES) {
    const keys = []
    const re = new RegExp('^' + pattern.replace(/:(\w+)/g, (_, k) => (keys.push(k), '([^/]+)')) + '$')
    const m = re.exec(pathname)
    if (m) return { module, name, roles, params: Object.fromEntries(keys.map((k, i) => [k, decodeURIComponent(m[i + 1])])) }
  }
  return undefined
}

const currentPath = () => location.hash.replace(/^#/, '') || '/'

function Message({ title, text, action }) {
  return html`<div class="page"><div class="card empty" role="alert">
    <div class="empty-icon"><${Icon} name="alert" size=${20} /></div>
    <p class="empty-title">${title}</p>
    ${text && html`<p class="empty-text">${text}</p>`}
    ${action && html`<div class="toolbar">${action}</div>`}
  </div></div>`
}

function Page({ route, me }) {
  const [component, setComponent] = useState(undefined)
  const [failed, setFailed] = useState(false)
  const ok = allowed(me, route.roles)
  useEffect(() => {
    if (!ok) return
    let live = true
    setComponent(undefined)
    setFailed(false)
    import(route.module).then(
      (m) => live && (m[route.name] ? setComponent(() => m[route.name]) : setFailed(true)),
      () => live && setFailed(true),
    )
    return () => (live = false)
  }, [route.module, route.name, ok])
  if (!ok) return html`<${Message} title=${t('shell.forbiddenTitle')} text=${t('shell.forbidden')} action=${html`<a class="button" href="#/">${t('shell.home')}</a>`} />`
  if (failed) return html`<${Message} title=${t('shell.pageFailed')} />`
  if (!component) return html`<p class="loading" aria-busy="true">${t('shell.loading')}</p>`
  return html`<${component} params=${route.params} me=${me} />`
}

function LanguageSelect({ onChange, id = 'lang' }) {
  return html`
    <label class="lang" for=${id}>
      <span class="visually-hidden">${t('nav.language')}</span>
      <select id=${id} class="small" value=${currentLanguage()} onChange=${(e) => (setLanguage(e.target.value), onChange(e.target.value))} style="width:auto;height:28px;min-height:28px;font-size:12.5px">
        ${languages.map((l) => html`<option value=${l.id}>${l.label}</option>`)}
      </select>
    </label>
  `
}

function isCurrent(path, href) {
  const pathname = path.split('?')[0]
  if (href === '/') return pathname === '/' || pathname.startsWith('/overview/')
  if (href === '/work') return pathname === '/work' || pathname.startsWith('/tasks/')
  return pathname === href || pathname.startsWith(href + '/')
}

function App() {
  const [path, setPath] = useState(currentPath())
  const [me, setMe] = useState(undefined)
  const [lang, setLang] = useState(currentLanguage())
  const main = useRef(null)
  const first = useRef(true)
  useEffect(() => {
    const onHash = () => setPath(currentPath())
    addEventListener('hashchange', onHash)
    return () => removeEventListener('hashchange', onHash)
  }, [])
  useEffect(() => {
    if (!session.key) return setMe(null)
    api('GET', '/api/me').then(setMe, () => ((session.key = ''), setMe(null)))
  }, [])
  // After a navigation, focus goes to the page (screen readers start at its heading).
  useEffect(() => {
    if (first.current) return void (first.current = false)
    main.current?.focus({ preventScroll: true })
    scrollTo(0, 0)
  }, [path])
  if (me === undefined) return html`<p class="loading" aria-busy="true" style="padding:24px">${t('shell.loading')}</p>`
  if (me === null) return html`<${SignIn} onSignedIn=${setMe} onLanguage=${setLang} /><${ToastHost} />`
  const route = match(path)
  const nav = NAV.filter(([, , , roles]) => allowed(me, roles))
  const signOut = () => {
    session.key = ''
    setMe(null)
    location.hash = '#/'
  }
  return html`
    <div class="shell" data-lang=${lang}>
      <button type="button" class="skip-link" onClick=${() => main.current?.focus()}>${t('nav.skip')}</button>
      <aside class="sidebar">
        <a class="brand" href="#/"><span class="brand-mark"><${Icon} name="loop" size=${15} strokeWidth=${2.2} /></span>careloop</a>
        <nav class="nav" aria-label=${t('nav.main')}>
          ${nav.map(([href, key, icon]) => html`<a href=${'#' + href} aria-current=${isCurrent(path, href) ? 'page' : undefined}><${Icon} name=${icon} />${t(key)}</a>`)}
        </nav>
        <div class="sidebar-footer">
          <div class="who">
            <span class="avatar" aria-hidden="true">${(me.name || me.role || '?').slice(0, 1)}</span>
            <span class="who-text">
              <span class="who-name">${me.name || me.role}</span><br />
              <span class="who-role">${t(`role.${me.role}`)}</span>
            </span>
          </div>
          <div class="row">
            <${LanguageSelect} onChange=${setLang} />
            <button type="button" class="ghost small" onClick=${signOut}><${Icon} name="logout" size=${14} />${t('nav.signOut')}</button>
          </div>
        </div>
      </aside>
      <main id="main" class="content" ref=${main} tabindex="-1">
        ${route
          ? html`<${Page} key=${path.split('?')[0]} route=${route} me=${me} />`
          : html`<${Message} title=${t('shell.notFound')} text=${t('shell.notFoundText')} action=${html`<a class="button" href="#/">${t('shell.home')}</a>`} />`}
      </main>
      <${ToastHost} />
    </div>
  `
}

register({
  en: {
    'signIn.title': 'Sign in',
    'signIn.lead': 'Use the API key you were given. It stays in this browser tab only.',
    'signIn.key': 'API key',
    'signIn.submit': 'Sign in',
    'signIn.bad': 'That key was not accepted.',
    'signIn.busy': 'Signing in…',
  },
  'zh-CN': {
    'signIn.title': '登录',
    'signIn.lead': '使用分配给您的 API 密钥。它只保存在当前浏览器标签页中。',
    'signIn.key': 'API 密钥',
    'signIn.submit': '登录',
    'signIn.bad': '密钥无效。',
    'signIn.busy': '正在登录…',
  },
})

function SignIn({ onSignedIn, onLanguage }) {
  const [key, setKey] = useState('')
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)
  const [, setLang] = useState(currentLanguage())
  const submit = async (e) => {
    e.preventDefault()
    setBusy(true)
    session.key = key.trim()
    try {
      const me = await api('GET', '/api/me')
      // Agents work the list: they land on it, not on the ops overview.
      if (me.role === 'agent' && currentPath() === '/') location.hash = '#/work'
      onSignedIn(me)
    } catch (err) {
      session.key = ''
      // The server says why when it knows (a write key, a revoked key); otherwise the plain line.
      const why = err?.status === 401 && typeof err.body?.message === 'string' && /write key|revoked/.test(err.body.message) ? err.body.message : ''
      setError(why ? `${t('signIn.bad')} ${why}` : t('signIn.bad'))
      setBusy(false)
    }
  }
  return html`
    <main class="signin">
      <form onSubmit=${submit} class="card signin-card" aria-labelledby="signin-title">
        <div class="row" style="justify-content:space-between">
          <span class="brand"><span class="brand-mark"><${Icon} name="loop" size=${15} strokeWidth=${2.2} /></span>careloop</span>
          <${LanguageSelect} id="signin-lang" onChange=${(l) => (setLang(l), onLanguage(l))} />
        </div>
        <div class="stack-sm">
          <h1 id="signin-title">${t('signIn.title')}</h1>
          <p class="subtle">${t('signIn.lead')}</p>
        </div>
        <div class="field">
          <label for="api-key">${t('signIn.key')}</label>
          <input id="api-key" type="password" autocomplete="current-password" value=${key} onInput=${(e) => setKey(e.target.value)} required aria-invalid=${error ? 'true' : undefined} aria-describedby=${error ? 'api-key-error' : undefined} />
          ${error && html`<p class="field-error" id="api-key-error" role="alert">${error}</p>`}
        </div>
        <button type="submit" class="primary" disabled=${busy}>${busy ? t('signIn.busy') : t('signIn.submit')}</button>
      </form>
    </main>
  `
}

setLanguage(currentLanguage())
render(html`<${App} />`, document.getElementById('app'))
