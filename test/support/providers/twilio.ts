// A fake Twilio REST API (Messages.json and Calls.json) on a local port, speaking the wire format:
// Basic auth, form bodies, Twilio error JSON, SM…/CA… sids, I-Twilio-Idempotency-Token replay.
// It can also play Twilio's part afterwards: post signed status callbacks to StatusCallback URLs.
import { createHmac, randomBytes } from 'node:crypto'
import { FailureScript, startLocalServer, type RecordedRequest, type Reply } from './server.ts'

export interface TwilioRequest extends RecordedRequest {
  resource: 'Messages' | 'Calls'
  form: Record<string, string>
}

export interface TwilioResource {
  sid: string
  resource: 'Messages' | 'Calls'
  form: Record<string, string>
}

export interface FakeTwilio {
  url: string
  /** Every API request, in order, including rejected ones. */
  requests: TwilioRequest[]
  /** Messages and calls accepted (a replayed idempotency token adds nothing). */
  created: TwilioResource[]
  /** The next `count` requests fail with `status` (default body: Twilio error JSON). */
  failNext(count: number, status: number, body?: unknown, headers?: Record<string, string>): void
  /** Every following request fails with HTTP 400 and this Twilio error code, until recover(). */
  failPermanently(code: number): void
  recover(): void
  /** Posts a status callback for a created sid to its StatusCallback, signed like Twilio does. */
  statusCallback(sid: string, status: string, extra?: Record<string, string>, options?: CallbackOptions): Promise<Response>
  close(): Promise<void>
}

export interface CallbackOptions {
  /** Post here instead of the recorded StatusCallback. */
  url?: string
  /** Sign with this token instead of the account's (to test a bad signature). */
  signWith?: string
}

const API_VERSION = '2010-04-01'
const sidFor = (prefix: string) => prefix + randomBytes(16).toString('hex')
const E164 = /^\+[1-9]\d{6,14}$/

const ERRORS: Record<number, string> = {
  20003: 'Authenticate',
  20404: 'The requested resource was not found',
  21211: "The 'To' number is not a valid phone number.",
  21602: 'Message body is required.',
  21603: "A 'From' phone number is required.",
  21604: "A 'To' phone number is required.",
  21205: 'Url parameter is required.',
  21610: 'Attempt to send to unsubscribed recipient',
  21614: "'To' number is not a valid mobile number",
  20429: 'Too Many Requests',
  20500: 'Internal Server Error',
}

export function twilioError(code: number, status: number): Reply {
  return { status, body: { code, message: ERRORS[code] ?? `error ${code}`, more_info: `https://www.twilio.com/docs/errors/${code}`, status } }
}

/** Twilio's request signature, computed here independently of the code under test. */
export function signTwilio(authToken: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, key) => acc + key + params[key], url)
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf-8')).digest('base64')
}

function resourceJson(accountSid: string, resource: 'Messages' | 'Calls', sid: string, form: Record<string, string>): unknown {
  const now = new Date().toUTCString().replace('GMT', '+0000')
  const common = {
    sid,
    account_sid: accountSid,
    api_version: API_VERSION,
    date_created: now,
    date_updated: now,
    direction: 'outbound-api',
    to: form.To,
    uri: `/${API_VERSION}/Accounts/${accountSid}/${resource}/${sid}.json`,
  }
  if (resource === 'Calls') {
    return { ...common, from: form.From, status: 'queued', start_time: null, end_time: null, duration: null, price: null, answered_by: null, caller_name: null, parent_call_sid: null }
  }
  return {
    ...common,
    body: form.Body,
    from: form.From ?? null,
    messaging_service_sid: form.MessagingServiceSid ?? null,
    status: form.MessagingServiceSid ? 'accepted' : 'queued',
    num_segments: String(Math.max(1, Math.ceil((form.Body ?? '').length / 160))),
    num_media: '0',
    error_code: null,
    error_message: null,
    price: null,
    price_unit: 'USD',
    date_sent: null,
  }
}

