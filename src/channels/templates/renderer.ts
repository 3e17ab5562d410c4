// The email renderer: subject, HTML and text of a message template, wrapped in the shared
// layouts (layout.html.hbs, layout.text.hbs). The work is done by the shared engine.
import type { MessageVars } from '../types.ts'
import { createTemplateEngine, toPath } from './engine.ts'
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
}

export interface TemplateRendererOptions {
  /** Template root; defaults to the email templates shipped beside this module. */
  dir?: string | URL
}

export const DEFAULT_EMAIL_TEMPLATE_DIR = toPath(new URL('./email/', import.meta.url))

export function createTemplateRenderer(options: TemplateRendererOptions = {}): TemplateRenderer {
  const engine = createTemplateEngine(EMAIL_SPEC, options.dir === undefined ? DEFAULT_EMAIL_TEMPLATE_DIR : toPath(options.dir))
  return {
    render(templateId, locale, vars) {
      const { locale: used, parts } = engine.render(templateId, locale, vars)
      // subject, html and text are required sections: the engine guarantees them.
      return { subject: parts.subject ?? '', html: parts.html ?? '', text: parts.text ?? '', locale: used }
    },
    templateIds: () => engine.templateIds(),
    locales: (templateId) => engine.locales(templateId),
  }
}
