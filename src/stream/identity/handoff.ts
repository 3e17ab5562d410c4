// Reads the engine's own hand-off records (merge requests, merge records, forwarded events) from a
// source record. Ingest never accepts their types (`careloop.*`), so on the embedded log only the
// engine writes them; on Kafka they are checked like any input and a malformed one is parked.
import { parseJsonRepaired } from '../../lib/text.ts'
import type { Handoff } from '../../model/identity.ts'
import type { FieldError } from '../../rules/conditions.ts'

const HANDOFF_TYPES = new Set(['careloop.merge-request', 'careloop.merge', 'careloop.forward'])

export type HandoffRead = { ok: true; handoff: Handoff } | { ok: false; errors: FieldError[] }

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** A source record's value as parsed JSON (Kafka hands over bytes, the embedded log objects). */
export function parsedValue(value: unknown): unknown {
  if (typeof value === 'string' || Buffer.isBuffer(value)) return parseJsonRepaired(typeof value === 'string' ? value : value.toString('utf8')).value
  return value
}

function mentionsHandoff(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('"careloop.')
  if (Buffer.isBuffer(value)) return value.includes('"careloop.')
  return isObject(value) && typeof value.type === 'string' && HANDOFF_TYPES.has(value.type)
}

const text = (body: Record<string, unknown>, key: string, errors: FieldError[]): string => {
  const value = Object.hasOwn(body, key) ? body[key] : undefined
  if (typeof value === 'string' && value.length > 0) return value
  errors.push({ path: `/${key}`, message: 'must be a non-empty string' })
  return ''
}

/** undefined: not a hand-off (an ordinary event); otherwise the hand-off or why it is malformed. */
export function readHandoff(value: unknown): HandoffRead | undefined {
  if (!mentionsHandoff(value)) return undefined
  let body: unknown
  try {
    body = parsedValue(value)
  } catch {
    return undefined // not JSON: the event decoder says so in its own words
  }
  if (!isObject(body) || typeof body.type !== 'string' || !HANDOFF_TYPES.has(body.type)) return undefined
  const errors: FieldError[] = []
  const messageId = text(body, 'messageId', errors)
  const userId = text(body, 'userId', errors)
  if (body.type === 'careloop.forward') {
    if (!isObject(body.message)) errors.push({ path: '/message', message: 'must be a JSON object' })
    return errors.length > 0 ? { ok: false, errors } : { ok: true, handoff: { type: 'careloop.forward', messageId, userId, message: body.message } }
  }
  const anonymousId = text(body, 'anonymousId', errors)
  const at = typeof body.at === 'number' && Number.isFinite(body.at) ? body.at : (errors.push({ path: '/at', message: 'must be a number' }), 0)
  if (body.type === 'careloop.merge-request') {
    return errors.length > 0 ? { ok: false, errors } : { ok: true, handoff: { type: 'careloop.merge-request', messageId, anonymousId, userId, at } }
  }
  if (!isObject(body.state)) errors.push({ path: '/state', message: 'must be a JSON object' })
  if (!Array.isArray(body.timers)) errors.push({ path: '/timers', message: 'must be an array' })
  if (errors.length > 0) return { ok: false, errors }
  return { ok: true, handoff: { type: 'careloop.merge', messageId, anonymousId, userId, at, state: body.state, timers: body.timers as unknown[] } }
}
