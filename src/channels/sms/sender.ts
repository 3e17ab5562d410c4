// The SMS channel over Twilio's Messages API: render the template's `text` part in the shopper's
// locale and POST it. Delivery reports come back later on the StatusCallback URL.
import { callProvider } from '../http.ts'
import { PermanentSendError, type ChannelSender, type ContentRenderer, type OutboundMessage, type SendResult } from '../types.ts'
import { recipientPhone } from './phone.ts'
import { checkAccount, checkFrom, classifyTwilio, describeTwilio, sidOf, twilioHeaders, twilioUrl, type TwilioAccount } from './twilio.ts'

export interface TwilioSmsSenderOptions extends TwilioAccount {
  /** E.164 sender number, or a Messaging Service SID (MG…). */
  from: string
  /** Renders the sms templates (part `text`). */
  renderer: ContentRenderer
  /** Where Twilio posts delivery reports for one message (callbackUrl(links, 'twilio-sms', id)). */
  statusCallback?: (outboxId: string) => string
  timeoutMs?: number
}

export interface TwilioSmsSender extends ChannelSender {
  readonly channel: 'sms'
}

/** A rendered part, or PermanentSendError: an empty message is a template problem, not a network one. */
export function requirePart(channel: string, parts: Record<string, string>, name: string, template: string): string {
  const value = parts[name]?.trim()
  if (!value) throw new PermanentSendError(`${channel} template ${template} rendered no ${name}`)
  return value
}

export function createTwilioSmsSender(options: TwilioSmsSenderOptions): TwilioSmsSender {
  checkAccount('sms', options)
  const sender = checkFrom('sms', options.from, true)
  if (!options.renderer) throw new Error('sms: a renderer is required')
  const url = twilioUrl(options, 'Messages')

  async function send(message: OutboundMessage): Promise<SendResult> {
    if (message.channel !== 'sms') throw new PermanentSendError(`sms sender cannot send a ${message.channel} message`)
    const to = recipientPhone(message)
    const rendered = options.renderer.render(message.template, message.locale, message.vars)
    const form = new URLSearchParams({ To: to, [sender.isService ? 'MessagingServiceSid' : 'From']: sender.from, Body: requirePart('sms', rendered.parts, 'text', message.template) })
    if (options.statusCallback) form.set('StatusCallback', options.statusCallback(message.outboxId))
    const response = await callProvider({
      provider: 'twilio sms',
      url,
      headers: twilioHeaders(options, message.idempotencyKey),
      body: form.toString(),
      timeoutMs: options.timeoutMs,
      classify: classifyTwilio,
      describe: describeTwilio,
    })
    const { sid, status } = sidOf(response)
    return { providerMessageId: sid, detail: `twilio ${status ?? 'accepted'}` }
  }

  return { channel: 'sms', send }
}
