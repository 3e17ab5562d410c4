// Which of a shopper's other due nudges ride along with one that is about to go out: the same
// channel and topic, a digest configured for them, within the digest's window, each passing its
// own send-time guards as if sent alone now (so an urgent message never drags a non-urgent one
// through quiet hours). Pure: the dispatcher gathers the inputs.
import { parseDuration } from '../../lib/duration.ts'
import type { ConsentAnswer } from '../../model/consent.ts'
import type { Contact } from '../../store/operational/ContactStore.ts'
import { evaluateGuards, outranks, type GuardedMessage } from '../guards/evaluate.ts'
import type { DigestSetting, GuardPolicy } from '../guards/policy.ts'

export { digestSetting } from '../guards/policy.ts'

/**
 * Whether a due message decided at `createdAt` may join a lead decided at `leadAt`. `local-day`:
 * any due now (they reach the shopper on the same local day, at the same moment, whenever they
 * were decided, e.g. held over night by quiet hours); a duration: decided within it of the lead.
 */
export function inWindow(setting: DigestSetting, leadAt: number, createdAt: number): boolean {
  if (setting.window === 'local-day') return true
  return Math.abs(createdAt - leadAt) <= (parseDuration(setting.window) ?? 0)
}

export interface CompanionInput<M extends GuardedMessage> {
  lead: M
  /** The shopper's other messages leased with the lead, not yet handled. */
  candidates: readonly M[]
  setting: DigestSetting
  timezone: string | undefined
  now: number
  consent: ConsentAnswer
  /** The shopper's contacts (the lead's own reservation is left out: the digest is one contact). */
  contacts: readonly Contact[]
}

/** The companions, highest-ranked first, at most maxItems − 1. */
export function companionsOf<M extends GuardedMessage>(input: CompanionInput<M>, policy: GuardPolicy): M[] {
  const { lead, setting, now } = input
  const contacts = input.contacts.filter((c) => c.id !== lead.id)
  const joining = input.candidates.filter(
    (m) =>
      m.id !== lead.id &&
      m.channel === lead.channel &&
      m.topic === lead.topic &&
      inWindow(setting, lead.createdAt, m.createdAt) &&
      // Companions do not compete with each other: they go out together.
      evaluateGuards({ message: m, timezone: input.timezone, now, consent: input.consent, competitors: [], contacts }, policy).verdict === 'send',
  )
  return joining.sort((a, b) => (outranks(a, b) ? -1 : outranks(b, a) ? 1 : 0)).slice(0, setting.maxItems - 1)
}
