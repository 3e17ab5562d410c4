// Renders one channel's templates for a shopper: picks the locale, fills each section from the
// message variables, wraps sections in their shared layouts. One isolated Handlebars environment
// per engine, with Handlebars 4.7's safe defaults: HTML escaped where the spec says html,
// prototype properties and methods not reachable from templates.
import { fileURLToPath } from 'node:url'
import Handlebars from 'handlebars'
import { PermanentSendError, type ContentRenderer, type MessageVars, type RenderedParts } from '../types.ts'
import { registerHelpers, type RenderData } from './helpers.ts'
import { listTemplateIds, loadShared, loadTemplate, type Compiled, type TemplateParts } from './loader.ts'
import { formattingLocale, resolveLocale } from './locale.ts'
import { tidy, type TemplateSpec } from './specs.ts'

// Stated explicitly (they are also Handlebars 4.7's defaults) so nobody flips them by accident.
const RUNTIME_SAFETY = { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false } as const

export const toPath = (dir: string | URL): string => (typeof dir === 'string' ? dir : fileURLToPath(dir))

/**
 * A renderer for the templates in `dir`, laid out as `spec` says. Shared parts load (and fail)
 * now; each template loads on first use and is cached. Optional sections that render empty are
 * left out of `parts`; a required one that renders empty is an error (a blank SMS or call).
 */
export function createTemplateEngine(spec: TemplateSpec, dir: string): ContentRenderer {
  const env = Handlebars.create()
  registerHelpers(env)
  const shared = loadShared(env, dir, spec)
  const sharedLocales = [...shared.locales.keys()]
  const cache = new Map<string, Map<string, TemplateParts>>()
  const named = (templateId: string): string => `${spec.channel} template "${templateId}"`

  function template(templateId: string): Map<string, TemplateParts> {
    let locales = cache.get(templateId)
    if (!locales) {
      try {
        locales = loadTemplate(env, dir, templateId, spec)
      } catch (err) {
        throw new PermanentSendError(`${named(templateId)} is broken: ${(err as Error).message}`, { cause: err })
      }
      if (!locales) throw new PermanentSendError(`unknown ${named(templateId)}`)
      cache.set(templateId, locales)
    }
    return locales
  }

  function partialsFor(locale: string): Record<string, Compiled> {
    const localized = sharedLocales.length > 0 ? shared.locales.get(resolveLocale(locale, sharedLocales)) : undefined
    return { ...shared.common, ...localized }
  }

  function render(templateId: string, locale: string, vars: MessageVars): RenderedParts {
    const locales = template(templateId)
    const resolved = resolveLocale(locale, [...locales.keys()])
    const compiled = locales.get(resolved)
    if (!compiled) throw new PermanentSendError(`${named(templateId)} has no locale ${resolved}`)
    const data: RenderData = { locale: resolved, formatLocale: formattingLocale(locale, resolved), timeZone: vars.customer?.timezone }
    const partials = partialsFor(resolved)
    const run = (fn: Compiled, extra: Record<string, unknown> = {}): string => fn(vars, { ...RUNTIME_SAFETY, partials, data: { ...data, ...extra } })
    try {
      const rendered: Record<string, string> = {}
      for (const [name, section] of Object.entries(spec.sections)) {
        const fn = compiled[name]
        if (!fn) continue
        const out = tidy(run(fn), section.tidy)
        if (out.trim() !== '') rendered[name] = out
        else if (section.required) throw new Error(`section @${name} rendered empty`)
      }
      // Layouts see every section as rendered (e.g. the email <title> is @subject); a section
      // that holds already-rendered HTML goes in with {{{@body}}}.
      const parts: Record<string, string> = {}
      for (const [name, body] of Object.entries(rendered)) {
        const layout = shared.layouts[name]
        parts[name] = layout ? tidy(run(layout, { ...rendered, body }), spec.sections[name]?.tidy ?? 'none') : body
      }
      return { locale: resolved, parts }
    } catch (err) {
      throw new PermanentSendError(`${named(templateId)} (${resolved}) failed to render: ${(err as Error).message}`, { cause: err })
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
