// The console shell: sign-in with an API key, navigation by role, hash routes to page modules.
// Pages are plain ES modules exporting a component that gets { params, me }.
import { render } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { api, currentLanguage, html, languages, register, session, setLanguage, t } from './lib.js'

/** Route table: pattern → [module, export, roles allowed (admin always)]. */
const ROUTES = [
  ['/', './pages/overview.js', 'OverviewPage', ['ops', 'agent']],
  ['/rules', './pages/rules.js', 'RulesPage', ['ops', 'agent']],
  ['/rules/:id', './pages/ruleEditor.js', 'RuleEditorPage', ['ops', 'agent']],
  ['/templates', './pages/templates.js', 'TemplatesPage', ['ops']],
  ['/work', './pages/work.js', 'WorkPage', ['agent', 'ops']],
  ['/tasks/:id', './pages/task.js', 'TaskPage', ['agent', 'ops']],
]

register({
  en: { 'nav.overview': 'Overview', 'nav.rules': 'Rules', 'nav.templates': 'Templates', 'nav.work': 'Work list', 'nav.signOut': 'Sign out', 'shell.notFound': 'Page not found', 'shell.loading': 'Loading…', 'shell.forbidden': 'Your role cannot open this page.' },
  'zh-CN': { 'nav.overview': '概览', 'nav.rules': '规则', 'nav.templates': '模板', 'nav.work': '工作列表', 'nav.signOut': '退出', 'shell.notFound': '页面不存在', 'shell.loading': '加载中…', 'shell.forbidden': '您的角色无法打开此页面。' },
})

function match(path) {
  for (const [pattern, module, name, roles] of ROUTES) {
    const keys = []
    const re = new RegExp('^' + pattern.replace(/:(\w+)/g, (_, k) => (keys.push(k), '([^/]+)')) + '$')
    const m = re.exec(path)
    if (m) return { module, name, roles, params: Object.fromEntries(keys.map((k, i) => [k, decodeURIComponent(m[i + 1])])) }
  }
  return undefined
}

const currentPath = () => location.hash.replace(/^#/, '') || '/'

function Page({ route, me }) {
  const [component, setComponent] = useState(undefined)
  useEffect(() => {
    let live = true
    setComponent(undefined)
    import(route.module).then((m) => live && setComponent(() => m[route.name]))
    return () => (live = false)
  }, [route.module, route.name])
  if (me.role !== 'admin' && !route.roles.includes(me.role)) return html`<p role="alert">${t('shell.forbidden')}</p>`
  if (!component) return html`<p aria-busy="true">${t('shell.loading')}</p>`
  return html`<${component} params=${route.params} me=${me} />`
}

function App() {
  const [path, setPath] = useState(currentPath())
  const [me, setMe] = useState(undefined)
  const [, setLang] = useState(currentLanguage())
  useEffect(() => {
    const onHash = () => setPath(currentPath())
    addEventListener('hashchange', onHash)
    return () => removeEventListener('hashchange', onHash)
  }, [])
  useEffect(() => {
    if (!session.key) return setMe(null)
    api('GET', '/api/me').then(setMe, () => ((session.key = ''), setMe(null)))
  }, [session.key])
  if (me === undefined) return html`<p aria-busy="true">${t('shell.loading')}</p>`
  if (me === null) return html`<${SignIn} onSignedIn=${setMe} />`
  const route = match(path)
  const nav = [
    ['/', 'nav.overview', ['ops', 'agent']],
    ['/rules', 'nav.rules', ['ops', 'agent']],
    ['/templates', 'nav.templates', ['ops']],
    ['/work', 'nav.work', ['agent', 'ops']],
  ].filter(([, , roles]) => me.role === 'admin' || roles.includes(me.role))
  return html`
    <header class="topbar">
      <a class="brand" href="#/">careloop</a>
      <nav aria-label="main">
        ${nav.map(([href, key]) => html`<a href=${'#' + href} aria-current=${path === href || (href !== '/' && path.startsWith(href)) ? 'page' : undefined}>${t(key)}</a>`)}
      </nav>
      <div class="topbar-end">
        <label class="lang">
          <span class="visually-hidden">Language / 语言</span>
          <select value=${currentLanguage()} onChange=${(e) => (setLanguage(e.target.value), setLang(e.target.value))}>
            ${languages.map((l) => html`<option value=${l.id}>${l.label}</option>`)}
          </select>
        </label>
        <span class="who">${me.name} · ${me.role}</span>
        <button type="button" class="link" onClick=${() => ((session.key = ''), setMe(null))}>${t('nav.signOut')}</button>
      </div>
    </header>
    <main id="main">${route ? html`<${Page} key=${path} route=${route} me=${me} />` : html`<p>${t('shell.notFound')}</p>`}</main>
  `
}

register({
  en: { 'signIn.title': 'Sign in to careloop', 'signIn.key': 'API key', 'signIn.submit': 'Sign in', 'signIn.bad': 'That key was not accepted.' },
  'zh-CN': { 'signIn.title': '登录 careloop', 'signIn.key': 'API 密钥', 'signIn.submit': '登录', 'signIn.bad': '密钥无效。' },
})

function SignIn({ onSignedIn }) {
  const [key, setKey] = useState('')
  const [error, setError] = useState('')
  const submit = async (e) => {
    e.preventDefault()
    session.key = key.trim()
    try {
      onSignedIn(await api('GET', '/api/me'))
    } catch {
      session.key = ''
      setError(t('signIn.bad'))
    }
  }
  return html`
    <main class="signin">
      <form onSubmit=${submit} class="card">
        <h1>${t('signIn.title')}</h1>
        <label for="api-key">${t('signIn.key')}</label>
        <input id="api-key" type="password" autocomplete="current-password" value=${key} onInput=${(e) => setKey(e.target.value)} required />
        ${error && html`<p class="error" role="alert">${error}</p>`}
        <button type="submit" class="primary">${t('signIn.submit')}</button>
      </form>
    </main>
  `
}

setLanguage(currentLanguage())
render(html`<${App} />`, document.getElementById('app'))
