// The channel vocabulary: where a message can go and what it is about. The TypeBox schemas are
// the one definition; the lists are read off them, and the console is served the same lists.
import Type, { type Static } from 'typebox'

export const ChannelSchema = Type.Union([
  Type.Literal('email'),
  Type.Literal('sms'),
  Type.Literal('push'),
  Type.Literal('webhook'),
  Type.Literal('inapp'),
  Type.Literal('voice'),
])
export type Channel = Static<typeof ChannelSchema>

/** Every channel in the schema's order: the dispatcher's round, the preference rows, the console's lists. */
export const CHANNELS: readonly Channel[] = ChannelSchema.anyOf.map((literal) => literal.const)

/** What a message is about; a shopper consents per channel and topic. */
export const TopicSchema = Type.Union([Type.Literal('care'), Type.Literal('marketing')])
export type Topic = Static<typeof TopicSchema>

export const TOPICS: readonly Topic[] = TopicSchema.anyOf.map((literal) => literal.const)
