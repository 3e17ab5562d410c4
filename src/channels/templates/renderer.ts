// Renders a message template for a shopper: picks the locale, fills subject, HTML and text from
// the message variables, wraps them in the shared layout. One isolated Handlebars environment per
// renderer, with Handlebars 4.7's safe defaults: HTML escaped, prototype properties and methods
// not reachable from templates.
import { fileURLToPath } from 'node:url'
import Handlebars from 'handlebars'
import { PermanentSendError, type MessageVars } from '../types.ts'
import { registerHelpers, type RenderData } from './helpers.ts'
import { listTemplateIds, loadShared, loadTemplate, type Compiled, type TemplateParts } from './loader.ts'
import { formattingLocale, resolveLocale } from './locale.ts'

export interface RenderedMessage {
  subject: string
  html: string
  text: string
  /** The locale actually used (after fallback). */
  locale: string
}

export interface TemplateRenderer {
  /** Throws PermanentSendError for an unknown template or one that fails to render. */
  render(templateId: string, locale: string, vars: MessageVars): RenderedMessage
  /** Template ids found in the directory. */
  templateIds(): string[]
  /** Locales a template is written in (empty when it does not exist). */
  locales(templateId: string): string[]
}

export interface TemplateRendererOptions {
  /** Template root; defaults to the email templates shipped beside this module. */
  dir?: string | URL
}

export const DEFAULT_EMAIL_TEMPLATE_DIR = fileURLToPath(new URL('./email/', import.meta.url))

// Stated explicitly (they are also Handlebars 4.7's defaults) so nobody flips them by accident.
const RUNTIME_SAFETY = { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false } as const

/** Plain text: no trailing spaces, at most one blank line in a row (optional blocks leave gaps). */
function tidyText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
}

/** A header value: one line, single spaces. */
const tidyLine = (text: string): string => text.replace(/\s+/g, ' ').trim()

export function createTemplateRenderer(options: TemplateRendererOptions = {}): TemplateRenderer {
  const dir = options.dir === undefined ? DEFAULT_EMAIL_TEMPLATE_DIR : typeof options.dir === 'string' ? options.dir : fileURLToPath(options.dir)
  const env = Handlebars.create()
  registerHelpers(env)
  const shared = loadShared(env, dir)
  const sharedLocales = [...shared.locales.keys()]
  const cache = new Map<string, Map<string, TemplateParts>>()

  function template(templateId: string): Map<string, TemplateParts> {
    let locales = cache.get(templateId)
    if (!locales) {
      try {
        locales = loadTemplate(env, dir, templateId)
      } catch (err) {
        throw new PermanentSendError(`email template "${templateId}" is broken: ${(err as Error).message}`, { cause: err })
      }
      if (!locales) throw new PermanentSendError(`unknown email template "${templateId}"`)
      cache.set(templateId, locales)
    }
    return locales
  }

  function partialsFor(locale: string): Record<string, Compiled> {
    const localized = sharedLocales.length > 0 ? shared.locales.get(resolveLocale(locale, sharedLocales)) : undefined
    return { ...shared.common, ...localized }
  }

  function render(templateId: string, locale: string, vars: MessageVars): RenderedMessage {
    const locales = template(templateId)
    const resolved = resolveLocale(locale, [...locales.keys()])
    const parts = locales.get(resolved)
    if (!parts) throw new PermanentSendError(`email template "${templateId}" has no locale ${resolved}`)
    const data: RenderData = {
      locale: resolved,
      formatLocale: formattingLocale(locale, resolved),
      timeZone: vars.customer?.timezone,
    }
    const partials = partialsFor(resolved)
    const run = (fn: Compiled, extra: Record<string, unknown> = {}): string =>
      fn(vars, { ...RUNTIME_SAFETY, partials, data: { ...data, ...extra } })
    try {
      const subject = tidyLine(run(parts.subject))
      const preheader = parts.preheader ? tidyLine(run(parts.preheader)) : ''
      const layoutData = { subject, preheader }
      const htmlBody = run(parts.html)
      const textBody = tidyText(run(parts.text))
      // The body is already-rendered (escaped) HTML, so the layout inserts it with {{{@body}}}.
      const html = shared.layoutHtml ? run(shared.layoutHtml, { ...layoutData, body: htmlBody }) : htmlBody
      const text = shared.layoutText ? tidyText(run(shared.layoutText, { ...layoutData, body: textBody })) : textBody
      return { subject, html, text, locale: resolved }
    } catch (err) {
      throw new PermanentSendError(`email template "${templateId}" (${resolved}) failed to render: ${(err as Error).message}`, { cause: err })
    }
  }

  return {
    render,
    templateIds: () => listTemplateIds(dir),
    locales: (templateId) => {
      try {
        return [...template(templateId).keys()].sort()
      } catch {
        return []
      }
    },
  }
}
