// Templates written in the console that no file ships: listed while their first version still
// awaits approval, their newest draft shown as their source, and the text a new one starts from.
import { resolveLocale } from '../../../channels/templates/locale.ts'
import { skeletonSource } from '../../../channels/templates/skeleton.ts'
import type { TemplateStore } from '../../../store/operational/TemplateStore.ts'
import type { Catalogues } from './catalogue.ts'

export interface ListedTemplate {
  channel: string
  id: string
  locales: string[]
  /** Only drafts so far: nothing sends it until one is approved. */
  draftOnly?: true
}

/** The catalogue, plus templates whose stored versions are all drafts awaiting approval. */
export async function listTemplates(catalogues: Catalogues, store: TemplateStore | undefined): Promise<ListedTemplate[]> {
  const listed: ListedTemplate[] = catalogues.list()
  if (!store) return listed
  const known = new Set(listed.map((t) => `${t.channel}/${t.id}`))
  const drafts = new Map<string, ListedTemplate>()
  for (const key of await store.keys()) {
    const name = `${key.channel}/${key.templateId}`
    if (known.has(name) || catalogues.has(key.channel, key.templateId) === undefined) continue
    let entry = drafts.get(name)
    if (!entry) drafts.set(name, (entry = { channel: key.channel, id: key.templateId, locales: [], draftOnly: true }))
    entry.locales.push(key.locale)
  }
  return [...listed, ...drafts.values()]
}

/** The source view of a template that exists only as drafts: its newest version in the nearest locale. */
export async function newestDraft(store: TemplateStore, catalogues: Catalogues, channel: string, id: string, locale: string) {
  const locales = (await store.keys()).filter((k) => k.channel === channel && k.templateId === id).map((k) => k.locale)
  if (locales.length === 0 || catalogues.has(channel, id) === undefined) return undefined
  const resolved = resolveLocale(locale, locales)
  const versions = await store.versions({ channel, templateId: id, locale: resolved })
  const newest = versions[0]
  if (!newest) return undefined
  return {
    channel,
    template: id,
    locale: resolved,
    locales,
    source: newest.source,
    origin: 'draft',
    version: null,
    pendingApproval: versions.find((v) => v.status === 'draft')?.version ?? null,
  }
}

/** What a new template of each channel with templates here starts from. */
export function skeletons(catalogues: Catalogues): Record<string, string> {
  const out: Record<string, string> = Object.create(null)
  for (const { channel } of catalogues.channels()) {
    const text = skeletonSource(channel)
    if (text !== undefined) out[channel] = text
  }
  return out
}
