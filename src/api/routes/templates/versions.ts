// Stored template versions (with a TemplateStore): PUT /api/templates/:channel/:id/:locale saves an
// edit as a new version (author, time; audited). Without required approval (setting `approval`,
// shared with rules) it is live at once: real sends use it instead of the file. With approval
// required it is a draft until a second person (approver or admin, not its author) approves it.
// Versions can be listed, diffed and rolled back (a rollback is a new version; approval rules
// apply, as for rules).
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { approveVersion, mayApprove, templateApproval } from '../../../care/approveVersion.ts'
import { checkTemplateSource } from '../../../channels/templates/overrides.ts'
import { systemClock } from '../../../lib/clock.ts'
import { diffLines, formatDiff, splitLines } from '../../../lib/lineDiff.ts'
import type { TemplateKey, TemplateStore, TemplateVersion } from '../../../store/operational/TemplateStore.ts'
import { approvedOrThrow } from '../../approval.ts'
import { HttpError } from '../../errors.ts'
import { requireRole } from '../../plugins/auth.ts'
import { actorOf } from '../../principal.ts'
import { MAX_VERSION, type Catalogues, type TemplateRouteDeps } from './catalogue.ts'

const LocaleParams = Type.Object({
  channel: Type.String({ minLength: 1, maxLength: 20 }),
  id: Type.String({ minLength: 1, maxLength: 80 }),
  locale: Type.String({ minLength: 1, maxLength: 35 }),
})
const VersionParams = Type.Object({
  channel: Type.String({ minLength: 1, maxLength: 20 }),
  id: Type.String({ minLength: 1, maxLength: 80 }),
  locale: Type.String({ minLength: 1, maxLength: 35 }),
  v: Type.Integer({ minimum: 1, maximum: MAX_VERSION }),
})
const SaveBody = Type.Object(
  { source: Type.String({ minLength: 1, maxLength: 200_000, description: 'the whole template file (all its sections, as in the files)' }) },
  { additionalProperties: false },
)
const DiffQuery = Type.Object({
  against: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_VERSION, description: 'the version to compare with (default: the one before; 0: the shipped file)' })),
})
const RollbackBody = Type.Object({ version: Type.Integer({ minimum: 1, maximum: MAX_VERSION, description: 'the version whose source to restore' }) }, { additionalProperties: false })
type LocaleParams = { channel: string; id: string; locale: string }

/** A version as the API shows it. */
const versionView = (v: TemplateVersion) => ({ ...v, pendingApproval: v.status === 'draft' ? v.version : null })

const noVersion = (key: TemplateKey, v: number): HttpError => new HttpError(404, 'not_found', `no version ${v} of ${key.channel}/${key.templateId}/${key.locale}`)

