// A fake FCM HTTP v1 endpoint on a local port: bearer auth, Google's error JSON, UNREGISTERED
// tokens and scriptable outages with Retry-After.
import { randomBytes } from 'node:crypto'
import { FailureScript, startLocalServer, type RecordedRequest, type Reply } from './server.ts'

export interface FcmRequest extends RecordedRequest {
  /** The parsed JSON body (undefined when it was not JSON). */
  json: any
}

export interface FakeFcm {
  url: string
  requests: FcmRequest[]
  /** Names of the messages accepted. */
  sent: Array<{ name: string; message: any }>
  /** From now on this token answers 404 UNREGISTERED (the app was uninstalled). */
  unregister(token: string): void
  /** The next `count` requests get 503 UNAVAILABLE (or `status`), with Retry-After when given. */
  failNext(count: number, options?: { status?: number; retryAfter?: string; body?: unknown }): void
  close(): Promise<void>
}

const FCM_ERROR_TYPE = 'type.googleapis.com/google.firebase.fcm.v1.FcmError'
const STATUS_NAMES: Record<number, string> = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 503: 'UNAVAILABLE' }

export function fcmError(status: number, message: string, errorCode?: string): Reply {
  return {
    status,
    body: { error: { code: status, message, status: STATUS_NAMES[status] ?? 'UNKNOWN', ...(errorCode ? { details: [{ '@type': FCM_ERROR_TYPE, errorCode }] } : {}) } },
  }
}

// Real registration tokens are long strings of [A-Za-z0-9_:-].
const TOKEN = /^[A-Za-z0-9_:-]{20,}$/

export async function startFakeFcm(options: { projectId: string; accessToken: string }): Promise<FakeFcm> {
  const requests: FcmRequest[] = []
  const sent: FakeFcm['sent'] = []
  const unregistered = new Set<string>()
  const script = new FailureScript()

  function handle(raw: RecordedRequest): Reply {
    let json: any
    try {
      json = JSON.parse(raw.rawBody)
    } catch {
      json = undefined
    }
    requests.push({ ...raw, json })
    if (raw.method !== 'POST' || raw.path !== `/v1/projects/${options.projectId}/messages:send`) return fcmError(404, 'Requested entity was not found.')
    if (raw.headers.authorization !== `Bearer ${options.accessToken}`) {
      return fcmError(401, 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.')
    }
    const scripted = script.take()
    if (scripted) return scripted
    const message = json?.message
    if (typeof message !== 'object' || message === null) return fcmError(400, 'Invalid JSON payload received.', 'INVALID_ARGUMENT')
    const data = message.data ?? {}
    if (Object.values(data).some((v) => typeof v !== 'string')) return fcmError(400, 'Invalid value at message.data: values must be strings', 'INVALID_ARGUMENT')
    if (typeof message.token !== 'string' || !TOKEN.test(message.token)) return fcmError(400, 'The registration token is not a valid FCM registration token', 'INVALID_ARGUMENT')
    if (unregistered.has(message.token)) return fcmError(404, 'Requested entity was not found.', 'UNREGISTERED')
    const name = `projects/${options.projectId}/messages/0:${Date.now()}%${randomBytes(8).toString('hex')}`
    sent.push({ name, message })
    return { status: 200, body: { name } }
  }

  const server = await startLocalServer(handle)
  return {
    url: server.url,
    requests,
    sent,
    unregister: (token) => void unregistered.add(token),
    failNext: (count, o = {}) => {
      const status = o.status ?? 503
      const base = o.body === undefined ? fcmError(status, 'The service is currently unavailable.', STATUS_NAMES[status]) : { status, body: o.body }
      script.add(count, { ...base, ...(o.retryAfter ? { headers: { 'retry-after': o.retryAfter } } : {}) })
    },
    close: () => server.close(),
  }
}
