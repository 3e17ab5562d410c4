// Input messages → validated ShopEvents, or every reason at once with its field path. Shared by
// HTTP ingest and the stream sources, so both reject exactly the same things in the same words.
import { Ajv, type ValidateFunction } from 'ajv'
import { MESSAGE_TYPES, MessageSchemas, ShopEventNames as E, type MessageType, type ShopEvent } from '../model/event.ts'
import { parseJsonRepaired, TextPolicyError } from '../lib/text.ts'
import { anonymousCustomerId, anonymousIdOf, RESERVED_MESSAGE_ID_PREFIX } from '../model/identity.ts'
import { toFieldErrors } from '../rules/schemaErrors.ts'
import type { FieldError } from '../rules/conditions.ts'
import { commerceErrors, isIsoDateTime, storableTime } from './commerce.ts'
import { deriveMessageId } from './messageId.ts'

const ajv = new Ajv({ allErrors: true, strict: false })
const validators = new Map<string, ValidateFunction>(MESSAGE_TYPES.map((type) => [type, ajv.compile(MessageSchemas[type])]))

/** `repaired`: characters the text policy replaced (stream input; HTTP repairs at its door). */
export type DecodeResult = ({ ok: true; event: ShopEvent } | { ok: false; errors: FieldError[] }) & { repaired?: number }

type Message = Record<string, unknown>

function isObject(value: unknown): value is Message {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function own(obj: Message, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined
}

/** The message's messageId, or one derived from its content when it has none. */
export function messageIdOf(message: Message): string {
  const given = own(message, 'messageId')
  return typeof given === 'string' && given.length > 0 ? given : deriveMessageId(message)
}

/** Checks the schema leaves to code, so every problem of a message is reported in one answer. */
function contractErrors(msg: Message, type: MessageType, prefix: string, schemaErrors: readonly FieldError[]): FieldError[] {
  const errors: FieldError[] = []
  const reported = (path: string) => schemaErrors.some((e) => e.path === path)
  const messageId = own(msg, 'messageId')
  if (typeof messageId === 'string' && messageId.startsWith(RESERVED_MESSAGE_ID_PREFIX)) {
    errors.push({ path: `${prefix}/messageId`, message: `must not start with "${RESERVED_MESSAGE_ID_PREFIX}" (reserved for careloop's own records)` })
  }
  const userId = own(msg, 'userId')
  // An `anon:` customer id is an anonymous shopper's: a known id written that way would be taken
  // for one (addressing, merges, erasure).
  if (typeof userId === 'string' && anonymousIdOf(userId) !== undefined) {
    errors.push({ path: `${prefix}/userId`, message: `must not start with "${anonymousCustomerId('')}" (how careloop names anonymous shoppers)` })
  }
  if (userId === undefined && own(msg, 'anonymousId') === undefined && type !== 'alias') {
    errors.push({ path: `${prefix}/userId`, message: 'userId or anonymousId is required' })
  }
  const timestamp = own(msg, 'timestamp')
  if (typeof timestamp === 'string' && !reported(`${prefix}/timestamp`)) {
    if (!isIsoDateTime(timestamp)) errors.push({ path: `${prefix}/timestamp`, message: 'must be an ISO-8601 date-time (e.g. 2026-07-01T18:00:00Z)' })
    // Event history keeps times as milliseconds since 1970: an earlier one would be refused there, after ingest said yes.
    else if (!storableTime(Date.parse(timestamp))) errors.push({ path: `${prefix}/timestamp`, message: 'must be on or after 1970-01-01T00:00:00Z' })
  }
  if (type === 'track' && typeof own(msg, 'event') === 'string') {
    errors.push(...commerceErrors(msg.event as string, own(msg, 'properties'), `${prefix}/properties`))
  }
  return errors
}

/** Page and screen properties with the call's name and category; path, url … from context.page when absent. */
function viewProperties(msg: Message, type: 'page' | 'screen'): Message {
  const given = own(msg, 'properties')
  const out: Message = isObject(given) ? { ...given } : {}
  const context = own(msg, 'context')
  const page = type === 'page' && isObject(context) ? own(context, 'page') : undefined
  if (isObject(page)) {
    for (const key of ['path', 'url', 'title', 'referrer', 'search']) {
      if (!Object.hasOwn(out, key) && typeof own(page, key) === 'string') out[key] = page[key]
    }
  }
  for (const key of ['name', 'category']) if (typeof own(msg, key) === 'string') out[key] = msg[key]
  return out
}

function toShopEvent(msg: Message, type: MessageType, ts: number): ShopEvent {
  const context = isObject(msg.context) ? (msg.context as ShopEvent['context']) : {}
  const customerId = typeof msg.userId === 'string' ? msg.userId : `anon:${msg.anonymousId as string}`
  const ids = {
    ...(typeof msg.userId === 'string' ? { userId: msg.userId } : {}),
    ...(typeof msg.anonymousId === 'string' ? { anonymousId: msg.anonymousId } : {}),
  }
  const base = { type, messageId: messageIdOf(msg), customerId, ...ids, ts, context }
  const traits = isObject(own(msg, 'traits')) ? (msg.traits as Message) : {}
  switch (type) {
    case 'track':
      return { ...base, name: msg.event as string, properties: isObject(own(msg, 'properties')) ? (msg.properties as Message) : {} }
    case 'identify':
      return { ...base, name: E.identify, properties: traits }
    case 'page':
      return { ...base, name: E.pageViewed, properties: viewProperties(msg, 'page') }
    case 'screen':
      return { ...base, name: E.screenViewed, properties: viewProperties(msg, 'screen') }
    case 'alias':
      return { ...base, name: E.alias, properties: { previousId: msg.previousId }, previousId: msg.previousId as string }
    case 'group':
      return { ...base, name: E.group, properties: traits, groupId: msg.groupId as string }
  }
}

/** Validates one Segment message. `prefix` is prepended to error paths (e.g. /batch/3). */
export function decodeMessage(input: unknown, receivedAt: number, prefix = ''): DecodeResult {
  if (!isObject(input)) return { ok: false, errors: [{ path: prefix || '/', message: 'must be a JSON object' }] }
  const type = own(input, 'type')
  const validate = typeof type === 'string' ? validators.get(type) : undefined
  if (validate === undefined) {
    return { ok: false, errors: [{ path: `${prefix}/type`, message: `must be one of ${MESSAGE_TYPES.map((t) => `"${t}"`).join(', ')}` }] }
  }
  const schemaErrors = validate(input) ? [] : toFieldErrors(validate.errors, prefix)
  const errors = [...schemaErrors, ...contractErrors(input, type as MessageType, prefix, schemaErrors)]
  if (errors.length > 0) return { ok: false, errors }
  const timestamp = own(input, 'timestamp')
  const ts = typeof timestamp === 'string' ? Date.parse(timestamp) : receivedAt
  return { ok: true, event: toShopEvent(input, type as MessageType, ts) }
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
