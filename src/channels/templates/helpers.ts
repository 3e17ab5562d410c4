// Template helpers. Each one returns '' for missing or unusable input, so an optional variable
// never shows up as "undefined", "NaN" or "Invalid Date" in a shopper's inbox.
import type Handlebars from 'handlebars'

export type DateStyle = 'full' | 'long' | 'medium' | 'short'

/** Per-render settings the renderer passes as Handlebars data (@locale, @formatLocale, @timeZone). */
export interface RenderData {
  locale: string
  formatLocale: string
  timeZone: string | undefined
}

const DATE_PARTS: Record<DateStyle, Intl.DateTimeFormatOptions> = {
  full: { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' },
  long: { year: 'numeric', month: 'long', day: 'numeric' },
  medium: { year: 'numeric', month: 'short', day: 'numeric' },
  short: { year: 'numeric', month: 'numeric', day: 'numeric' },
}

/** Epoch ms (number or digits), ISO 8601 string or Date → epoch ms; undefined when unusable. */
export function toEpochMs(value: unknown): number | undefined {
  let ms: number
  if (typeof value === 'number') ms = value
  else if (value instanceof Date) ms = value.getTime()
  else if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) ms = Number(value.trim())
  else if (typeof value === 'string' && value.trim() !== '') ms = Date.parse(value)
  else return undefined
  // Outside ±8.64e15 a Date is invalid and Intl throws.
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? ms : undefined
}

function validTimeZone(timeZone: string | undefined): string {
  if (timeZone === undefined || timeZone === '') return 'UTC'
  try {
    new Intl.DateTimeFormat('en', { timeZone })
    return timeZone
  } catch {
    // A bad zone in a profile must not block a message; UTC is at worst a few hours off.
    return 'UTC'
  }
}

/** A localized date (optionally with time) in the shopper's time zone (UTC when unknown). */
export function formatDate(
  value: unknown,
  locale: string,
  timeZone: string | undefined,
  options: { style?: DateStyle; time?: boolean } = {},
): string {
  const ms = toEpochMs(value)
  if (ms === undefined) return ''
  const parts: Intl.DateTimeFormatOptions = { ...DATE_PARTS[options.style ?? 'full'], timeZone: validTimeZone(timeZone) }
  if (options.time) Object.assign(parts, { hour: 'numeric', minute: '2-digit', timeZoneName: 'short' })
  return new Intl.DateTimeFormat(locale, parts).format(ms)
}

function toAmount(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN
  return Number.isFinite(n) ? n : undefined
}

/** Amount with its currency, localized ("$1,234.50", "US$1,234.50", "¥1,200"); plain number without one. */
export function formatMoney(amount: unknown, currency: unknown, locale: string): string {
  const n = toAmount(amount)
  if (n === undefined) return ''
  const code = typeof currency === 'string' ? currency.trim().toUpperCase() : ''
  if (/^[A-Z]{3}$/.test(code)) {
    try {
      return new Intl.NumberFormat(locale, { style: 'currency', currency: code }).format(n)
    } catch {
      // fall through: shown as a number with the code beside it
    }
  }
  const plain = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(n)
  return typeof currency === 'string' && currency.trim() !== '' ? `${plain} ${currency.trim()}` : plain
}

const LINK_PROTOCOLS = new Set(['http:', 'https:', 'mailto:', 'tel:'])

/** The URL when it is a web, mail or phone link; '' otherwise (no javascript: or data: hrefs). */
export function safeUrl(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') return ''
  try {
    const url = new URL(value.trim())
    return LINK_PROTOCOLS.has(url.protocol) ? url.href : ''
  } catch {
    return ''
  }
}

function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '' && !(typeof value === 'number' && Number.isNaN(value))
}

/** Splits a helper call's arguments from the Handlebars options object it always ends with. */
function split(args: unknown[]): { params: unknown[]; options: Handlebars.HelperOptions } {
  const options = args[args.length - 1] as Handlebars.HelperOptions
  return { params: args.slice(0, -1), options }
}

function renderData(options: Handlebars.HelperOptions): RenderData {
  const data = (options.data ?? {}) as Partial<RenderData>
  const locale = data.locale ?? 'en'
  return { locale, formatLocale: data.formatLocale ?? locale, timeZone: data.timeZone }
}

const DATE_STYLES = new Set<string>(['full', 'long', 'medium', 'short'])

export function registerHelpers(env: typeof Handlebars): void {
  // {{formatDate order.estimated_delivery_at}} · {{formatDate x style="medium" time=true}}
  env.registerHelper('formatDate', (...args: unknown[]) => {
    const { params, options } = split(args)
    const { formatLocale, timeZone } = renderData(options)
    const hash = (options.hash ?? {}) as Record<string, unknown>
    const style = typeof hash.style === 'string' && DATE_STYLES.has(hash.style) ? (hash.style as DateStyle) : 'full'
    return formatDate(params[0], formatLocale, timeZone, { style, time: hash.time === true })
  })
  // {{money event.properties.value event.properties.currency}}
  env.registerHelper('money', (...args: unknown[]) => {
    const { params, options } = split(args)
    return formatMoney(params[0], params[1], renderData(options).formatLocale)
  })
  // href="{{href links.checkout}}": escaped by Handlebars as usual, and only http(s)/mailto/tel.
  env.registerHelper('href', (...args: unknown[]) => safeUrl(split(args).params[0]))
  // {{#if (notInBody (href links.talkToPerson))}} in a layout's footer: the link, unless the
  // message body already offers it (a shopper should not read the same offer twice).
  env.registerHelper('notInBody', (...args: unknown[]) => {
    const { params, options } = split(args)
    const url = typeof params[0] === 'string' ? params[0] : ''
    const body = (options.data as { body?: unknown } | undefined)?.body
    if (url === '' || typeof body !== 'string') return url
    return body.includes(url) || body.includes(env.escapeExpression(url)) ? '' : url
  })
  // {{or name product_id}}: the first value that is present.
  env.registerHelper('or', (...args: unknown[]) => split(args).params.find(isPresent) ?? '')
}
