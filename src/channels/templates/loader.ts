// Reads template files from disk and compiles them in one Handlebars environment. Layout:
//   <dir>/_shared/layout.html.hbs   HTML wrapper; gets {{@body}}, {{@subject}}, {{@preheader}}
//   <dir>/_shared/layout.text.hbs   plain-text wrapper; same data
//   <dir>/_shared/common.hbs        partials for every locale (sections, e.g. @button-html)
//   <dir>/_shared/locales/<locale>.hbs  localized partials (@greeting-html, @footer-text …)
//   <dir>/<templateId>/<locale>.hbs  sections @subject, @html, @text and optional @preheader
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type Handlebars from 'handlebars'
import { canonicalLocale } from './locale.ts'
import { parseSections } from './sections.ts'

export type Compiled = Handlebars.TemplateDelegate
export type Env = typeof Handlebars

/** One locale of one template. */
export interface TemplateParts {
  subject: Compiled
  html: Compiled
  text: Compiled
  preheader?: Compiled
}

export interface SharedParts {
  layoutHtml?: Compiled
  layoutText?: Compiled
  common: Record<string, Compiled>
  /** locale → localized partials */
  locales: Map<string, Record<string, Compiled>>
}

/** Same rule as a rule document's template id; also keeps ids from walking out of the directory. */
export const TEMPLATE_ID = /^[a-z0-9][a-z0-9._-]{0,79}$/

/**
 * HTML sources are escaped; plain-text sources (subject, preheader, text, *-text partials) are not,
 * so "Tom & Jerry" stays itself there. Where plain text lands in HTML (<title>, the preheader), the
 * layout escapes it. Parsing now makes syntax errors fail at load, not at a shopper's send.
 */
export function compile(env: Env, source: string, kind: 'html' | 'text', file: string): Compiled {
  try {
    env.parse(source)
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`, { cause: err })
  }
  return env.compile(source, { noEscape: kind === 'text' })
}

const partialKind = (name: string): 'html' | 'text' => (name.endsWith('-text') ? 'text' : 'html')

function compileSectionsAsPartials(env: Env, file: string): Record<string, Compiled> {
  const partials: Record<string, Compiled> = {}
  for (const [name, source] of parseSections(readFileSync(file, 'utf8'), file)) {
    partials[name] = compile(env, source, partialKind(name), `${file}@${name}`)
  }
  return partials
}

/** `<locale>.hbs` files of a directory, keyed by their canonical locale. */
export function localeFiles(dir: string): Map<string, string> {
  const files = new Map<string, string>()
  if (!existsSync(dir)) return files
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.hbs')) continue
    const name = entry.name.slice(0, -'.hbs'.length)
    const locale = canonicalLocale(name)
    if (locale === undefined || locale !== name) throw new Error(`${join(dir, entry.name)}: file name is not a canonical locale (e.g. en, zh-CN)`)
    files.set(locale, join(dir, entry.name))
  }
  return files
}

export function loadShared(env: Env, dir: string): SharedParts {
  const shared = join(dir, '_shared')
  const optional = (file: string, kind: 'html' | 'text'): Compiled | undefined =>
    existsSync(file) ? compile(env, readFileSync(file, 'utf8'), kind, file) : undefined
  const commonFile = join(shared, 'common.hbs')
  const locales = new Map<string, Record<string, Compiled>>()
  for (const [locale, file] of localeFiles(join(shared, 'locales'))) locales.set(locale, compileSectionsAsPartials(env, file))
  const parts: SharedParts = {
    common: existsSync(commonFile) ? compileSectionsAsPartials(env, commonFile) : {},
    locales,
  }
  const layoutHtml = optional(join(shared, 'layout.html.hbs'), 'html')
  const layoutText = optional(join(shared, 'layout.text.hbs'), 'text')
  if (layoutHtml) parts.layoutHtml = layoutHtml
  if (layoutText) parts.layoutText = layoutText
  return parts
}

/** All locales of one template; undefined when the template does not exist. */
export function loadTemplate(env: Env, dir: string, templateId: string): Map<string, TemplateParts> | undefined {
  if (!TEMPLATE_ID.test(templateId)) return undefined
  const files = localeFiles(join(dir, templateId))
  if (files.size === 0) return undefined
  const locales = new Map<string, TemplateParts>()
  for (const [locale, file] of files) {
    const sections = parseSections(readFileSync(file, 'utf8'), file)
    const section = (name: string, kind: 'html' | 'text'): Compiled => {
      const source = sections.get(name)
      if (source === undefined) throw new Error(`${file}: missing section {{!-- @${name} --}}`)
      return compile(env, source, kind, `${file}@${name}`)
    }
    for (const name of sections.keys()) {
      if (!['subject', 'preheader', 'html', 'text'].includes(name)) throw new Error(`${file}: unknown section @${name}`)
    }
    const parts: TemplateParts = { subject: section('subject', 'text'), html: section('html', 'html'), text: section('text', 'text') }
    if (sections.has('preheader')) parts.preheader = section('preheader', 'text')
    locales.set(locale, parts)
  }
  return locales
}

/** Template ids present in the directory (folders not starting with "_"). */
export function listTemplateIds(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && TEMPLATE_ID.test(e.name))
    .map((e) => e.name)
    .sort()
}
