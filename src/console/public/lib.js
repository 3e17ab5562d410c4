// Shared by every page: html (htm bound to preact), the API client and translations.
import { h } from 'preact'
import htm from 'htm'
import { ZH_TW } from './i18n/zhTW.js'

export const html = htm.bind(h)

const KEY = 'careloop.apiKey'
export const session = {
  get key() {
    return sessionStorage.getItem(KEY) ?? ''
  },
  set key(value) {
    if (value) sessionStorage.setItem(KEY, value)
    else sessionStorage.removeItem(KEY)
  },
}

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`)
    this.status = status
    this.body = body
  }
}

/** Calls the careloop API with the session's key; throws ApiError with the server's message. */
export async function api(method, path, body) {
  const headers = { authorization: `Bearer ${session.key}` }
  if (body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await res.text()
  const data = text ? JSON.parse(text) : undefined
  if (!res.ok) throw new ApiError(res.status, data)
  return data
}

const dictionaries = { en: {}, 'zh-CN': {}, 'zh-TW': {} }
const LANG = 'careloop.lang'
export const languages = [
  { id: 'en', label: 'English' },
  { id: 'zh-CN', label: '简体中文' },
  { id: 'zh-TW', label: '繁體中文' },
]
/** The browser's language as one of the console's: Taiwan, Hong Kong, Macau and Hant read zh-TW. */
function browserLanguage() {
  const lang = (navigator.language ?? '').toLowerCase()
  if (/^zh-(tw|hk|mo|hant)/.test(lang)) return 'zh-TW'
  return lang.startsWith('zh') ? 'zh-CN' : 'en'
}
export function currentLanguage() {
  const saved = localStorage.getItem(LANG)
  return languages.some((l) => l.id === saved) ? saved : browserLanguage()
}
export function setLanguage(lang) {
  localStorage.setItem(LANG, lang)
  document.documentElement.lang = lang
}
/** Each page module registers its own strings: register({ en: {...}, 'zh-CN': {...} }). */
export function register(strings) {
  for (const [lang, entries] of Object.entries(strings)) Object.assign((dictionaries[lang] ??= {}), entries)
}
/** t('rules.title') or t('tasks.due', { minutes: 5 }): the current language, then English, then the key. */
export function t(key, vars = {}) {
  const lang = currentLanguage()
  // zh-TW: a page's own Traditional string, else its Simplified one as OpenCC writes it for Taiwan.
  const simplified = lang === 'zh-TW' ? dictionaries['zh-CN'][key] : undefined
  const converted = simplified === undefined ? undefined : (ZH_TW.get(simplified) ?? simplified)
  const text = dictionaries[lang]?.[key] ?? converted ?? dictionaries.en[key] ?? key
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ''))
}
