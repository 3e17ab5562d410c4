// The push channel over FCM HTTP v1: render `title` and `body` in the shopper's locale and send
// them to the device token from the profile. FCM forwards to APNs for iOS devices.
import { callProvider, TransientSendError } from '../http.ts'
import { PermanentSendError, type ChannelSender, type ContentRenderer, type OutboundMessage, type SendResult } from '../types.ts'
import { buildFcmMessage, classifyFcm, describeFcm, FCM_API } from './fcm.ts'

export interface FcmPushSenderOptions {
  /** Default https://fcm.googleapis.com; tests point it at a local fake. */
  baseUrl?: string
  projectId: string
  /** An OAuth 2 access token for the firebase.messaging scope; called per send, so it may refresh. */
  accessToken: () => Promise<string> | string
  /** Renders the push templates (parts `title`, `body`). */
  renderer: ContentRenderer
  timeoutMs?: number
}

export interface FcmPushSender extends ChannelSender {
  readonly channel: 'push'
}

export function createFcmPushSender(options: FcmPushSenderOptions): FcmPushSender {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(options.projectId ?? '')) throw new Error(`push: projectId must be a Firebase project id, got ${JSON.stringify(options.projectId)}`)
  if (typeof options.accessToken !== 'function') throw new Error('push: accessToken must be a function returning the current OAuth token')
  if (!options.renderer) throw new Error('push: a renderer is required')
  const url = `${(options.baseUrl ?? FCM_API).replace(/\/+$/, '')}/v1/projects/${options.projectId}/messages:send`

  async function bearer(): Promise<string> {
    try {
      const token = await options.accessToken()
      if (!token) throw new Error('empty token')
      return token
    } catch (err) {
      // Credentials are setup, not the message: wait for them to work again.
      throw new TransientSendError(`fcm: could not get an access token: ${(err as Error).message}`, undefined, undefined, { cause: err })
    }
  }

  async function send(message: OutboundMessage): Promise<SendResult> {
    if (message.channel !== 'push') throw new PermanentSendError(`push sender cannot send a ${message.channel} message`)
    const token = message.to.pushToken?.trim()
    if (!token) throw new PermanentSendError('no push token')
    const rendered = options.renderer.render(message.template, message.locale, message.vars)
    const body = rendered.parts.body?.trim()
    if (!body) throw new PermanentSendError(`push template ${message.template} rendered no body`)
    const payload = buildFcmMessage(message, token, rendered.parts.title?.trim() || undefined, body)
    const response = await callProvider({
      provider: 'fcm',
      url,
      headers: { authorization: `Bearer ${await bearer()}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(payload),
      timeoutMs: options.timeoutMs,
      classify: classifyFcm,
      describe: describeFcm,
    })
    const name = (response.json as { name?: unknown } | undefined)?.name
    return { providerMessageId: typeof name === 'string' ? name : undefined, detail: 'fcm accepted' }
  }

  return { channel: 'push', send }
}
