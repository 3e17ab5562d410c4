// Message templates: the catalogue per channel, the text of a template, previews (./preview.ts)
// and, with a template store, stored versions with four eyes and rollback (./versions.ts).
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { requireRole } from '../../plugins/auth.ts'
import { Catalogues, type TemplateRouteDeps } from './catalogue.ts'
import { listTemplates, newestDraft, skeletons } from './stored.ts'
import { previewRoutes, renderFailure, TemplateParams } from './preview.ts'
import { versionRoutes } from './versions.ts'

const SourceQuery = Type.Object({ locale: Type.Optional(Type.String({ minLength: 1, maxLength: 35 })) })

export async function templateRoutes(app: FastifyInstance, deps: TemplateRouteDeps): Promise<void> {
  const catalogues = new Catalogues(deps.templates)
  const { store } = deps.templates

  app.get(
    '/api/templates',
    { preHandler: requireRole('ops', 'agent'), schema: { tags: ['templates'], summary: 'Message templates of every channel, with their locales' } },
    async () => ({ templates: await listTemplates(catalogues, store), skeletons: skeletons(catalogues) }),
  )

  app.get<{ Params: { channel: string; id: string }; Querystring: { locale?: string } }>(
    '/api/templates/:channel/:id/source',
    {
      preHandler: requireRole('ops'),
      schema: {
        tags: ['templates'],
        summary: 'The text of a template in a locale (after fallback): the live stored version, else the shipped file',
        params: TemplateParams,
        querystring: SourceQuery,
      },
    },
    async (request) => {
      const { channel, id } = request.params
      if (store && !catalogues.channel(channel).templateIds().includes(id)) {
        const draft = await newestDraft(store, catalogues, channel, id, request.query.locale ?? 'en')
        if (draft) return draft
      }
      const catalogue = catalogues.lookup(channel, id)
      try {
        const out = catalogues.drafts(channel, catalogue).source(id, request.query.locale ?? 'en')
        const base = { channel, template: id, locale: out.locale, locales: catalogue.locales(id) }
        if (!store) return { ...base, source: out.text, origin: 'file', version: null, pendingApproval: null }
        const versions = await store.versions({ channel, templateId: id, locale: out.locale })
        const live = versions.find((v) => v.status === 'live')
        const pendingApproval = versions.find((v) => v.status === 'draft')?.version ?? null
        // The stored live version is what shoppers get; the file when there is none.
        return live
          ? { ...base, source: live.source, origin: 'stored', version: live.version, updatedBy: live.createdBy, updatedAt: live.createdAt, pendingApproval }
          : { ...base, source: out.text, origin: 'file', version: null, pendingApproval }
      } catch (err) {
        throw renderFailure(err)
      }
    },
  )

  await previewRoutes(app, deps, catalogues)
  if (store) await versionRoutes(app, deps, store, catalogues)
}
