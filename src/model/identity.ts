// Identity vocabulary: how an anonymous shopper (`anon:<anonymousId>`) becomes a known one, and the
// hand-off records the engine passes through the event log to keep one writer per customer
// (docs/identity.md).
import type { ShopEvent } from './event.ts'
import { edgePart } from './idParts.ts'

const ANONYMOUS_PREFIX = 'anon:'

export function anonymousCustomerId(anonymousId: string): string {
  return `${ANONYMOUS_PREFIX}${anonymousId}`
}

/** The anonymous id behind an `anon:` customer id; undefined for a known id. */
export function anonymousIdOf(customerId: string): string | undefined {
  return customerId.startsWith(ANONYMOUS_PREFIX) ? customerId.slice(ANONYMOUS_PREFIX.length) : undefined
}

/** An event's claim that an anonymous shopper is this known one. */
export interface IdentityClaim {
  anonymousId: string
  userId: string
}

/** `identify`/`track` carrying both ids, or `alias` (previousId → userId), claims a link. */
export function claimOf(event: ShopEvent): IdentityClaim | undefined {
  const anonymousId = (event.type as string) === 'alias' ? event.previousId : event.anonymousId
  if (anonymousId === undefined || event.userId === undefined) return undefined
  // An alias whose previous id is the known id itself links nothing.
  if (anonymousId === event.userId && (event.type as string) === 'alias') return undefined
  return { anonymousId, userId: event.userId }
}

/** Message ids starting with this are the engine's own hand-offs; ingest refuses them. */
export const RESERVED_MESSAGE_ID_PREFIX = 'careloop:'

/** Known id's owner → anonymous id's owner: seal the anonymous profile into `userId`. */
export interface MergeRequest {
  type: 'careloop.merge-request'
  messageId: string
  anonymousId: string
  userId: string
  at: number
}

/** Anonymous id's owner → known id's owner: the sealed profile and its pending timers to fold in. */
export interface MergeRecord {
  type: 'careloop.merge'
  messageId: string
  anonymousId: string
  userId: string
  at: number
  /** The anonymous CustomerState as stored (JSON). */
  state: unknown
  /** Its pending timers (TimerRecord shape), re-armed under the known id. */
  timers: unknown[]
}

/** An event for a sealed anonymous id, passed on to the known id (same messageId: deduplicated there). */
export interface ForwardedEvent {
  type: 'careloop.forward'
  messageId: string
  userId: string
  /** The message as received. */
  message: unknown
}

export type Handoff = MergeRequest | MergeRecord | ForwardedEvent

/** A hand-off to append to the event log / events topic, keyed by the customer who must apply it. */
export interface HandoffRecord {
  key: string
  /** Unique id in the log: a replay writes the same one, so it is stored once. */
  logId: string
  body: Handoff
}

export function mergeRequest(claim: IdentityClaim, at: number): HandoffRecord {
  const logId = `${RESERVED_MESSAGE_ID_PREFIX}merge-request:${edgePart(claim.anonymousId)}:${claim.userId}`
  return { key: anonymousCustomerId(claim.anonymousId), logId, body: { type: 'careloop.merge-request', messageId: logId, ...claim, at } }
}

export function mergeRecord(claim: IdentityClaim, at: number, state: unknown, timers: unknown[]): HandoffRecord {
  const logId = `${RESERVED_MESSAGE_ID_PREFIX}merge:${edgePart(claim.anonymousId)}:${claim.userId}`
  return { key: claim.userId, logId, body: { type: 'careloop.merge', messageId: logId, ...claim, at, state, timers } }
}

export function forwardedEvent(userId: string, messageId: string, message: unknown): HandoffRecord {
  const logId = `${RESERVED_MESSAGE_ID_PREFIX}forward:${edgePart(userId)}:${messageId}`
  return { key: userId, logId, body: { type: 'careloop.forward', messageId, userId, message } }
}
