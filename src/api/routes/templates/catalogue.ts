// What the template routes share: the catalogue of each channel, looked up with the API's errors,
// and the renderers that can show and render unsaved edits (the console's template editor).
import { TEMPLATE_ID } from '../../../channels/templates/loader.ts'
import { canonicalLocale } from '../../../channels/templates/locale.ts'
import type { RenderedMessage } from '../../../channels/templates/renderer.ts'
import { CONTENT_CHANNELS } from '../../../channels/templates/specs.ts'
import type { RenderedParts } from '../../../channels/types.ts'
import type { MessageVars } from '../../../model/outbox.ts'
import type { ApiDeps, TemplateTools } from '../../context.ts'
import { HttpError } from '../../errors.ts'

export type TemplateRouteDeps = ApiDeps<'templates' | 'loadCustomer' | 'shop'> & Partial<ApiDeps<'clock'>>

/** Versions are PostgreSQL integers: a larger number is a 400, not a failed query. */
export const MAX_VERSION = 2_147_483_647

export interface Catalogue {
  templateIds(): string[]
  locales(templateId: string): string[]
  /** The shipped file's text of exactly this locale (undefined: none, or not known here). */
  shippedText?(templateId: string, locale: string): string | undefined
}

/** A renderer that can show its shipped text and render drafts (the console's template editor). */
export interface Drafts {
  source(templateId: string, locale: string): { locale: string; text: string }
  renderDraft(templateId: string, locale: string, text: string, vars: MessageVars): RenderedParts | RenderedMessage
}
const hasDrafts = (renderer: object): renderer is Drafts => {
  const r = renderer as Partial<Drafts>
  return typeof r.source === 'function' && typeof r.renderDraft === 'function'
}

/** The catalogues of every configured channel, with the API's errors for unknown ones. */
export class Catalogues {
  private readonly byChannel: Map<string, Catalogue>

  constructor(templates: Pick<TemplateTools, 'email' | 'channels'>) {
    this.byChannel = new Map<string, Catalogue>([['email', templates.email]])
    for (const channel of CONTENT_CHANNELS) {
      const renderer = templates.channels[channel]
      if (renderer) this.byChannel.set(channel, renderer)
    }
  }

  /** The channels with a catalogue here. */
  channels(): Array<{ channel: string }> {
    return [...this.byChannel.keys()].map((channel) => ({ channel }))
  }

  /** Every channel with its templates and their locales. */
  list(): Array<{ channel: string; id: string; locales: string[] }> {
    return [...this.byChannel].flatMap(([channel, catalogue]) => catalogue.templateIds().map((id) => ({ channel, id, locales: catalogue.locales(id) })))
  }

  /** Whether the channel has the template; undefined for a channel without a catalogue here (webhook). */
  has(channel: string, id: string): boolean | undefined {
    const catalogue = this.byChannel.get(channel)
    return catalogue === undefined ? undefined : catalogue.templateIds().includes(id)
  }

  /** The channel's templates, for a message that names them. */
  idsOf(channel: string): string[] {
    return this.byChannel.get(channel)?.templateIds() ?? []
  }

  /** The channel's catalogue and the template's existence, or the API's errors. */
  lookup(channel: string, id: string): Catalogue {
    const catalogue = this.channel(channel)
    if (!catalogue.templateIds().includes(id)) throw new HttpError(404, 'not_found', `no ${channel} template "${id}"`)
    return catalogue
  }

  /** A channel's catalogue, or a 400 naming the channels there are. */
  channel(channel: string): Catalogue {
    const catalogue = this.byChannel.get(channel)
    if (!catalogue) {
      throw new HttpError(400, 'invalid_request', `unknown channel "${channel}"`, [{ path: '/channel', message: `must be one of ${[...this.byChannel.keys()].join(', ')}` }])
    }
    return catalogue
  }

  /**
   * A template locale that may be written, existing or new: a known channel, an id as template
   * folders are named, and a canonical BCP 47 locale — else a 400 at the field path.
   */
  writable(channel: string, id: string, locale: string): { channel: string; templateId: string; locale: string } {
    this.channel(channel)
    const errors = [
      ...(TEMPLATE_ID.test(id) ? [] : [{ path: '/id', message: 'must be 1–80 of a-z, 0-9, ".", "_" and "-", starting with a letter or digit' }]),
      ...(canonicalLocale(locale) === locale ? [] : [{ path: '/locale', message: `must be a BCP 47 locale as written canonically${canonicalLocale(locale) ? ` (${canonicalLocale(locale)})` : ', e.g. en, zh-CN, zh-TW'}` }]),
    ]
    if (errors.length > 0) throw new HttpError(400, 'invalid_request', 'not a template id and locale that can be written', errors)
    return { channel, templateId: id, locale }
  }

  /** The channel's catalogue as an editor of drafts, or 501 when it cannot be edited here. */
  drafts(channel: string, catalogue: Catalogue): Drafts {
    if (!hasDrafts(catalogue)) throw new HttpError(501, 'not_supported', `the ${channel} templates cannot be edited here`)
    return catalogue
  }
}
