// Live template overrides: the stored template versions that are live (TemplateStore), compiled and
// held in memory so real sends use them instead of the shipped files. Renderers consult it first
// for the locale a message resolves to and fall back to the file. refresh() reloads from the store
// (at start, after each change through the API, and every few seconds with the rules); a stored
// source that no longer compiles or render is skipped and logged, and never breaks sends: the file
// is used instead.
import Handlebars from 'handlebars'
import { registerHelpers } from './helpers.ts'
import { compileTemplateText, type Env, type TemplateParts } from './loader.ts'
import { CHANNEL_SPECS, CONTENT_CHANNELS, EMAIL_SPEC, type TemplateSpec } from './specs.ts'

export interface LiveTemplate {
  channel: string
  templateId: string
  locale: string
  version: number
  source: string
}

export interface LiveTemplateSource {
  live(): Promise<LiveTemplate[]>
}

interface Log {
  error(obj: object, msg: string): void
}

export interface CompiledOverride {
  version: number
  source: string
  parts: TemplateParts
}

/** The spec of a channel's template files, or undefined for a channel without templates. */
export function templateSpecOf(channel: string): TemplateSpec | undefined {
  if (channel === 'email') return EMAIL_SPEC
  return (CONTENT_CHANNELS as readonly string[]).includes(channel) ? CHANNEL_SPECS[channel as keyof typeof CHANNEL_SPECS] : undefined
}

let checkEnv: Env | undefined

/**
 * Why a template file's text does not compile as a template of `channel` (unknown or missing
 * sections, Handlebars syntax), or undefined when it compiles.
 */
export function checkTemplateSource(channel: string, source: string): string | undefined {
  const spec = templateSpecOf(channel)
  if (!spec) return `no templates for channel "${channel}"`
  if (!checkEnv) {
    checkEnv = Handlebars.create()
    registerHelpers(checkEnv)
  }
  try {
    compileTemplateText(checkEnv, source, 'template', spec)
    return undefined
  } catch (err) {
    return (err as Error).message
  }
}

const keyOf = (channel: string, templateId: string, locale: string): string => `${channel}/${templateId}/${locale}`

export class TemplateOverrides {
  private compiled = new Map<string, CompiledOverride>()
  /** Live locales by channel, then template id: templates that exist only as stored versions. */
  private localesBy = new Map<string, Map<string, string[]>>()
  /** Versions known broken (key@version), logged once. */
  private broken = new Set<string>()
  // Helpers are registered like the renderers'; partials and layouts come from the renderer at render time.
  private readonly env: Env = Handlebars.create()

  constructor(
    private readonly store?: LiveTemplateSource,
    private readonly logger?: Log,
  ) {
    registerHelpers(this.env)
  }

  /** Reloads the live versions from the store; unchanged ones are not compiled again. */
  async refresh(): Promise<void> {
    if (!this.store) return
    this.load(await this.store.live())
  }

  /** Replaces the overrides with these live versions (refresh() without a store; tests). */
  load(live: readonly LiveTemplate[]): void {
    const next = new Map<string, CompiledOverride>()
    const localesBy = new Map<string, Map<string, string[]>>()
    for (const t of live) {
      const key = keyOf(t.channel, t.templateId, t.locale)
      const known = this.compiled.get(key)
      if (known && known.version === t.version && known.source === t.source) {
        next.set(key, known)
        indexLocale(localesBy, t)
        continue
      }
      if (this.broken.has(`${key}@${t.version}`)) continue
      const spec = templateSpecOf(t.channel)
      try {
        if (!spec) throw new Error(`no templates for channel "${t.channel}"`)
        next.set(key, { version: t.version, source: t.source, parts: compileTemplateText(this.env, t.source, `stored ${key} v${t.version}`, spec) })
        indexLocale(localesBy, t)
      } catch (err) {
        this.broken.add(`${key}@${t.version}`)
        this.logger?.error({ template: key, version: t.version, err }, 'stored template version does not compile; the file is sent instead')
      }
    }
    this.compiled = next
    this.localesBy = localesBy
  }

  /** Template ids of a channel with a live stored version (some exist only as stored versions). */
  ids(channel: string): string[] {
    return [...(this.localesBy.get(channel)?.keys() ?? [])].sort()
  }

  /** The locales in which a template has a live stored version. */
  locales(channel: string, templateId: string): string[] {
    return [...(this.localesBy.get(channel)?.get(templateId) ?? [])].sort()
  }

  /** The live override of a template in a (resolved) locale, if any. */
  get(channel: string, templateId: string, locale: string): CompiledOverride | undefined {
    return this.compiled.get(keyOf(channel, templateId, locale))
  }

  /** A renderer reports an override that failed to render (it then renders the file). */
  failed(channel: string, templateId: string, locale: string, err: unknown): void {
    const key = keyOf(channel, templateId, locale)
    const version = this.compiled.get(key)?.version
    this.logger?.error({ template: key, version, err }, 'stored template version failed to render; the file is sent instead')
  }

  /** How many overrides are live (for logs and tests). */
  get size(): number {
    return this.compiled.size
  }
}

function indexLocale(index: Map<string, Map<string, string[]>>, t: LiveTemplate): void {
  let byId = index.get(t.channel)
  if (!byId) index.set(t.channel, (byId = new Map()))
  const locales = byId.get(t.templateId)
  if (locales) locales.push(t.locale)
  else byId.set(t.templateId, [t.locale])
}
