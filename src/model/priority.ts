// Task priorities and their ranks (the work list orders by rank; a higher rank comes first).
import Type, { type Static } from 'typebox'

export const PrioritySchema = Type.Union([Type.Literal('low'), Type.Literal('normal'), Type.Literal('high'), Type.Literal('urgent')])
export type Priority = Static<typeof PrioritySchema>

/** Lowest first, in the schema's order. */
export const PRIORITIES: readonly Priority[] = PrioritySchema.anyOf.map((literal) => literal.const)

/** Indexable by any stored priority string; one the vocabulary does not know has no rank. */
export const PRIORITY_RANK: Readonly<Record<string, number>> = { low: 10, normal: 20, high: 30, urgent: 40 } satisfies Record<Priority, number>

const DEFAULT_RANK = 20

/** The rank of a stored priority; an unknown one ranks as normal. */
export function priorityRank(priority: string): number {
  return (Object.hasOwn(PRIORITY_RANK, priority) ? PRIORITY_RANK[priority] : undefined) ?? DEFAULT_RANK
}