function missingField(resource: 'Messages' | 'Calls', form: Record<string, string>): number | undefined {
  if (!form.To) return 21604
  if (resource === 'Messages') {
    if (!form.From && !form.MessagingServiceSid) return 21603
    if (!form.Body) return 21602
  } else {
    if (!form.From) return 21603
    if (!form.Url && !form.Twiml && !form.ApplicationSid) return 21205
  }
  if (!E164.test(form.To)) return 21211
  return undefined
}

export async function startFakeTwilio(account: { accountSid: string; authToken: string }): Promise<FakeTwilio> {
  const requests: TwilioRequest[] = []
  const created: TwilioResource[] = []
  const replayed = new Map<string, Reply>()
  const script = new FailureScript()
  let permanentCode: number | undefined
  const basic = `Basic ${Buffer.from(`${account.accountSid}:${account.authToken}`).toString('base64')}`

  function handle(raw: RecordedRequest): Reply {
    const match = /^\/2010-04-01\/Accounts\/([^/]+)\/(Messages|Calls)\.json$/.exec(raw.path)
    if (raw.method !== 'POST' || !match) return twilioError(20404, 404)
    const resource = match[2] as 'Messages' | 'Calls'
    const form = Object.fromEntries(new URLSearchParams(raw.rawBody))
    requests.push({ ...raw, resource, form })
    if (raw.headers.authorization !== basic) return twilioError(20003, 401)
    if (match[1] !== account.accountSid) return twilioError(20404, 404)
    const scripted = script.take()
    if (scripted) return scripted
    if (permanentCode !== undefined) return twilioError(permanentCode, 400)
    const token = raw.headers['i-twilio-idempotency-token']
    const key = typeof token === 'string' ? `${resource}:${token}` : undefined
    const previous = key === undefined ? undefined : replayed.get(key)
    if (previous) return previous
    const missing = missingField(resource, form)
    if (missing !== undefined) return twilioError(missing, 400)
    const sid = sidFor(resource === 'Messages' ? 'SM' : 'CA')
    created.push({ sid, resource, form })
    const reply: Reply = { status: 201, body: resourceJson(account.accountSid, resource, sid, form) }
    if (key !== undefined) replayed.set(key, reply)
    return reply
  }

  const server = await startLocalServer(handle)

  async function statusCallback(sid: string, status: string, extra: Record<string, string> = {}, options: CallbackOptions = {}): Promise<Response> {
    const resource = created.find((r) => r.sid === sid)
    if (!resource) throw new Error(`fake twilio: no message or call ${sid}`)
    const url = options.url ?? resource.form.StatusCallback
    if (!url) throw new Error(`fake twilio: ${sid} was created without a StatusCallback`)
    const { To: to = '', From: from = '' } = resource.form
    const params: Record<string, string> =
      resource.resource === 'Messages'
        ? { AccountSid: account.accountSid, ApiVersion: API_VERSION, From: from, MessageSid: sid, MessageStatus: status, SmsSid: sid, SmsStatus: status, To: to, ...extra }
        : { AccountSid: account.accountSid, ApiVersion: API_VERSION, CallSid: sid, CallStatus: status, Called: to, Caller: from, Direction: 'outbound-api', From: from, To: to, CallbackSource: 'call-progress-events', SequenceNumber: '0', Timestamp: new Date().toUTCString(), ...extra }
    return fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'user-agent': 'TwilioProxy/1.1',
        'x-twilio-signature': signTwilio(options.signWith ?? account.authToken, url, params),
      },
      body: new URLSearchParams(params).toString(),
    })
  }

  return {
    url: server.url,
    requests,
    created,
    failNext: (count, status, body, headers) => script.add(count, body === undefined ? { ...twilioError(status === 429 ? 20429 : 20500, status), headers } : { status, body, headers }),
    failPermanently: (code) => {
      permanentCode = code
    },
    recover: () => {
      permanentCode = undefined
      script.clear()
    },
    statusCallback,
    close: () => server.close(),
  }
}
