// Reads template files from disk and compiles them in one Handlebars environment. Layout of a
// channel's template directory (sections per channel: specs.ts):
//   <dir>/_shared/layout.<section>.hbs  optional wrapper of one section; gets it as {{@body}} and
//                                       the other rendered sections as {{@<name>}}
//   <dir>/_shared/common.hbs            partials for every locale (sections, e.g. @button-html)
//   <dir>/_shared/locales/<locale>.hbs  localized partials (@greeting-html, @footer-text …)
//   <dir>/<templateId>/<locale>.hbs     the channel's sections, e.g. @subject, @html, @text
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type Handlebars from 'handlebars'
import { canonicalLocale } from './locale.ts'
import { parseSections } from './sections.ts'
import type { SectionKind, TemplateSpec } from './specs.ts'

export type Compiled = Handlebars.TemplateDelegate
export type Env = typeof Handlebars

/** One locale of one template: section name → compiled source (optional sections may be absent). */
export type TemplateParts = Readonly<Record<string, Compiled>>

export interface SharedParts {
  /** section name → its layout */
  layouts: Record<string, Compiled>
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
export function compile(env: Env, source: string, kind: SectionKind, file: string): Compiled {
  try {
    env.parse(source)
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`, { cause: err })
  }
  return env.compile(source, { noEscape: kind === 'text' })
}

function compileSectionsAsPartials(env: Env, file: string, spec: TemplateSpec): Record<string, Compiled> {
  const partials: Record<string, Compiled> = {}
  for (const [name, source] of parseSections(readFileSync(file, 'utf8'), file)) {
    partials[name] = compile(env, source, spec.partialKind(name), `${file}@${name}`)
  }
  return partials
}

// Own keys only: a file named layout.constructor.hbs or a section @constructor is not a section.
const sectionOf = (spec: TemplateSpec, name: string) => (Object.hasOwn(spec.sections, name) ? spec.sections[name] : undefined)
const sectionNames = (spec: TemplateSpec): string => Object.keys(spec.sections).map((n) => `@${n}`).join(', ')

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

export function loadShared(env: Env, dir: string, spec: TemplateSpec): SharedParts {
  const shared = join(dir, '_shared')
  const commonFile = join(shared, 'common.hbs')
  const locales = new Map<string, Record<string, Compiled>>()
  for (const [locale, file] of localeFiles(join(shared, 'locales'))) locales.set(locale, compileSectionsAsPartials(env, file, spec))
  const layouts: Record<string, Compiled> = {}
  for (const entry of existsSync(shared) ? readdirSync(shared, { withFileTypes: true }) : []) {
    const name = /^layout\.(.+)\.hbs$/.exec(entry.name)?.[1]
    if (!entry.isFile() || name === undefined) continue
    const file = join(shared, entry.name)
    const section = sectionOf(spec, name)
    // A typo in a layout's name would silently drop a footer (e.g. an SMS opt-out hint).
    if (!section) throw new Error(`${file}: ${spec.channel} templates have no section @${name} (they have ${sectionNames(spec)})`)
    layouts[name] = compile(env, readFileSync(file, 'utf8'), section.kind, file)
  }
  return { layouts, common: existsSync(commonFile) ? compileSectionsAsPartials(env, commonFile, spec) : {}, locales }
}

/** All locales of one template; undefined when the template does not exist. */
export function loadTemplate(env: Env, dir: string, templateId: string, spec: TemplateSpec): Map<string, TemplateParts> | undefined {
  if (!TEMPLATE_ID.test(templateId)) return undefined
  const files = localeFiles(join(dir, templateId))
  if (files.size === 0) return undefined
  const locales = new Map<string, TemplateParts>()
  for (const [locale, file] of files) locales.set(locale, compileTemplateText(env, readFileSync(file, 'utf8'), file, spec))
  return locales
}

/**
 * One template file's text (all its sections) compiled in `env`: the shipped files at load, and
 * unsaved edits in the console's draft previews. `file` names the source in error messages.
 */
export function compileTemplateText(env: Env, text: string, file: string, spec: TemplateSpec): TemplateParts {
  const sections = parseSections(text, file)
  for (const name of sections.keys()) {
    if (!sectionOf(spec, name)) throw new Error(`${file}: unknown section @${name} (${spec.channel} templates have ${sectionNames(spec)})`)
  }
  const parts: Record<string, Compiled> = {}
  for (const [name, section] of Object.entries(spec.sections)) {
    const source = sections.get(name)
    if (source !== undefined) parts[name] = compile(env, source, section.kind, `${file}@${name}`)
    else if (section.required) throw new Error(`${file}: missing section {{!-- @${name} --}}`)
  }
  return parts
}

/** The text of one template file as shipped, or undefined when there is no such file. */
export function readTemplateText(dir: string, templateId: string, locale: string): string | undefined {
  if (!TEMPLATE_ID.test(templateId)) return undefined
  const file = localeFiles(join(dir, templateId)).get(locale)
  return file === undefined ? undefined : readFileSync(file, 'utf8')
}

/** Template ids present in the directory (folders not starting with "_"). */
export function listTemplateIds(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && TEMPLATE_ID.test(e.name))
    .map((e) => e.name)
    .sort()
}
