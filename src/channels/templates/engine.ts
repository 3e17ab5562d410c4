// Renders one channel's templates for a shopper: picks the locale, fills each section from the
// message variables, wraps sections in their shared layouts. One isolated Handlebars environment
// per engine, with Handlebars 4.7's safe defaults: HTML escaped where the spec says html,
// prototype properties and methods not reachable from templates.
import { fileURLToPath } from 'node:url'
import Handlebars from 'handlebars'
import type { MessageVars } from '../../model/outbox.ts'
import { PermanentSendError, type ContentRenderer, type RenderedParts } from '../types.ts'
import { registerHelpers, type RenderData } from './helpers.ts'
import { compileTemplateText, listTemplateIds, loadShared, loadTemplate, readTemplateText, type Compiled, type Env, type SharedParts, type TemplateParts } from './loader.ts'
import { canonicalLocale, formattingLocale, resolveLocale } from './locale.ts'
import type { TemplateOverrides } from './overrides.ts'
import { tidy, type TemplateSpec } from './specs.ts'

// Stated explicitly (they are also Handlebars 4.7's defaults) so nobody flips them by accident.
const RUNTIME_SAFETY = { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false } as const

export const toPath = (dir: string | URL): string => (typeof dir === 'string' ? dir : fileURLToPath(dir))

/** What the console needs to edit templates: the shipped text and previews of unsaved edits. */
export interface TemplateDrafts {
  /** The shipped file text of a template in the locale it renders in for `locale` (after fallback). */
  source(templateId: string, locale: string): { locale: string; text: string }
  /**
   * Renders unsaved file text (all sections, as in the files) as template `templateId` in `locale`,
   * with the same helpers, partials and layouts, compiled in a Handlebars environment of its own:
   * nothing of a draft reaches the environment real sends use.
   */
  renderDraft(templateId: string, locale: string, text: string, vars: MessageVars): RenderedParts
  /** The shipped file's text of exactly this locale; undefined when none was shipped. */
  shippedText(templateId: string, locale: string): string | undefined
}

export type DraftableRenderer = ContentRenderer & TemplateDrafts

export function supportsDrafts(renderer: object): renderer is TemplateDrafts {
  const r = renderer as Partial<TemplateDrafts>
  return typeof r.source === 'function' && typeof r.renderDraft === 'function'
}

/**
 * A renderer for the templates in `dir`, laid out as `spec` says. Shared parts load (and fail)
 * now; each template loads on first use and is cached. Optional sections that render empty are
 * left out of `parts`; a required one that renders empty is an error (a blank SMS or call).
 */
export interface TemplateEngineOptions {
  /** Live stored versions, consulted first for the resolved locale; the files are the fallback. */
  overrides?: TemplateOverrides | undefined
}

