// Dead letters as ops see them (docs/dead-letters.md): input that could not be processed (kind
// "input": the dead_letters table) and messages that could not be delivered (kind "message":
// outbox rows with status dead), listed together newest first and resent after a fix.

export const DEAD_LETTER_KINDS = ['input', 'message'] as const
export type DeadLetterKind = (typeof DEAD_LETTER_KINDS)[number]

/** open: needs attention (input not yet resent; a message dead now). resent: resent at least once. */
export const DEAD_LETTER_STATES = ['open', 'resent', 'all'] as const
export type DeadLetterState = (typeof DEAD_LETTER_STATES)[number]

/** The source of a letter holding history rows the embedded history store refused (src/store/spool). */
export const HISTORY_LETTER_SOURCE = 'history'

/**
 * Input letters of these sources are not shop messages (a timer, a scheduled moment, history rows
 * the history store refused): no ingest path takes them.
 */
export const NOT_RESENDABLE_SOURCES: ReadonlySet<string> = new Set(['timer', 'schedule', HISTORY_LETTER_SOURCE])

/** The API's id of a letter: "input:<row id>" or "message:<outbox id>". */
export const DEAD_LETTER_ID_PATTERN = '^(input:[1-9][0-9]{0,15}|message:[^\\n]{1,1000})$'
export const MAX_RESEND = 500

export type LetterRef = { kind: 'input'; id: number } | { kind: 'message'; id: string }

export function letterId(ref: LetterRef): string {
  return `${ref.kind}:${ref.id}`
}

export function parseLetterId(id: string): LetterRef | undefined {
  if (id.startsWith('input:')) {
    const n = Number(id.slice(6))
    return /^[1-9][0-9]{0,15}$/.test(id.slice(6)) && Number.isSafeInteger(n) ? { kind: 'input', id: n } : undefined
  }
  if (id.startsWith('message:') && id.length > 8) return { kind: 'message', id: id.slice(8) }
  return undefined
}

export interface DeadLetterFilter {
  kind?: DeadLetterKind
  /** Input: where it came from (http, the engine's source, timer, schedule); message: the channel. */
  source?: string
  /** Part of the reason, any case. */
  reason?: string
  /** Messages of this rule only (input letters have no rule: none are listed). */
  rule?: string
  /** Time range [from, to) of receipt (input) or of the message's last change (message). */
  from?: number
  to?: number
  state: DeadLetterState
}

/** Where a page ended: letters are ordered by time, then kind (message before input), then id, all descending. */
export type DeadLetterCursor = { at: number } & LetterRef

export function encodeCursor(c: DeadLetterCursor): string {
  return Buffer.from(JSON.stringify([c.at, c.kind, c.id])).toString('base64url')
}

export function decodeCursor(text: string): DeadLetterCursor | undefined {
  let value: unknown
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'))
  } catch {
    return undefined
  }
  if (!Array.isArray(value) || value.length !== 3 || !Number.isSafeInteger(value[0])) return undefined
  const [at, kind, id] = value as [number, unknown, unknown]
  if (kind === 'input' && Number.isSafeInteger(id) && (id as number) > 0) return { at, kind, id: id as number }
  if (kind === 'message' && typeof id === 'string' && id.length > 0 && id.length <= 1000) return { at, kind, id }
  return undefined
}

export interface DeadLetterSummary {
  id: string
  kind: DeadLetterKind
  at: number
  source: string
  reason: string
  /** Messages: delivery status now (dead, or where a resend got to); input: open or resent. */
  status: string
  resentAt: number | null
  resentBy: string | null
  /** Input letters: what the last resend came to. */
  resendOutcome: string | null
  customerId: string | null
  ruleId: string | null
  template: string | null
}

export type ResendOutcome =
  /** Input: valid now, handed to the engine through the ingest path (processing follows). */
  | 'accepted'
  /** Input: refused again; a new letter holds the new reason. */
  | 'dead-again'
  /** Message: back in the outbox as pending; send-time guards decide again. */
  | 'requeued'
  | 'not-resendable'
  | 'not-found'
  /** Message: not dead (already resent, or sent meanwhile). */
  | 'not-dead'

export interface ResendResult {
  id: string
  outcome: ResendOutcome
  reason?: string
  /** dead-again: the new letter. */
  newId?: string
}
