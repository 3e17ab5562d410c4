// Request schemas of the dead-letter routes (docs/dead-letters.md).
import Type from 'typebox'
import { DEAD_LETTER_ID_PATTERN, DEAD_LETTER_KINDS, DEAD_LETTER_STATES, MAX_RESEND, type DeadLetterFilter, type DeadLetterState } from '../../model/deadLetter.ts'

const Text = (description: string) => Type.String({ minLength: 1, maxLength: 200, description })
const Time = (description: string) => Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description })

const filterFields = {
  kind: Type.Optional(Type.Union(DEAD_LETTER_KINDS.map((k) => Type.Literal(k)), { description: 'input (events that could not be processed) or message (messages that went dead); both when absent' })),
  source: Type.Optional(Text('input: where it came from (http, embedded, kafka:<group id>, timer, schedule); message: the channel')),
  reason: Type.Optional(Text('part of the reason, any case')),
  rule: Type.Optional(Text('messages of this rule only')),
  from: Type.Optional(Time('from this time (epoch ms), inclusive')),
  to: Type.Optional(Time('before this time (epoch ms)')),
  state: Type.Optional(Type.Union(DEAD_LETTER_STATES.map((s) => Type.Literal(s)), { description: 'open (default): needing attention; resent: resent at least once; all' })),
}

/** A filter as asked for: the state may be left out (open). */
export type FilterInput = Omit<DeadLetterFilter, 'state'> & { state?: DeadLetterState }

export const ListQuery = Type.Object({
  ...filterFields,
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, pattern: '^[A-Za-z0-9_-]+$', description: 'the `next` of the previous page' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, description: 'default 50' })),
})
export type ListQuery = FilterInput & { cursor?: string; limit?: number }

export const LetterParams = Type.Object({ id: Type.String({ pattern: DEAD_LETTER_ID_PATTERN, maxLength: 1010, description: 'input:<n> or message:<outbox id>' }) })

export const ResendBody = Type.Object(
  {
    ids: Type.Optional(Type.Array(Type.String({ pattern: DEAD_LETTER_ID_PATTERN, maxLength: 1010 }), { minItems: 1, maxItems: MAX_RESEND, description: 'the letters to resend' })),
    filter: Type.Optional(Type.Object(filterFields, { additionalProperties: false, description: `every letter the filter lists (state open unless given), at most ${MAX_RESEND} a call` })),
  },
  { additionalProperties: false },
)
export type ResendBody = { ids?: string[]; filter?: FilterInput }
