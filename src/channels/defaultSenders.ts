// The senders a running careloop uses: email (SMTP or pickup directory) and the in-app inbox
// always; SMS and the phone robot with a Twilio account; push with FCM; webhooks with an endpoint.
import { join } from 'node:path'
import type { Clock } from '../lib/clock.ts'
import type { InboxStore } from '../store/operational/InboxStore.ts'
import { createEmailSender } from './email/index.ts'
import { createInAppSender } from './inapp/index.ts'
import { callbackUrl, type LinkSettings } from './links.ts'
import { createFcmPushSender } from './push/index.ts'
import { createTwilioSmsSender } from './sms/index.ts'
import { createChannelRenderer, createTemplateRenderer, type TemplateOverrides } from './templates/index.ts'
import type { ChannelSender } from './types.ts'
import { createTwilioVoiceSender } from './voice/index.ts'
import { createWebhookSender } from './webhook/index.ts'

export interface SenderSettings {
  dataDir: string
  smtpUrl: string | undefined
  mailFrom: string
  twilio: { baseUrl: string; accountSid: string; authToken: string; smsFrom: string | undefined; voiceFrom: string | undefined; careLine: string | undefined } | undefined
  fcm: { baseUrl: string; projectId: string; accessToken: string } | undefined
  webhook: { url: string; secret: string } | undefined
}

export function defaultSenders(settings: SenderSettings, deps: { inbox: InboxStore; clock: Clock; links: LinkSettings; overrides?: TemplateOverrides }): ChannelSender[] {
  const { clock, links } = deps
  // Stored live template versions (one shared, refreshed object) are sent instead of the files.
  const o = { overrides: deps.overrides }
  const senders: ChannelSender[] = [
    createEmailSender({ smtpUrl: settings.smtpUrl, from: settings.mailFrom, pickupDir: join(settings.dataDir, 'mail'), clock, renderer: createTemplateRenderer(o) }),
    createInAppSender({ inbox: deps.inbox, renderer: createChannelRenderer('inapp', o), clock }),
  ]
  const { twilio, fcm, webhook } = settings
  if (twilio?.smsFrom) {
    senders.push(createTwilioSmsSender({ ...twilio, from: twilio.smsFrom, renderer: createChannelRenderer('sms', o), statusCallback: (id) => callbackUrl(links, 'twilio-sms', id) }))
  }
  if (twilio?.voiceFrom) {
    senders.push(
      createTwilioVoiceSender({ ...twilio, from: twilio.voiceFrom, careLine: twilio.careLine, renderer: createChannelRenderer('voice', o), statusCallback: (id) => callbackUrl(links, 'twilio-voice', id) }),
    )
  }
  if (fcm) senders.push(createFcmPushSender({ baseUrl: fcm.baseUrl, projectId: fcm.projectId, accessToken: () => fcm.accessToken, renderer: createChannelRenderer('push', o) }))
  if (webhook) senders.push(createWebhookSender({ url: webhook.url, secret: webhook.secret, clock }))
  return senders
}
