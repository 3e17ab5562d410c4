// Status news from the helpdesk bridges (docs/helpdesk.md): Chatwoot's webhook (its URL carries
// the bridge's secret token; Chatwoot's stable releases do not sign) and Zendesk's (signed with the
// webhook's signing secret over the raw body). A resolved conversation or solved ticket resolves
// its task here. Other news is acknowledged with 200 so the helpdesk does not retry it.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import Type from 'typebox'
import { chatwootStatus, sameSecret, zendeskSignatureValid, zendeskStatus } from '../../care/helpdesk/inbound.ts'
import { chatwootSettings, zendeskSettings } from '../../care/helpdesk/settings.ts'
import { takeHelpdeskStatus } from '../../care/helpdesk/takeHelpdeskStatus.ts'
import { MAX_JSON_DEPTH, parseJsonRepaired, TextPolicyError } from '../../lib/text.ts'
import { ENDPOINT_ID_PATTERN } from '../../model/taskWebhooks.ts'
import type { ApiDeps } from '../context.ts'
import { HttpError } from '../errors.ts'

const Params = Type.Object({ id: Type.String({ pattern: ENDPOINT_ID_PATTERN }) })
const Query = Type.Object({ token: Type.Optional(Type.String({ maxLength: 500 })) })
// The product's own payloads: only what is read is checked, anything else passes.
const Body = Type.Object({}, { additionalProperties: true })

const MAX_BODY = 256 * 1024
const unauthorized = () => new HttpError(401, 'unauthorized', 'the request is not signed by this helpdesk bridge')

export async function helpdeskRoutes(app: FastifyInstance, deps: ApiDeps<'ops' | 'history' | 'clock' | 'links' | 'shop'>): Promise<void> {
  // Zendesk signs the bytes it sent: keep them beside the parsed body.
  const raw = new WeakMap<FastifyRequest, string>()
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: MAX_BODY }, (request, body, done) => {
    const text = body as string
    try {
      raw.set(request, text)
      done(null, parseJsonRepaired(text).value)
    } catch (err) {
      const why = err instanceof TextPolicyError ? `JSON nested deeper than ${MAX_JSON_DEPTH} levels` : 'the body is not JSON'
      done(new HttpError(400, 'invalid_request', why, [{ path: '/', message: why }]), undefined)
    }
  })

  app.post<{ Params: { id: string }; Querystring: { token?: string }; Body: Record<string, unknown> }>(
    '/hooks/helpdesk/:id',
    { schema: { tags: ['helpdesk'], summary: 'Webhook of a helpdesk bridge: a resolved ticket resolves its task', params: Params, querystring: Query, body: Body } },
    async (request) => {
      const endpoint = await deps.ops.webhooks.endpoint(request.params.id)
      if (!endpoint || endpoint.kind === 'standard') throw unauthorized()
      if (endpoint.kind === 'chatwoot') {
        if (!sameSecret(chatwootSettings(endpoint.settings).webhookToken, request.query.token)) throw unauthorized()
      } else {
        const header = (name: string) => (typeof request.headers[name] === 'string' ? (request.headers[name] as string) : undefined)
        if (!zendeskSignatureValid(zendeskSettings(endpoint.settings).webhookSecret, header('x-zendesk-webhook-signature-timestamp'), raw.get(request) ?? '', header('x-zendesk-webhook-signature'))) throw unauthorized()
      }
      const status = endpoint.kind === 'chatwoot' ? chatwootStatus(request.body) : zendeskStatus(request.body)
      if (!status) return { ignored: 'not a status change' }
      return takeHelpdeskStatus(deps, endpoint, status)
    },
  )
}
