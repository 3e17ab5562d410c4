export { createTemplateRenderer, DEFAULT_EMAIL_TEMPLATE_DIR } from './renderer.ts'
export type { RenderedMessage, TemplateRenderer, TemplateRendererOptions } from './renderer.ts'
export { resolveLocale, formattingLocale, canonicalLocale } from './locale.ts'
export { formatDate, formatMoney, safeUrl, toEpochMs } from './helpers.ts'
