// The phone robot over Twilio's Calls API: render the template's `say` script, place a call that
// reads it, and have Twilio report the outcome (answered, busy, no answer) on the StatusCallback.
import { callProvider } from '../http.ts'
import { requirePart } from '../sms/sender.ts'
import { recipientPhone } from '../sms/phone.ts'
import { checkAccount, checkFrom, classifyTwilio, describeTwilio, sidOf, twilioHeaders, twilioUrl, type TwilioAccount } from '../sms/twilio.ts'
import { PermanentSendError, type ChannelSender, type ContentRenderer, type OutboundMessage, type SendResult } from '../types.ts'
import { buildTwiml, MAX_TWIML_LENGTH } from './twiml.ts'

export interface TwilioVoiceSenderOptions extends TwilioAccount {
  /** E.164 caller id: a Twilio number or a verified caller id. */
  from: string
  /** Renders the voice templates (part `say`). */
  renderer: ContentRenderer
  /** Where Twilio posts the call's outcome (callbackUrl(links, 'twilio-voice', id)). */
  statusCallback?: (outboxId: string) => string
  /** E.164 number of the shop's care line: after the script the call is put through to a person. */
  careLine?: string
  timeoutMs?: number
}

export interface TwilioVoiceSender extends ChannelSender {
  readonly channel: 'voice'
}

export function createTwilioVoiceSender(options: TwilioVoiceSenderOptions): TwilioVoiceSender {
  checkAccount('voice', options)
  const caller = checkFrom('voice', options.from, false)
  if (!options.renderer) throw new Error('voice: a renderer is required')
  const url = twilioUrl(options, 'Calls')

  async function send(message: OutboundMessage): Promise<SendResult> {
    if (message.channel !== 'voice') throw new PermanentSendError(`voice sender cannot send a ${message.channel} message`)
    const to = recipientPhone(message)
    // Scripts promise a transfer only when there is a care line to put the shopper through to.
    const vars = { ...message.vars, call: { connectsToPerson: Boolean(options.careLine) } }
    const rendered = options.renderer.render(message.template, message.locale, vars)
    // The voice follows the locale the script was actually written in (after template fallback).
    const twiml = buildTwiml(requirePart('voice', rendered.parts, 'say', message.template), rendered.locale, options.careLine, message.vars.links?.talkByPhone)
    if (twiml.length > MAX_TWIML_LENGTH) throw new PermanentSendError(`voice template ${message.template} is too long for a call (${twiml.length} > ${MAX_TWIML_LENGTH} characters of TwiML)`)
    const form = new URLSearchParams({ To: to, From: caller.from, Twiml: twiml })
    if (options.statusCallback) {
      form.set('StatusCallback', options.statusCallback(message.outboxId))
      form.set('StatusCallbackEvent', 'completed')
      form.set('StatusCallbackMethod', 'POST')
    }
    const response = await callProvider({
      provider: 'twilio voice',
      url,
      headers: twilioHeaders(options, message.idempotencyKey),
      body: form.toString(),
      timeoutMs: options.timeoutMs,
      classify: classifyTwilio,
      describe: describeTwilio,
    })
    const { sid, status } = sidOf(response)
    return { providerMessageId: sid, detail: `twilio call ${status ?? 'queued'}` }
  }

  return { channel: 'voice', send }
}
