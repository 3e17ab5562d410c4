// The shop's guard policy: which channels interrupt a shopper, how often careloop may contact
// one per day, quiet hours, and how long rules compete for one shopper. Stored as a setting,
// edited through /api/guard-policy, validated by this schema.
import Type, { type Static } from 'typebox'
import { DURATION_PATTERN } from '../../lib/duration.ts'
import { ChannelSchema } from '../../model/channel.ts'
import { LAWFUL_CONSENT_DEFAULTS } from '../../model/consent.ts'

const ConsentChannels = Type.Partial(Type.Record(ChannelSchema, Type.Boolean()), { additionalProperties: false })
const Cap = Type.Integer({ minimum: 0, maximum: 100 })
/**
 * Care nudges for one shopper gathered into one message (docs/digest.md): items decided within
 * `window` of the first (its local calendar day, or a duration), at most `maxItems` a message.
 */
export const DigestSettingSchema = Type.Object(
  {
    window: Type.Union([Type.Literal('local-day'), Type.String({ pattern: DURATION_PATTERN })]),
    maxItems: Type.Integer({ minimum: 2, maximum: 10 }),
  },
  { additionalProperties: false },
)
export type DigestSetting = Static<typeof DigestSettingSchema>
/** Channels that have a digest template (templates/email/care-digest). */
const DigestChannels = Type.Object({ email: Type.Optional(DigestSettingSchema) }, { additionalProperties: false })
const ClockTime = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'HH:MM in the shopper time zone' })

export const GuardPolicySchema = Type.Object(
  {
    /**
     * Channels that reach the shopper's attention. Caps, quiet hours, conflicts and the
     * human-contact rule apply to these; the others (in-app inbox, webhooks to the shop's own
     * systems) only need consent.
     */
    interruptive: Type.Array(ChannelSchema, { uniqueItems: true }),
    caps: Type.Object(
      {
        /** Contacts per calendar day in the shopper's time zone, all interruptive channels and agents together; null = no cap. */
        perDay: Type.Union([Cap, Type.Null()]),
        /** Contacts per calendar day on one channel; a channel left out has no cap of its own. */
        perChannel: Type.Partial(Type.Record(ChannelSchema, Cap), { additionalProperties: false }),
      },
      { additionalProperties: false },
    ),
    /** Non-urgent interruptive messages wait until `end`; null = no quiet hours. */
    quietHours: Type.Union([Type.Object({ start: ClockTime, end: ClockTime }, { additionalProperties: false }), Type.Null()]),
    /** After an agent's call or message, no automated interruptive message for the rest of that day. */
    humanContactQuietsDay: Type.Boolean(),
    /** Rules firing for one shopper within this window compete; only the highest priority goes out. */
    conflictWindow: Type.String({ pattern: DURATION_PATTERN }),
    /** For shoppers without a (valid) time zone. */
    defaultTimezone: Type.String({ minLength: 1, maxLength: 64 }),
    /**
     * Per topic, the channels a shopper with no recorded choice may be sent (true); a channel left
     * out or false needs a recorded opt-in. Default: care everywhere, marketing nowhere (docs/consent.md).
     */
    consentDefaults: Type.Object(
      { care: ConsentChannels, marketing: ConsentChannels },
      { additionalProperties: false },
    ),
    /** Per topic and channel, whether and how nudges due together go out as one digest; left out = one message each. */
    digest: Type.Object({ care: Type.Optional(DigestChannels), marketing: Type.Optional(DigestChannels) }, { additionalProperties: false }),
  },
  { additionalProperties: false },
)

export type GuardPolicy = Static<typeof GuardPolicySchema>

export const DEFAULT_GUARD_POLICY: GuardPolicy = {
  interruptive: ['email', 'sms', 'push', 'voice'],
  caps: { perDay: 3, perChannel: { email: 2, sms: 1, push: 2, voice: 1 } },
  quietHours: { start: '21:00', end: '08:00' },
  humanContactQuietsDay: true,
  conflictWindow: '10m',
  defaultTimezone: 'UTC',
  consentDefaults: LAWFUL_CONSENT_DEFAULTS,
  digest: { care: { email: { window: 'local-day', maxItems: 5 } } },
}

export const GUARD_POLICY_SETTING = 'guard_policy'

/** The digest setting for a topic and channel, if the policy has one (a stored policy may predate the field). */
export function digestSetting(policy: GuardPolicy, topic: string, channel: string): DigestSetting | undefined {
  const byTopic = topic === 'care' || topic === 'marketing' ? policy.digest?.[topic] : undefined
  return byTopic !== undefined && Object.hasOwn(byTopic, channel) ? byTopic[channel as 'email'] : undefined
}
