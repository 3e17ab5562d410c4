// Input messages → validated ShopEvents, or a reason with the field path. Shared by HTTP ingest
// and the stream sources, so both reject exactly the same things in the same words.
import { Ajv } from 'ajv'
import { RESERVED_MESSAGE_ID_PREFIX } from '../model/identity.ts'
import { IdentifyMessageSchema, TrackMessageSchema, type ShopEvent } from '../model/event.ts'
import { parseJsonRepaired, TextPolicyError } from '../lib/text.ts'
import { toFieldErrors } from '../rules/schemaErrors.ts'
import type { FieldError } from '../rules/conditions.ts'

const ajv = new Ajv({ allErrors: true, strict: false })
const validateTrack = ajv.compile(TrackMessageSchema)
const validateIdentify = ajv.compile(IdentifyMessageSchema)

/** `repaired`: characters the text policy replaced (stream input; HTTP repairs at its door). */
export type DecodeResult = ({ ok: true; event: ShopEvent } | { ok: false; errors: FieldError[] }) & { repaired?: number }

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** Validates one Segment message. `prefix` is prepended to error paths (e.g. /batch/3). */
export function decodeMessage(input: unknown, receivedAt: number, prefix = ''): DecodeResult {
  if (!isObject(input)) return { ok: false, errors: [{ path: prefix || '/', message: 'must be a JSON object' }] }
  const type = input.type
  const validate = type === 'track' ? validateTrack : type === 'identify' ? validateIdentify : undefined
  if (validate === undefined) {
    return { ok: false, errors: [{ path: `${prefix}/type`, message: 'must be "track" or "identify"' }] }
  }
  if (!validate(input)) return { ok: false, errors: toFieldErrors(validate.errors, prefix) }
  const msg = input as Record<string, unknown> & { messageId: string; userId?: string; anonymousId?: string; timestamp?: string }
  const errors: FieldError[] = []
  if (msg.messageId.startsWith(RESERVED_MESSAGE_ID_PREFIX)) {
    errors.push({ path: `${prefix}/messageId`, message: `must not start with "${RESERVED_MESSAGE_ID_PREFIX}" (reserved for careloop's own records)` })
  }
  if (msg.userId === undefined && msg.anonymousId === undefined) {
    errors.push({ path: `${prefix}/userId`, message: 'userId or anonymousId is required' })
  }
  let ts = receivedAt
  if (msg.timestamp !== undefined) {
    ts = Date.parse(msg.timestamp)
    if (Number.isNaN(ts)) errors.push({ path: `${prefix}/timestamp`, message: 'must be an ISO-8601 date-time' })
  }
  if (errors.length > 0) return { ok: false, errors }
  const context = isObject(msg.context) ? (msg.context as ShopEvent['context']) : {}
  const body = type === 'track' ? msg.properties : msg.traits
  return {
    ok: true,
    event: {
      type: type === 'track' ? 'track' : 'identify',
      messageId: msg.messageId,
      customerId: msg.userId ?? `anon:${msg.anonymousId as string}`,
      ...(msg.userId === undefined ? {} : { userId: msg.userId }),
      ...(msg.anonymousId === undefined ? {} : { anonymousId: msg.anonymousId }),
      name: type === 'track' ? (msg.event as string) : 'Identify',
      ts,
      properties: isObject(body) ? body : {},
      context,
    },
  }
}

/**
 * Decodes raw bytes from a stream (Kafka value, log row), applying the text policy first: NUL and
 * lone surrogates become U+FFFD, as at the HTTP door. Invalid UTF-8 bytes decode to U+FFFD too.
 */
export function decodeBytes(bytes: Buffer | string, receivedAt: number): DecodeResult {
  let parsed: { value: unknown; repaired: number }
  try {
    parsed = parseJsonRepaired(typeof bytes === 'string' ? bytes : bytes.toString('utf8'))
  } catch (err) {
    if (err instanceof TextPolicyError) return { ok: false, errors: [{ path: '/', message: err.message }] }
    return { ok: false, errors: [{ path: '/', message: `not JSON: ${(err as Error).message}` }] }
  }
  const result = decodeMessage(parsed.value, receivedAt)
  return parsed.repaired > 0 ? { ...result, repaired: parsed.repaired } : result
}