export function createTemplateEngine(spec: TemplateSpec, dir: string, options: TemplateEngineOptions = {}): DraftableRenderer {
  const env = Handlebars.create()
  registerHelpers(env)
  const shared = loadShared(env, dir, spec)
  const cache = new Map<string, Map<string, TemplateParts>>()
  const named = (templateId: string): string => `${spec.channel} template "${templateId}"`
  let drafts: { env: Env; shared: SharedParts } | undefined

  /** The shipped files of a template by locale; undefined when it has none (it may be stored only). */
  function files(templateId: string): Map<string, TemplateParts> | undefined {
    let locales = cache.get(templateId)
    if (!locales) {
      try {
        locales = loadTemplate(env, dir, templateId, spec)
      } catch (err) {
        throw new PermanentSendError(`${named(templateId)} is broken: ${(err as Error).message}`, { cause: err })
      }
      if (locales) cache.set(templateId, locales)
    }
    return locales
  }

  /** Every locale a template renders in: its files' and its live stored versions'. */
  function localesOf(templateId: string): string[] {
    const stored = options.overrides?.locales(spec.channel, templateId) ?? []
    return [...new Set([...(files(templateId)?.keys() ?? []), ...stored])].sort()
  }

  /** The locale a message in `locale` renders in; throws for a template that does not exist. */
  function resolved(templateId: string, locale: string): string {
    const available = localesOf(templateId)
    if (available.length === 0) throw new PermanentSendError(`unknown ${named(templateId)}`)
    return resolveLocale(locale, available)
  }

  function renderCompiled(templateId: string, compiled: TemplateParts, parts: SharedParts, resolved: string, locale: string, vars: MessageVars): RenderedParts {
    const data: RenderData = { locale: resolved, formatLocale: formattingLocale(locale, resolved), timeZone: vars.customer?.timezone }
    const partials = partialsFor(parts, resolved)
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
      const out: Record<string, string> = {}
      for (const [name, body] of Object.entries(rendered)) {
        const layout = parts.layouts[name]
        out[name] = layout ? tidy(run(layout, { ...rendered, body }), spec.sections[name]?.tidy ?? 'none') : body
      }
      return { locale: resolved, parts: out }
    } catch (err) {
      throw new PermanentSendError(`${named(templateId)} (${resolved}) failed to render: ${(err as Error).message}`, { cause: err })
    }
  }

  function render(templateId: string, locale: string, vars: MessageVars): RenderedParts {
    const to = resolved(templateId, locale)
    const shipped = files(templateId)
    const override = options.overrides?.get(spec.channel, templateId, to)
    if (override) {
      try {
        return renderCompiled(templateId, override.parts, shared, to, locale, vars)
      } catch (err) {
        // A stored version that fails for this shopper must not stop the message: send the file
        // (in the nearest locale the files have), or fail like a broken file when there is none.
        options.overrides?.failed(spec.channel, templateId, to, err)
        if (!shipped) throw err
      }
    }
    const fileLocale = shipped?.has(to) ? to : shipped && resolveLocale(locale, [...shipped.keys()])
    const compiled = fileLocale === undefined ? undefined : shipped?.get(fileLocale)
    if (fileLocale === undefined || !compiled) throw new PermanentSendError(`${named(templateId)} has no locale ${to}`)
    return renderCompiled(templateId, compiled, shared, fileLocale, locale, vars)
  }

  /** The text in the resolved locale: the shipped file, or for a stored-only locale its live version. */
  function source(templateId: string, locale: string): { locale: string; text: string } {
    const to = resolved(templateId, locale)
    const text = readTemplateText(dir, templateId, to) ?? options.overrides?.get(spec.channel, templateId, to)?.source
    if (text === undefined) throw new PermanentSendError(`${named(templateId)} has no locale ${to}`)
    return { locale: to, text }
  }

  function renderDraft(templateId: string, locale: string, text: string, vars: MessageVars): RenderedParts {
    // A template being written for the first time has no locale yet: the draft's is the one asked for.
    const available = localesOf(templateId)
    const resolved = available.length > 0 ? resolveLocale(locale, available) : (canonicalLocale(locale) ?? 'en')
    if (!drafts) {
      const draftEnv = Handlebars.create()
      registerHelpers(draftEnv)
      drafts = { env: draftEnv, shared: loadShared(draftEnv, dir, spec) }
    }
    let compiled: TemplateParts
    try {
      compiled = compileTemplateText(drafts.env, text, `draft ${resolved}.hbs`, spec)
    } catch (err) {
      throw new PermanentSendError(`${named(templateId)} (${resolved}) does not compile: ${(err as Error).message}`, { cause: err })
    }
    return renderCompiled(templateId, compiled, drafts.shared, resolved, locale, vars)
  }

  return {
    render,
    source,
    renderDraft,
    shippedText: (templateId, locale) => readTemplateText(dir, templateId, locale),
    templateIds: () => [...new Set([...listTemplateIds(dir), ...(options.overrides?.ids(spec.channel) ?? [])])].sort(),
    locales: (templateId) => {
      try {
        return localesOf(templateId)
      } catch {
        return []
      }
    },
  }
}

function partialsFor(shared: SharedParts, locale: string): Record<string, Compiled> {
  const sharedLocales = [...shared.locales.keys()]
  const localized = sharedLocales.length > 0 ? shared.locales.get(resolveLocale(locale, sharedLocales)) : undefined
  return { ...shared.common, ...localized }
}
