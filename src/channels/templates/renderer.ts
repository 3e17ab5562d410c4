// The email renderer: subject, HTML and text of a message template, wrapped in the shared
// layouts (layout.html.hbs, layout.text.hbs). The work is done by the shared engine.
import type { MessageVars } from '../../model/outbox.ts'
import type { RenderedParts } from '../types.ts'
import { createTemplateEngine, toPath } from './engine.ts'
import type { TemplateOverrides } from './overrides.ts'
import { EMAIL_SPEC } from './specs.ts'

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
  /** The shipped file text (the console's template editor); optional for stand-ins in tests. */
  source?(templateId: string, locale: string): { locale: string; text: string }
  /** Renders unsaved file text as `templateId` without touching the sending environment. */
  renderDraft?(templateId: string, locale: string, text: string, vars: MessageVars): RenderedMessage
  /** The shipped file's text of exactly this locale; undefined when none was shipped. */
  shippedText?(templateId: string, locale: string): string | undefined
}

export interface TemplateRendererOptions {
  /** Template root; defaults to the email templates shipped beside this module. */
  dir?: string | URL
  /** Live stored versions, sent instead of the files where there is one. */
  overrides?: TemplateOverrides | undefined
}

export const DEFAULT_EMAIL_TEMPLATE_DIR = toPath(new URL('./email/', import.meta.url))

// subject, html and text are required sections: the engine guarantees them.
const message = ({ locale, parts }: RenderedParts): RenderedMessage => ({ subject: parts.subject ?? '', html: parts.html ?? '', text: parts.text ?? '', locale })

export function createTemplateRenderer(options: TemplateRendererOptions = {}): TemplateRenderer {
  const engine = createTemplateEngine(EMAIL_SPEC, options.dir === undefined ? DEFAULT_EMAIL_TEMPLATE_DIR : toPath(options.dir), { overrides: options.overrides })
  return {
    render: (templateId, locale, vars) => message(engine.render(templateId, locale, vars)),
    source: (templateId, locale) => engine.source(templateId, locale),
    renderDraft: (templateId, locale, text, vars) => message(engine.renderDraft(templateId, locale, text, vars)),
    shippedText: (templateId, locale) => engine.shippedText(templateId, locale),
    templateIds: () => engine.templateIds(),
    locales: (templateId) => engine.locales(templateId),
  }
}