/** Save, versions, diff, approve and rollback of stored template versions. */
export async function versionRoutes(app: FastifyInstance, deps: TemplateRouteDeps, store: TemplateStore, catalogues: Catalogues): Promise<void> {
  const clock = deps.clock ?? systemClock
  const audited = { audited: true }
  const canWrite = requireRole('ops')

  /**
   * The template locale a request names: one that renders (a file or a live version) or has stored
   * versions; with `create`, also a new one (any id, channel and locale).
   */
  async function keyOf(params: LocaleParams, create = false): Promise<TemplateKey> {
    const key = catalogues.writable(params.channel, params.id, params.locale)
    const locales = catalogues.channel(params.channel).locales(params.id)
    if (create || locales.includes(params.locale) || (await store.versions(key)).length > 0) return key
    if (locales.length === 0) throw new HttpError(404, 'not_found', `no ${params.channel} template "${params.id}"`)
    throw new HttpError(404, 'not_found', `${params.channel} template "${params.id}" has no locale ${params.locale} (it has ${locales.join(', ')})`)
  }

  const changed = async () => {
    await deps.templates.overrides?.refresh()
  }

  /** The shipped file's text (the base of version 1's diff); empty for a template or locale made here. */
  const fileText = (key: TemplateKey): string => catalogues.channel(key.channel).shippedText?.(key.templateId, key.locale) ?? ''

  app.put<{ Params: LocaleParams; Body: { source: string } }>(
    '/api/templates/:channel/:id/:locale',
    {
      preHandler: canWrite,
      config: audited,
      schema: {
        tags: ['templates'],
        summary: 'Save an edit of a template locale as a new version: live at once, or a draft awaiting approval when approval is required',
        params: LocaleParams,
        body: SaveBody,
      },
    },
    async (request) => {
      const key = await keyOf(request.params, true)
      const problem = checkTemplateSource(key.channel, request.body.source)
      if (problem !== undefined) throw new HttpError(422, 'invalid_template', `the template does not compile: ${problem}`)
      const saved = await store.save(key, request.body.source, actorOf(request), clock.now())
      await changed()
      return versionView(saved)
    },
  )

  app.get<{ Params: LocaleParams }>(
    '/api/templates/:channel/:id/:locale/versions',
    { preHandler: canWrite, schema: { tags: ['templates'], summary: 'Every stored version, newest first: author, time, status (draft, live, superseded)', params: LocaleParams } },
    async (request) => {
      const key = await keyOf(request.params)
      const versions = await store.versions(key)
      return {
        channel: key.channel,
        template: key.templateId,
        locale: key.locale,
        liveVersion: versions.find((v) => v.status === 'live')?.version ?? null,
        pendingApproval: versions.find((v) => v.status === 'draft')?.version ?? null,
        approval: await store.approvalPolicy(),
        versions,
      }
    },
  )

  app.get<{ Params: LocaleParams & { v: number }; Querystring: { against?: number } }>(
    '/api/templates/:channel/:id/:locale/versions/:v/diff',
    {
      preHandler: canWrite,
      schema: { tags: ['templates'], summary: 'Line diff of two versions, against the previous one (or the file, for version 1) by default', params: VersionParams, querystring: DiffQuery },
    },
    async (request) => {
      const key = await keyOf(request.params)
      const { v } = request.params
      const target = await store.version(key, v)
      if (!target) throw noVersion(key, v)
      const against = request.query.against ?? v - 1
      let base: string
      if (against === 0) base = fileText(key)
      else {
        const other = await store.version(key, against)
        if (!other) throw noVersion(key, against)
        base = other.source
      }
      const diff = diffLines(splitLines(base), splitLines(target.source))
      return { ...key, version: v, against: against === 0 ? 'file' : against, added: diff.added, removed: diff.removed, lines: diff.lines, text: formatDiff(diff) }
    },
  )

  app.post<{ Params: LocaleParams & { v: number } }>(
    '/api/templates/:channel/:id/:locale/versions/:v/approve',
    {
      preHandler: canWrite,
      config: audited,
      schema: { tags: ['templates'], summary: 'Approve the newest version, a draft (approver or admin, not its author); real sends use it at once', params: VersionParams },
    },
    async (request) => {
      const subject = templateApproval(store, await keyOf(request.params))
      const { v } = request.params
      const approved = approvedOrThrow(subject, v, await approveVersion(subject, { version: v, actor: actorOf(request), now: clock.now() }))
      await changed()
      return versionView(approved)
    },
  )

  app.post<{ Params: LocaleParams; Body: { version: number } }>(
    '/api/templates/:channel/:id/:locale/rollback',
    {
      preHandler: canWrite,
      config: audited,
      schema: { tags: ['templates'], summary: "Restore an earlier version's source as a new version (approval rules apply)", params: LocaleParams, body: RollbackBody },
    },
    async (request) => {
      const key = await keyOf(request.params)
      const to = request.body.version
      const old = await store.version(key, to)
      if (!old) throw noVersion(key, to)
      // A source that no longer compiles (e.g. a helper was removed) is refused rather than stored.
      const problem = checkTemplateSource(key.channel, old.source)
      if (problem !== undefined) throw new HttpError(422, 'invalid_template', `version ${to} no longer compiles: ${problem}`)
      const actor = actorOf(request)
      const result = await store.rollback(key, to, actor, clock.now(), { selfApprove: mayApprove(actor) })
      if (result === 'not_found') throw noVersion(key, to)
      await changed()
      return { ...versionView(result), rolledBackTo: to }
    },
  )
}
