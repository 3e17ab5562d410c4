// Renderers for the channels without markup: SMS (text), push (title, body), voice (say) and
// in-app messages (title, body, optional cta). Same files, layouts and locale rules as email.
import { createTemplateEngine, toPath, type DraftableRenderer } from './engine.ts'
import type { TemplateOverrides } from './overrides.ts'
import { CHANNEL_SPECS, CONTENT_CHANNELS, type ContentChannel } from './specs.ts'

export interface ChannelRendererOptions {
  /** Template root; defaults to the channel's templates shipped beside this module. */
  dir?: string | URL
  /** Live stored versions, sent instead of the files where there is one. */
  overrides?: TemplateOverrides | undefined
}

/** Shipped template directories, e.g. …/templates/sms/. */
export const DEFAULT_CHANNEL_TEMPLATE_DIRS: Readonly<Record<ContentChannel, string>> = {
  sms: toPath(new URL('./sms/', import.meta.url)),
  push: toPath(new URL('./push/', import.meta.url)),
  voice: toPath(new URL('./voice/', import.meta.url)),
  inapp: toPath(new URL('./inapp/', import.meta.url)),
}

export function createChannelRenderer(channel: ContentChannel, options: ChannelRendererOptions = {}): DraftableRenderer {
  // Checked at run time too: the channel often comes from configuration or a URL.
  if (!(CONTENT_CHANNELS as readonly string[]).includes(channel)) {
    throw new Error(`no content templates for channel "${String(channel)}" (one of ${CONTENT_CHANNELS.join(', ')})`)
  }
  const dir = options.dir === undefined ? DEFAULT_CHANNEL_TEMPLATE_DIRS[channel] : toPath(options.dir)
  return createTemplateEngine(CHANNEL_SPECS[channel], dir, { overrides: options.overrides })
}
